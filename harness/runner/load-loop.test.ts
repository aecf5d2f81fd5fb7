import { describe, expect, it } from 'vitest';
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
    expect(loop.stoppedBy).toBe('duration');
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
    expect(loop.stoppedBy).toBe('requests');
    expect(results).toHaveLength(200);
    expect(most).toBe(8);
    expect(loop.openLoad()).toBeUndefined();
  });
});
