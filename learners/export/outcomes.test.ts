/**
 * `wrp outcomes` against a stand-in written from the router's source (testing-router.ts):
 * the 60-a-minute limit with 429s, 409 on a model that is not the replay record's, 200 with
 * duplicate: true for a key it has, bearer tokens, replay ids. Fake timers drive the clock of
 * both sides (Date and setTimeout), so minutes of back-off take milliseconds. The clock only
 * moves while no post is on the wire (undici's diagnostics channels count them): on a loaded
 * machine a slow round trip must not let minutes pass, or the router's 10-minute key TTL
 * lapses in the middle of a test.
 */
import { readFileSync, rmSync, unlinkSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { subscribe } from 'node:diagnostics_channel';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isWrpError } from '../../core/errors.ts';
import type { RequestResult } from '../../harness/types.ts';
import { LEDGER_FILE, postOutcomes, type OutcomesOptions, type OutcomesReport } from './outcomes.ts';
import { standInRouter, type StandInRouter } from './testing-router.ts';
import { tempDir } from './testing.ts';

function record(
  i: number,
  replayId: string | undefined,
  model: string,
  extra: Partial<RequestResult> = {},
): RequestResult {
  return {
    id: `s${i}/0`,
    runId: 'run-1',
    labels: {
      id: `s${i}/0`,
      source: 'synthetic',
      category: 'math',
      archetype: 'chat',
      sessionId: `s${i}`,
      turn: 0,
      warm: false,
      lengthClass: 'balanced',
    },
    stage: 0,
    stageLabel: '',
    features: { promptTokensEstimate: 10, textChars: 20, turn: 0, poolRunning: {}, poolWaiting: {} },
    decision: { pool: 'router', model: 'auto', propensity: 1, policy: 'external', routerSelectedModel: model },
    status: 'ok',
    responseHeaders: replayId ? { 'x-vsr-replay-id': replayId, 'x-vsr-selected-model': model } : {},
    timing: { scheduledMs: 0, sentMs: 0, sendLagMs: 0, itlMs: [] },
    tokens: { output: 5, usageMissing: false },
    costUsd: 0,
    quality: i % 3 === 0 ? 0.25 : 1,
    verdict: i % 3 === 0 ? 'underpowered' : 'good_fit',
    evaluator: 'numeric',
    sloViolated: false,
    ...extra,
  };
}

let dir: string;
let router: StandInRouter;
const TOKEN = 'operator-secret';
const env = { WRP_ROUTER_TOKEN: TOKEN };

/** A run of n routed requests (every 10th claims a model the router did not pick: 409). */
function writeRun(name: string, n: number, extra: RequestResult[] = []): string {
  const run = join(dir, name);
  mkdirSync(run, { recursive: true });
  const records = Array.from({ length: n }, (_, i) => {
    const model = i % 2 ? 'qwen3-8b' : 'llama-3.1-70b';
    const id = router.route({ selectedModel: model });
    return record(i, id, i % 10 === 9 ? 'llama-3.2-3b' : model);
  });
  writeFileSync(join(run, 'requests.jsonl'), [...records, ...extra].map((r) => JSON.stringify(r)).join('\n') + '\n');
  return run;
}

/** Posts on the wire: undici announces each request, and its end or failure. */
let onWire = 0;
subscribe('undici:request:create', () => onWire++);
subscribe('undici:request:trailers', () => onWire--);
subscribe('undici:request:error', () => onWire--);

/** Runs postOutcomes, letting real I/O through and moving the fake clock a quarter second whenever no post is on the wire. */
async function drive(o: OutcomesOptions): Promise<OutcomesReport> {
  let settled = false;
  const p = postOutcomes(o).finally(() => (settled = true));
  p.catch(() => {});
  for (let i = 0; i < 200_000 && !settled; i++) {
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    if (onWire === 0) await vi.advanceTimersByTimeAsync(250);
  }
  return p;
}

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: Date.parse('2026-08-23T10:00:00Z') });
  dir = tempDir('wrp-outcomes-');
  router = await standInRouter({ tokens: { [TOKEN]: 'operator' } });
});
afterEach(async () => {
  vi.useRealTimers();
  await router.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('wrp outcomes against the router semantics', () => {
  it('200 outcomes: paced to 60 a minute, every one answered; 409s are mismatches, shown and not ledgered', async () => {
    const run = writeRun('paced', 200);
    const t0 = Date.now();
    const r = await drive({ run, router: router.url, env });
    expect(r).toMatchObject({ eligible: 200, accepted: 180, mismatch: 20, duplicate: 0, failed: 0, rateLimited: 0 });
    expect(r.mismatches[0]!.reason).toMatch(/409 OUTCOME_OWNERSHIP_MISMATCH/);
    expect(router.posts.filter((x) => x.status === 429)).toEqual([]);
    // 200 posts at 60 a minute: the last window opens after three minutes.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3 * 60_000);
    const ledger = readFileSync(join(run, LEDGER_FILE), 'utf8').trim().split('\n');
    expect(ledger).toHaveLength(180);
    expect(router.records.filter((x) => x.outcomes.length === 1)).toHaveLength(180);
  }, 60_000);

  it('a client faster than the router: 429s are waited out (until the window frees, or Retry-After) and nothing is lost', async () => {
    const run = writeRun('fast', 130);
    const r = await drive({ run, router: router.url, env, perMinute: 10_000, concurrency: 8 });
    expect(r.accepted + r.mismatch).toBe(130);
    expect(r.failed).toBe(0);
    expect(r.rateLimited).toBeGreaterThan(0);
    expect(router.posts.filter((x) => x.status === 429).length).toBe(r.rateLimited);
    // Never more than 60 accepted posts in any rolling minute.
    const ok = router.posts.filter((x) => x.status !== 429).map((x) => x.at);
    for (const t of ok) expect(ok.filter((u) => u > t - 60_000 && u <= t).length).toBeLessThanOrEqual(60);

    await router.close();
    router = await standInRouter({ tokens: { [TOKEN]: 'operator' }, retryAfterS: 7 });
    const run2 = writeRun('retry-after', 70);
    const r2 = await drive({ run: run2, router: router.url, env, perMinute: 10_000, concurrency: 1 });
    expect(r2.accepted + r2.mismatch).toBe(70);
    const limited = router.posts.findIndex((x) => x.status === 429);
    expect(router.posts[limited + 1]!.at - router.posts[limited]!.at).toBeGreaterThanOrEqual(7000);
  }, 60_000);

  it('duplicates: the router answers 200 duplicate: true for a key it has; the ledger keeps re-runs from posting at all', async () => {
    const run = writeRun('dup', 20);
    const first = await drive({ run, router: router.url, env });
    expect(first.accepted).toBe(18);
    const again = await drive({ run, router: router.url, env });
    expect(again).toMatchObject({ alreadyPosted: 18, accepted: 0, duplicate: 0, mismatch: 2 });
    unlinkSync(join(run, LEDGER_FILE));
    const noLedger = await drive({ run, router: router.url, env });
    expect(noLedger).toMatchObject({ duplicate: 18, accepted: 0 });
    expect(router.records.filter((x) => x.outcomes.length > 1)).toEqual([]);
  }, 60_000);

  it('counts requests without a replay id or verdict, fails unknown replay ids, reads a torn last line', async () => {
    const run = writeRun('mixed', 3, [
      record(90, undefined, 'm'),
      record(91, 'replay-x', 'm', { verdict: undefined }),
      record(92, 'replay-unknown', 'm'),
    ]);
    writeFileSync(join(run, 'requests.jsonl'), readFileSync(join(run, 'requests.jsonl'), 'utf8') + '{"id": "torn');
    const r = await drive({ run, router: router.url, env });
    expect(r).toMatchObject({ requests: 6, noReplayId: 1, noVerdict: 1, failed: 1, unreadable: 1, accepted: 3 });
    expect(r.failures[0]!.reason).toMatch(/404 REPLAY_NOT_FOUND/);
  }, 60_000);

  it('bearer tokens: none sent is a clear error naming the variable; a named variable must be set', async () => {
    const run = writeRun('auth', 2);
    const err = await drive({ run, router: router.url, env: {} }).catch((e: unknown) => e);
    expect(isWrpError(err, 'WRP_USAGE')).toBe(true);
    expect((err as Error).message).toMatch(/401 UNAUTHORIZED: no token was sent \(set WRP_ROUTER_TOKEN/);
    expect(existsSync(join(run, LEDGER_FILE))).toBe(false);
    const missing = await drive({ run, router: router.url, env: {}, tokenEnv: 'ROUTER_TOKEN' }).catch(
      (e: unknown) => e,
    );
    expect(isWrpError(missing, 'WRP_SECRET_MISSING')).toBe(true);
    const ok = await drive({ run, router: router.url, env: { ROUTER_TOKEN: TOKEN }, tokenEnv: 'ROUTER_TOKEN' });
    expect(ok.accepted).toBe(2);
  }, 60_000);
});
