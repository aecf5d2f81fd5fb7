/**
 * The warm-up's bookkeeping: nothing sent and no file when it is off, the summary's note, and
 * the workers' files gathered into the run's warmup.jsonl with their requests counted (a run
 * folder holding a warm-up request is kept even when the run itself sent nothing).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { anyWarmUp, gatherWarmUps, warmUp, warmUpNote } from './warm-up.ts';

const dir = mkdtempSync(join(tmpdir(), 'wrp-warmup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('warm-up', () => {
  it('off (0 requests): nothing sent, no file, no note', async () => {
    const file = join(dir, 'off.jsonl');
    const done = await warmUp([], { requests: 0, concurrency: 8 }, file);
    expect(done).toEqual({ sent: 0, failed: 0 });
    expect(existsSync(file)).toBe(false);
    expect(warmUpNote(done)).toBeUndefined();
  });

  it('the note says how many went out before the clock, and how many failed', () => {
    expect(warmUpNote({ sent: 300, failed: 0 })).toMatch(/^warm-up: 300 request\(s\) sent before/);
    expect(warmUpNote({ sent: 300, failed: 2 })).toMatch(/; 2 failed$/);
  });

  it("gathers the workers' files into one, each line once, and counts them", () => {
    const w0 = join(dir, 'w0.jsonl');
    const w1 = join(dir, 'w1.jsonl');
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(w0, '{"id":"warmup/0"}\n{"id":"warmup/1"}\n');
    writeFileSync(w1, '{"id":"warmup/0"}\n');
    writeFileSync(empty, '');
    const into = join(dir, 'warmup.jsonl');
    expect(gatherWarmUps([w0, w1, empty, join(dir, 'missing.jsonl')], into)).toBe(3);
    expect(readFileSync(into, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(anyWarmUp([w0, empty])).toBe(true);
    expect(anyWarmUp([empty, join(dir, 'missing.jsonl')])).toBe(false);
  });
});
