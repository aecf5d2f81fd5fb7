/**
 * Test helpers for export (no test runner imports): an experiment file, trained policies of
 * every exportable kind, and a local /v1/embeddings server standing in for a Qwen3 embedding
 * endpoint.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { hashString53 } from '../../core/text/tokenizer.ts';
import { makeCtx } from '../bandits/testing.ts';
import { buildLayout } from '../features/spec.ts';
import { LEARNERS } from '../registry.ts';
import { CascadePolicy } from '../rl/cascade-policy.ts';
import type { Learner, PolicyFile } from '../types.ts';
import { KnnPolicy } from './knn-policy.ts';
import { Rng } from '../../core/rng.ts';

export const CATS = ['math', 'code', 'chitchat', 'summarize'];
export const ACTIONS = [
  { pool: 'small', model: 'llama-3.2-3b' },
  { pool: 'medium', model: 'qwen3-8b' },
  { pool: 'large', model: 'llama-3.1-70b' },
];
/** Mean reward per category and action: each category has its own best pool. */
const MEANS: Record<string, number[]> = {
  math: [0.2, 0.8, 0.6],
  code: [0.3, 0.5, 0.9],
  chitchat: [0.85, 0.6, 0.55],
  summarize: [0.6, 0.65, 0.5],
};

export function tempDir(prefix = 'wrp-export-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** An experiment over the three pools (sim, plus one live endpoint when asked). */
export function writeExperiment(
  dir: string,
  opts: { live?: boolean; pricing?: boolean; pools?: string[] } = {},
): string {
  const sims: Record<string, { model: string; gpu: string; tp?: number }> = {
    small: { model: 'llama-3.2-3b', gpu: 'L4' },
    medium: { model: 'qwen3-8b', gpu: 'A100-80GB' },
    large: { model: 'llama-3.1-70b', gpu: 'H100-80GB', tp: 4 },
  };
  const prices: Record<string, number> = { small: 0.06, medium: 0.18, large: 0.88 };
  const pools = (opts.pools ?? ['small', 'medium', 'large']).map((name) => ({
    name,
    model: ACTIONS.find((a) => a.pool === name)?.model ?? name,
    ...(opts.live && name === 'large'
      ? { endpoint: 'https://gpu-host.example:8443' }
      : { sim: sims[name] ?? sims.small }),
    ...(opts.pricing === false
      ? {}
      : { pricing: { input_per_1m: prices[name] ?? 0.1, output_per_1m: prices[name] ?? 0.1 } }),
  }));
  const exp = {
    name: 'export-test',
    seed: 1,
    pools,
    workload: {
      sources: [{ type: 'synthetic', archetypes: { chat: 2, agent: 1 } }],
      arrival: { type: 'poisson', rate: 5 },
    },
    router: { type: 'static', default: pools[0]!.name },
    feedback: { reward: { quality: 1, cost: 0.3, slo: 0.2, cost_scale: 0.002 } },
    stop: { requests: 50 },
    slo: { ttft_ms: 1500, tpot_ms: 100 },
  };
  const path = join(dir, 'experiment.yaml');
  writeFileSync(path, stringify(exp));
  return path;
}

export function writePolicy(dir: string, file: PolicyFile, name = 'policy'): string {
  const out = join(dir, name);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'policy.json'), JSON.stringify(file));
  return out;
}

/** Trains a registry learner on the per-category Bernoulli problem (bandit feedback). */
export function trainRegistry(type: string, spec: Record<string, unknown> = {}, steps = 600): Learner {
  const entry = LEARNERS[type]!;
  const learner = entry.create(
    { type, ...spec },
    { pools: ACTIONS.map((a) => a.pool), seed: 3, file: 'test', actions: ACTIONS },
  );
  const rng = new Rng(11);
  for (let t = 0; t < steps; t++) {
    const category = CATS[t % CATS.length]!;
    const ctx = makeCtx({
      category,
      id: `t${t}/0`,
      text: `${category} question number ${t % 37}`,
      tokens: 20 + (t % 300),
    });
    const d = learner.choose(ctx);
    const arm = ACTIONS.findIndex((a) => a.pool === d.action);
    learner.update(ctx, d.action, rng.next() < MEANS[category]![arm]! ? 1 : 0);
  }
  return learner;
}

/** A knn policy over a small text + category layout with `n` labelled points. */
export function knnPolicy(n = 300, k = 7): KnnPolicy {
  const layout = buildLayout({
    bias: false,
    categories: CATS,
    archetypes: false,
    length: true,
    turn: false,
    text: { dim: 24, word_ngrams: [1], char_ngrams: [3], seed: 0 },
  });
  const p = new KnnPolicy(ACTIONS, layout, k);
  const rng = new Rng(5);
  for (let i = 0; i < n; i++) {
    const category = CATS[i % CATS.length]!;
    const ctx = makeCtx({
      category,
      text: `${category} prompt ${i % 50} about topic ${rng.int(20)}`,
      tokens: 10 + rng.int(500),
    });
    const label = rng.int(ACTIONS.length);
    p.add(p.features(ctx), label, MEANS[category]![label]! * (0.5 + rng.next() / 2), rng.int(3_000_000_000));
  }
  return p;
}

/** A three-level cascade with confidence-binned quality feedback. */
export function cascadePolicy(steps = 800): CascadePolicy {
  const p = new CascadePolicy({
    levels: ACTIONS,
    costQualityTradeoff: 0.3,
    bins: 5,
    explore: false,
    confidenceMethod: 'hybrid',
  });
  const rng = new Rng(9);
  for (let t = 0; t < steps; t++) {
    const category = CATS[t % CATS.length]!;
    const level = rng.int(ACTIONS.length);
    const confidence = rng.next();
    const good = rng.next() < MEANS[category]![level]! * (0.6 + 0.4 * confidence);
    p.observeFor(category, level, good ? 1 : 0, confidence);
  }
  return p;
}

/** A deterministic stand-in for a Qwen3 embedding server: /v1/embeddings, `dim` values per text. */
export async function embeddingServer(
  dim = 1024,
): Promise<{ url: string; close(): Promise<void>; requests: () => number }> {
  let count = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      count++;
      const input = (JSON.parse(body) as { input: string[] | string }).input;
      const texts = Array.isArray(input) ? input : [input];
      const data = texts.map((t, index) => {
        const h = hashString53(t, 7);
        return {
          index,
          embedding: Array.from(
            { length: dim },
            (_, i) => Math.sin((h % 1000) + i * 0.37) + (Math.floor(h / 2 ** (i % 20)) % 2) * 0.1,
          ),
        };
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data, model: 'Qwen3-Embedding-0.6B' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests: () => count,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
