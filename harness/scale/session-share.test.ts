import { describe, expect, it } from 'vitest';
import { LoadLoop, type SessionSource, type TurnRunner } from '../runner/load-loop.ts';
import type { RequestResult, SessionPlan } from '../types.ts';
import { createArrivals, type ArrivalSpecInput } from '../workload/arrivals.ts';
import { sessionShare } from './session-share.ts';

/** Session k has 1 + k mod 3 turns, no think time. */
const source: SessionSource = {
  next: (_nowS, index): SessionPlan => ({
    sessionId: `s${index}`,
    turns: Array.from({ length: 1 + (index % 3) }, (_, turn) => ({
      labels: {
        id: `s${index}/${turn}`,
        source: 'test',
        category: 'c',
        archetype: 'chat',
        sessionId: `s${index}`,
        turn,
        warm: false,
        lengthClass: 'balanced' as const,
      },
      user: 'hi',
      maxTokens: 8,
      thinkTimeS: 0,
    })),
  }),
};

const runTurn: TurnRunner = async (session, turn) => {
  await new Promise((r) => setImmediate(r));
  const labels = session.turns[turn]!.labels;
  const result = { id: labels.id, status: 'ok', decision: { pool: 'p' } } as RequestResult;
  return { result, answer: 'ok' };
};

async function ids(arrival: ArrivalSpecInput, shard: { index: number; count: number }, requests: number) {
  const out: string[] = [];
  let most = 0;
  let inFlight = 0;
  const loop = new LoadLoop({
    t0: performance.now(),
    source,
    arrivals: createArrivals(arrival, 1),
    stop: { maxErrorRate: 1, minRequestsForErrorRate: 20, graceS: 30 },
    runTurn: async (...a) => {
      most = Math.max(most, ++inFlight);
      const r = await runTurn(...a);
      inFlight--;
      return r;
    },
    onResult: (r) => out.push(r.id),
    share: sessionShare(shard, requests),
  });
  await loop.run();
  return { ids: out, stoppedBy: loop.stoppedBy, most };
}

describe('a share of a load schedule', () => {
  it('3 shards send exactly the requests of 1, each once, every turn of their own sessions (open loop)', async () => {
    const open = { type: 'constant', rate: 20_000 } as const;
    const whole = await ids(open, { index: 0, count: 1 }, 100);
    expect(whole.stoppedBy).toEqual({ kind: 'requests' });
    expect(whole.ids).toHaveLength(100);
    const parts = await Promise.all([0, 1, 2].map((index) => ids(open, { index, count: 3 }, 100)));
    const merged = parts.flatMap((p) => p.ids);
    expect(merged.sort()).toEqual([...whole.ids].sort());
    parts.forEach((p, index) => expect(p.ids.every((id) => Number(/^s(\d+)\//.exec(id)![1]) % 3 === index)).toBe(true));
    // Sessions 0..49 plan 99 requests: s50 (3 turns planned) is cut to 1, and nothing after it.
    expect(whole.ids.filter((id) => id.startsWith('s50/'))).toEqual(['s50/0']);
    expect(whole.ids.some((id) => id.startsWith('s51/'))).toBe(false);
  });

  it('a closed loop splits its concurrency, the parts adding up to the whole', async () => {
    const closed = { type: 'concurrency', concurrency: 8 } as const;
    const parts = await Promise.all([0, 1, 2].map((index) => ids(closed, { index, count: 3 }, 60)));
    expect(parts.map((p) => p.most)).toEqual([3, 3, 2]);
    expect(parts.flatMap((p) => p.ids).sort()).toEqual((await ids(closed, { index: 0, count: 1 }, 60)).ids.sort());
  });
});
