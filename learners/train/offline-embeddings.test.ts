/**
 * Offline training and evaluation on a dataset with features from an embeddings endpoint
 * (a real HTTP server): the embeddings are fetched a slice at a time before the learner uses them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetRow } from '../../datasets/types.ts';
import { LinUcb, linucbHyperSchema } from '../bandits/linucb.ts';
import { LEARNERS } from '../registry.ts';
import { initTf } from '../rl/backend.ts';
import { buildLayout, featureSpecSchema } from '../features/spec.ts';
import { evaluateOnDatasetPrepared } from './evaluate.ts';
import { qualityCostReward, trainOnRows, trainOnRowsPrepared } from './offline.ts';

// The topic is in the text only: "alpha" prompts are right on model a, "beta" ones on b.
let server: Server;
let url = '';
const requests: number[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { input } = JSON.parse(body) as { input: string[] };
      requests.push(input.length);
      const data = input.map((t, index) => ({ index, embedding: t.includes('alpha') ? [1, 0] : [0, 1] }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const rows = (n: number, offset = 0): DatasetRow[] =>
  Array.from({ length: n }, (_, i) => {
    const alpha = (i + offset) % 5 < 3; // 60%: a is the stronger model overall
    return {
      promptId: `p${i + offset}`,
      source: 'test',
      category: 'same',
      prompt: `${alpha ? 'alpha' : 'beta'} question ${i + offset}`,
      scores: { a: alpha ? 1 : 0, b: alpha ? 0 : 1 },
    };
  });

function learner(): LinUcb {
  const features = featureSpecSchema.parse({
    categories: false,
    archetypes: false,
    length: false,
    turn: false,
    text: false,
    embedding: { url, model: 'toy' },
  });
  const actions = [
    { pool: 'a', model: 'a' },
    { pool: 'b', model: 'b' },
  ];
  return new LinUcb(actions, buildLayout(features, ['a', 'b']), linucbHyperSchema.parse({ alpha: 0.3 }));
}

describe('offline training with an embeddings endpoint', () => {
  const task = { actionModel: { a: 'a', b: 'b' }, reward: qualityCostReward(0) };

  it('fetches the embeddings in batches and learns the topic they carry', async () => {
    requests.length = 0;
    const l = learner();
    await trainOnRowsPrepared(l, rows(3000), task, { seed: 1 });
    expect(requests.reduce((a, b) => a + b, 0)).toBe(3000);
    expect(requests.length).toBeLessThan(3000 / 8); // batched, not one request per row
    const e = await evaluateOnDatasetPrepared(l, rows(400, 1), task, ['a', 'b']);
    expect(e.quality.estimate).toBeGreaterThan(0.95);
  });

  it('the synchronous pass refuses to run before the embeddings are fetched', () => {
    expect(() => trainOnRows(learner(), rows(10), task)).toThrow(/call prepare first/);
  });

  it('builds, trains and reloads a neural policy on endpoint embeddings, which needs the dimension up front', async () => {
    await initTf();
    const actions = [
      { pool: 'a', model: 'a' },
      { pool: 'b', model: 'b' },
    ];
    const ctx = { pools: ['a', 'b'], seed: 1, file: 'test', actions };
    const features = {
      categories: false,
      archetypes: false,
      length: false,
      turn: false,
      text: false,
      embedding: { url, model: 'toy' },
    };
    expect(() => LEARNERS.neural!.create({ type: 'neural', features }, ctx)).toThrow(/features\.embedding\.dim/);
    const neural = LEARNERS.neural!.create(
      { type: 'neural', features: { ...features, embedding: { url, model: 'toy', dim: 2 } } },
      ctx,
    );
    await trainOnRowsPrepared(neural, rows(600), task, { seed: 1 });
    const reloaded = LEARNERS.neural!.load(neural.save());
    const e = await evaluateOnDatasetPrepared(reloaded, rows(200, 1), task, ['a', 'b']);
    expect(e.n).toBe(200);
  });
});
