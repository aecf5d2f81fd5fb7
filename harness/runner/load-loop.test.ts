import { describe, expect, it, vi } from 'vitest';
import type { RequestResult, SessionPlan } from '../types.ts';
import { createArrivals } from '../workload/arrivals.ts';
import { LoadLoop, type SessionSource, type TurnRunner } from './load-loop.ts';

const source: SessionSource = {
  next: (_nowS, index): SessionPlan => ({
    sessionId: `s${index}`,
    turns: [
      {
        labels: {
          id: `s${index}/0`,
          source: 'test',
          category: 'c',
          archetype: 'chat',
          sessionId: `s${index}`,
          turn: 0,
          warm: false,
          lengthClass: 'balanced',
        },
        user: 'hi',
        maxTokens: 8,
        thinkTimeS: 0,
      },
    ],
  }),
};

const result = (session: SessionPlan, scheduledAt: number): RequestResult => ({
  id: session.turns[0]!.labels.id,
  runId: 'test',
  labels: session.turns[0]!.labels,
  stage: 0,
  stageLabel: '',
  features: { promptTokensEstimate: 1, textChars: 2, turn: 0, poolRunning: {}, poolWaiting: {} },
  decision: { pool: 'p', model: 'm', propensity: 1, policy: 'static' },
  status: 'ok',
  timing: { scheduledMs: scheduledAt, sentMs: scheduledAt, sendLagMs: 0, itlMs: [] },
  tokens: { output: 1, usageMissing: false },
  costUsd: 0,
  evaluator: 'none',
  sloViolated: false,
});

/** Burns the thread for `ms`: a send path slower than the offered rate allows. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

describe('LoadLoop open loop behind its schedule', () => {
  it('keeps the event loop turning: the duration stop ends the run, it says once that it fell behind, and counts what was due', async () => {
    const lines: string[] = [];
    const results: RequestResult[] = [];
    // Each send holds the thread 4 ms (at most ~250/s) against 1,000 offered per second.
    const runTurn: TurnRunner = async (session, _turn, _history, scheduledAt) => {
      busy(4);
      await new Promise((r) => setImmediate(r));
      return { result: result(session, scheduledAt), answer: 'ok' };
    };
    const loop = new LoadLoop({
      t0: performance.now(),
      source,
      arrivals: createArrivals({ type: 'constant', rate: 1000 }, 1),
      stop: { durationS: 0.5, maxErrorRate: 1, minRequestsForErrorRate: 20, graceS: 30 },
      runTurn,
      onResult: (r) => results.push(r),
      log: (l) => lines.push(l),
    });
    await loop.run();
    expect(loop.stoppedBy).toEqual({ kind: 'duration' });
    expect(results).toHaveLength(loop.counters.sent);
    const behind = lines.filter((l) => l.includes('cannot hold the offered rate'));
    expect(behind).toHaveLength(1);
    const open = loop.openLoad()!;
    expect(open.started).toBe(loop.counters.sent);
    expect(open.behindAtStop).toBeGreaterThan(0);
    // Offered: every constant-rate arrival due by the stop (t = 0, 1, 2, ... ms).
    expect(open.started + open.behindAtStop).toBeGreaterThanOrEqual(Math.floor(open.spanS * 1000));
  });

  it('a closed loop keeps its concurrency with one waiter, and stops on the request count', async () => {
    let inFlight = 0;
    let most = 0;
    const runTurn: TurnRunner = async (session, _turn, _history, scheduledAt) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      return { result: result(session, scheduledAt), answer: 'ok' };
    };
    const results: RequestResult[] = [];
    const loop = new LoadLoop({
      t0: performance.now(),
      source,
      arrivals: createArrivals({ type: 'concurrency', concurrency: 8 }, 1),
      stop: { requests: 200, maxErrorRate: 1, minRequestsForErrorRate: 20, graceS: 30 },
      runTurn,
      onResult: (r) => results.push(r),
    });
    await loop.run();
    expect(loop.stoppedBy).toEqual({ kind: 'requests' });
    expect(results).toHaveLength(200);
    expect(most).toBe(8);
    expect(loop.openLoad()).toBeUndefined();
  });
});

describe('LoadLoop open loop: a reply wakes a due sender', () => {
  it('sends what is due when a reply arrives, without waiting for the timer (timers faked, never fired)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const replies: (() => void)[] = [];
      const runTurn: TurnRunner = (session, _turn, _history, scheduledAt) =>
        new Promise((resolve) => replies.push(() => resolve({ result: result(session, scheduledAt), answer: 'ok' })));
      const t0 = performance.now();
      // Due at 0 and 500 ms, then every 500 ms (room for a slow machine before the second).
      const loop = new LoadLoop({
        t0,
        source,
        arrivals: createArrivals({ type: 'constant', rate: 2 }, 1),
        stop: { maxErrorRate: 1, minRequestsForErrorRate: 20, graceS: 0 },
        runTurn,
        onResult: () => {},
      });
      const run = loop.run();
      const turnOfTheLoop = () => new Promise<void>((r) => setImmediate(r));
      while (loop.counters.sent < 1) await turnOfTheLoop();
      await turnOfTheLoop();
      // The sender sleeps until 500 ms on a timer that never fires here: before then a reply does not wake it.
      expect(loop.wakeSenderIfDue()).toBe(false);
      expect(loop.counters.sent).toBe(1);
      while (performance.now() < t0 + 501) await turnOfTheLoop();
      expect(loop.wakeSenderIfDue()).toBe(true);
      await turnOfTheLoop();
      expect(loop.counters.sent).toBe(2);
      loop.requestStop({ kind: 'interrupted' });
      for (const reply of replies) reply();
      vi.runAllTimers();
      await run;
      expect(loop.counters.completed).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
