import { existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestResult } from '../../harness/types.ts';
import { LEDGER_FILE, postOutcomes, type OutcomeBody } from './outcomes.ts';
import { tempDir } from './testing.ts';

/**
 * Plays the router's management API: POST /v1/router/outcomes stores each Idempotency-Key once;
 * a repeated key answers 200 {status: "duplicate"}. Replay ids starting "bad" get a 500.
 */
interface Router {
  url: string;
  received: { key: string; body: OutcomeBody }[];
  keys: Set<string>;
  close(): Promise<void>;
}

async function router(): Promise<Router> {
  const received: Router['received'] = [];
  const keys = new Set<string>();
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const send = (code: number, body: unknown) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/v1/router/outcomes') return send(404, { error: 'not found' });
      const key = String(req.headers['idempotency-key'] ?? '');
      const body = JSON.parse(text) as OutcomeBody;
      if (!key) return send(400, { error: 'Idempotency-Key required' });
      if (body.replay_id.startsWith('bad')) return send(500, { error: 'replay store unavailable' });
      received.push({ key, body });
      if (keys.has(key)) return send(200, { status: 'duplicate' });
      keys.add(key);
      send(201, { status: 'accepted' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, keys, close: () => new Promise((r) => server.close(() => r())) };
}

function record(i: number, extra: Partial<RequestResult> = {}): RequestResult {
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
    decision: {
      pool: 'router',
      model: 'auto',
      propensity: 1,
      policy: 'external',
      routerSelectedModel: i % 2 ? 'qwen3-8b' : 'llama-3.1-70b',
    },
    status: 'ok',
    responseHeaders: { 'x-vsr-replay-id': `replay-${i}`, 'x-vsr-selected-model': 'ignored' },
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
let server: Router;
beforeAll(async () => {
  dir = tempDir('wrp-outcomes-');
  server = await router();
  const records = [
    ...Array.from({ length: 12 }, (_, i) => record(i)),
    record(12, { responseHeaders: {} }), // did not go through the router
    record(13, { verdict: undefined, quality: undefined }), // no verdict
    record(14, { responseHeaders: { 'X-VSR-Replay-Id': 'bad-14' } }), // the router fails on it
  ];
  writeFileSync(join(dir, 'requests.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('wrp outcomes', () => {
  it('posts each verdict once with its replay id and an Idempotency-Key; a re-run posts nothing twice', async () => {
    const first = await postOutcomes({ run: dir, router: `${server.url}/` });
    expect(first).toMatchObject({
      requests: 15,
      eligible: 13,
      accepted: 12,
      duplicate: 0,
      failed: 1,
      alreadyPosted: 0,
      noReplayId: 1,
      noVerdict: 1,
    });
    expect(first.failures[0]).toMatchObject({ id: 's14/0' });
    expect(first.failures[0]!.reason).toMatch(/HTTP 500/);
    const r3 = server.received.find((x) => x.body.replay_id === 'replay-3')!;
    expect(r3.key).toBe('wrp-run-1-s3/0');
    expect(r3.body).toEqual({
      replay_id: 'replay-3',
      target: 'model',
      target_ref: 'qwen3-8b',
      verdict: 'underpowered',
      score: 0.25,
      reason: 'wrp numeric quality 0.250',
    });
    expect(readFileSync(join(dir, LEDGER_FILE), 'utf8').trim().split('\n')).toHaveLength(12);

    const posted = server.received.length;
    const again = await postOutcomes({ run: dir, router: server.url });
    expect(again).toMatchObject({ accepted: 0, duplicate: 0, failed: 1, alreadyPosted: 12 });
    // Only the failed one was tried again.
    expect(server.received.length).toBe(posted);
  });

  it('without the ledger the router answers duplicate, and those count as done', async () => {
    unlinkSync(join(dir, LEDGER_FILE));
    const r = await postOutcomes({ run: join(dir, 'requests.jsonl'), router: server.url, concurrency: 3 });
    expect(r).toMatchObject({ accepted: 0, duplicate: 12, failed: 1 });
    expect(server.keys.size).toBe(12);
    const rerun = await postOutcomes({ run: dir, router: server.url });
    expect(rerun.alreadyPosted).toBe(12);
  });

  it('an unreachable router: every post fails, nothing enters the ledger; bad arguments are clear', async () => {
    const run2 = tempDir('wrp-outcomes2-');
    writeFileSync(join(run2, 'requests.jsonl'), JSON.stringify(record(1)) + '\n');
    const r = await postOutcomes({ run: run2, router: 'http://127.0.0.1:9', timeoutMs: 2000 });
    expect(r).toMatchObject({ accepted: 0, failed: 1 });
    expect(existsSync(join(run2, LEDGER_FILE))).toBe(false);
    await expect(postOutcomes({ run: run2, router: 'router:8080' })).rejects.toThrow(
      /--router: expected an http\(s\) URL/,
    );
    await expect(postOutcomes({ run: join(run2, 'nope'), router: server.url })).rejects.toThrow(/no requests\.jsonl/);
    rmSync(run2, { recursive: true, force: true });
  });
});
