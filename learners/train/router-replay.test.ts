import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standInRouter, type StandInRouter } from '../export/testing-router.ts';
import { tempDir } from '../export/testing.ts';
import { readRouterReplay } from './router-replay.ts';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
let dir: string;
let router: StandInRouter;
let payload: string;

/** Routes requests through the stand-in, posts outcomes for some, and fetches the replay list as the API serves it. */
beforeAll(async () => {
  dir = tempDir('wrp-replay-');
  router = await standInRouter();
  const prompts = [
    ['Write a function that counts vowels.', 'llama-3.1-70b', 'good_fit', undefined],
    [
      'A shop packs 12 pencils into each box. Give the final answer as a single number.',
      'qwen3-8b',
      'underpowered',
      0.2,
    ],
    ['Hi! Can you suggest a relaxing hobby I could pick up this winter?', 'llama-3.2-3b', 'good_fit', 1],
    ['What is the capital of France?', 'llama-3.2-3b', undefined, undefined],
  ] as const;
  for (const [i, [prompt, model, verdict, score]] of prompts.entries()) {
    const id = router.route({ selectedModel: model, prompt, cost: 0.001, decision: 'wrp-all' });
    if (!verdict) continue;
    const res = await request(`${router.url}/v1/router/outcomes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `k${i}` },
      body: JSON.stringify({
        replay_id: id,
        target: 'model',
        target_ref: model,
        verdict,
        ...(score !== undefined ? { score } : {}),
      }),
    });
    expect(res.statusCode).toBe(200);
    await res.body.text();
  }
  const res = await request(`${router.url}/v1/router_replay?limit=100&showDetails=true`);
  payload = await res.body.text();
});
afterAll(async () => {
  await router.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Router Replay records as logged data', () => {
  it('reads the router_replay.list payload: context, served model, reward from the outcome; no propensities', async () => {
    const file = join(dir, 'replay.json');
    writeFileSync(file, payload);
    const { samples, report } = await readRouterReplay(file, 10);
    expect(report).toMatchObject({ records: 4, used: 3, noOutcome: 1, noPrompt: 0, withPropensity: 0 });
    expect(samples.map((s) => [s.model, s.quality])).toEqual([
      ['llama-3.1-70b', 1], // good_fit without a score
      ['qwen3-8b', 0.2],
      ['llama-3.2-3b', 1],
    ]);
    expect(samples[0]!.reward).toBeCloseTo(1 - 10 * 0.001);
    expect(samples[0]!.context.messages).toEqual([{ role: 'user', content: 'Write a function that counts vowels.' }]);
    // The list endpoint without showDetails omits prompts: counted, not guessed.
    const bare = join(dir, 'bare.jsonl');
    const list = JSON.parse(payload) as { data: Record<string, unknown>[] };
    writeFileSync(bare, list.data.map((r) => JSON.stringify({ ...r, prompt: undefined })).join('\n') + '\n');
    expect((await readRouterReplay(bare)).report).toMatchObject({ records: 4, used: 0, noPrompt: 3 });
  });

  it('wrp train learns from them; wrp eval refuses off-policy evaluation, saying the propensities are absent', () => {
    const file = join(dir, 'replay-cli.json');
    writeFileSync(file, payload);
    const wrp = (args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'bin/wrp.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
    const out = join(dir, 'policy');
    const t = wrp([
      'train',
      '--learner',
      'beta_thompson',
      '--data',
      `replay:${file}`,
      '--signals',
      'builtin:synthetic',
      '--out',
      out,
    ]);
    expect(t.status).toBe(0);
    const policy = JSON.parse(readFileSync(join(out, 'policy.json'), 'utf8')) as {
      training: { samples: number };
      actions: { model: string }[];
    };
    expect(policy.training.samples).toBe(3);
    expect(policy.actions.map((x) => x.model).sort()).toEqual(['llama-3.1-70b', 'llama-3.2-3b', 'qwen3-8b']);
    const e = wrp(['eval', '--policy', out, '--data', `replay:${file}`]);
    expect(e.status).toBe(2);
    expect(e.stderr.trim().split('\n')).toHaveLength(1);
    expect(e.stderr).toMatch(/off-policy evaluation refused: .*propensities: none recorded.*the router records none/);
  }, 60_000);
});
