import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../datasets/paths.ts';
import { createArrivals, openSchedule, type ArrivalProcess, type ArrivalStep } from './arrivals.ts';
import { loadTrace, timeValue } from './trace.ts';

const FIX = join(PROJECT_ROOT, 'harness/workload/fixtures');
const gapsOf = (ts: number[]) => ts.slice(1).map((t, i) => t - ts[i]!);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const cv = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2))) / m;
};

describe('open-loop processes', () => {
  it('are deterministic for a seed and differ across seeds', () => {
    const a = openSchedule(createArrivals({ type: 'poisson', rate: 5 }, 7), 200);
    expect(openSchedule(createArrivals({ type: 'poisson', rate: 5 }, 7), 200)).toEqual(a);
    expect(openSchedule(createArrivals({ type: 'poisson', rate: 5 }, 8), 200)).not.toEqual(a);
  });

  it('constant: exactly rate x duration sends at k/rate', () => {
    const ts = openSchedule(createArrivals({ type: 'constant', rate: 4, duration_s: 10 }, 1), 1000);
    expect(ts).toHaveLength(40);
    expect(ts[0]).toBe(0);
    expect(ts[39]).toBe(9.75);
  });

  it('poisson: mean rate within 2% and exponential gaps (cv ~ 1) over 20k arrivals', () => {
    const ts = openSchedule(createArrivals({ type: 'poisson', rate: 8 }, 123), 20_000);
    expect(ts.length / ts.at(-1)!).toBeGreaterThan(8 * 0.98);
    expect(ts.length / ts.at(-1)!).toBeLessThan(8 * 1.02);
    expect(cv(gapsOf(ts))).toBeCloseTo(1, 1);
  });

  it.each([0.5, 2, 4])('gamma: rate and cv %s are honoured', (target) => {
    const ts = openSchedule(createArrivals({ type: 'gamma', rate: 10, cv: target }, 99), 40_000);
    const gaps = gapsOf(ts);
    expect(1 / mean(gaps)).toBeGreaterThan(10 * 0.95);
    expect(1 / mean(gaps)).toBeLessThan(10 * 1.05);
    expect(Math.abs(cv(gaps) - target) / target).toBeLessThan(0.06);
  });

  it('stops after `requests` or `duration_s`', () => {
    expect(openSchedule(createArrivals({ type: 'poisson', rate: 100, requests: 37 }, 3), 1000)).toHaveLength(37);
    const p = createArrivals({ type: 'poisson', rate: 100, duration_s: 2 }, 3);
    const ts = openSchedule(p, 10_000);
    expect(ts.at(-1)!).toBeLessThan(2);
    expect(p.next({ nowS: 2, sent: ts.length, inFlight: 0 })).toEqual({ kind: 'done' });
  });
});

/** Drives a process like the runner would, with instantaneous sessions and a manual clock. */
function drive(p: ArrivalProcess, maxSteps: number, inFlight = 0): { steps: ArrivalStep[]; sent: number } {
  const steps: ArrivalStep[] = [];
  let nowS = 0;
  let sent = 0;
  for (let i = 0; i < maxSteps; i++) {
    const step = p.next({ nowS, sent, inFlight });
    steps.push(step);
    if (step.kind === 'done') break;
    if (step.kind === 'open') {
      nowS = Math.max(nowS, step.atS);
      sent++;
    } else if (step.kind === 'wait') nowS = step.untilS;
    else {
      sent++;
      nowS += 0.5; // a session completes every half second in this fake run
    }
  }
  return { steps, sent };
}

describe('sweep', () => {
  it('switches stages at duration and request boundaries', () => {
    const p = createArrivals(
      {
        type: 'sweep',
        process: 'constant',
        stages: [
          { rate: 2, duration_s: 5 },
          { rate: 10, requests: 20 },
          { rate: 0, duration_s: 3, label: 'idle' },
          { concurrency: 4, duration_s: 5 },
          { concurrency: 2, requests: 3 },
        ],
      },
      1,
    );
    expect(p.kind).toBe('mixed');
    const { steps } = drive(p, 200);
    const open = steps.filter((s) => s.kind === 'open');
    const s0 = open.filter((s) => s.stage.index === 0).map((s) => s.atS);
    const s1 = open.filter((s) => s.stage.index === 1).map((s) => s.atS);
    expect(s0).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5]);
    expect(s1).toHaveLength(20);
    expect(s1[0]).toBe(5);
    expect(s1[19]).toBeCloseTo(6.9, 9);
    // Stage 2 is idle until 7 + 3 = 10: the closed stage is announced by a wait.
    const wait = steps.find((s) => s.kind === 'wait');
    expect(wait).toMatchObject({ untilS: 10, stage: { index: 3, label: 'concurrency 4' } });
    const closed = steps.filter((s) => s.kind === 'closed');
    expect(closed.filter((s) => s.stage.index === 3)).toHaveLength(10); // 5 s of 0.5 s sessions
    expect(closed.find((s) => s.stage.index === 3)).toMatchObject({ concurrency: 4, untilS: 15 });
    expect(closed.filter((s) => s.stage.index === 4)).toHaveLength(3);
    expect(steps.at(-1)).toEqual({ kind: 'done' });
  });

  it('a closed stage waits for completions when full and ends at its time', () => {
    const p = createArrivals({ type: 'concurrency', concurrency: 3, duration_s: 4 }, 1);
    expect(p.kind).toBe('closed');
    expect(p.next({ nowS: 1, sent: 9, inFlight: 3 })).toMatchObject({ kind: 'closed', concurrency: 3, untilS: 4 });
    expect(p.next({ nowS: 4, sent: 9, inFlight: 3 })).toEqual({ kind: 'done' });
  });

  it('rejects bad specs with the path and expected value', () => {
    expect(() => createArrivals({ type: 'sweep', stages: [{ rate: 1 }, { rate: 2, duration_s: 1 }] }, 1)).toThrow(
      /workload\.arrival\.stages\[0\]: expected `duration_s` or `requests`/,
    );
    expect(() => createArrivals({ type: 'sweep', process: 'gamma', stages: [{ rate: 1 }] }, 1)).toThrow(
      /workload\.arrival\.cv: expected `cv` with process: gamma/,
    );
    expect(() => createArrivals({ type: 'sweep', stages: [{ rate: 1, concurrency: 2 }] }, 1)).toThrow(
      /exactly one of `rate`/,
    );
    expect(() => createArrivals({ type: 'poisson', rate: -1 }, 1)).toThrow(/workload\.arrival\.rate/);
    expect(() => createArrivals({ type: 'burst', rate: 1 } as never, 1)).toThrow(/workload\.arrival\.type/);
  });
});

describe('trace replay', () => {
  it('replays JSONL times sorted, rebased and scaled', () => {
    const p = createArrivals({ type: 'trace', path: 'trace.jsonl', scale: 2 }, 1, { baseDir: FIX });
    expect(openSchedule(p, 100)).toEqual([0, 1, 1.5, 2.5, 6]);
    expect(p.next({ nowS: 10, sent: 5, inFlight: 0 })).toEqual({ kind: 'done' });
    const t = loadTrace(join(FIX, 'trace.jsonl'), { rebase: false });
    expect(t).toMatchObject({ rowsRead: 6, invalid: 1, outOfOrder: 1 });
    expect(t.times[0]).toBe(100);
  });

  it('reads CSV date-times as UTC seconds', () => {
    const p = createArrivals({ type: 'trace', path: 'trace.csv', column: 'TIMESTAMP' }, 1, { baseDir: FIX });
    const ts = openSchedule(p, 100);
    expect(ts).toHaveLength(3);
    expect(ts[1]).toBeCloseTo(0.5, 6);
    expect(ts[2]).toBeCloseTo(2.32, 6); // millisecond precision
    expect(timeValue('1500', 'ms')).toBe(1.5);
    expect(timeValue('2024-01-01 00:00:01', 's')).toBe(Date.UTC(2024, 0, 1, 0, 0, 1) / 1000);
  });

  it('names the file and the columns on errors', () => {
    expect(() => createArrivals({ type: 'trace', path: 'trace.csv' }, 1, { baseDir: FIX })).toThrow(
      /trace\.csv: no column "t"; expected one of TIMESTAMP, ContextTokens, GeneratedTokens/,
    );
    expect(() => createArrivals({ type: 'trace', path: 'missing.jsonl' }, 1, { baseDir: FIX })).toThrow(
      /missing\.jsonl: no such file/,
    );
  });
});
