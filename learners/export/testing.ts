/**
 * Helpers for the export tests and benchmark (no test runner imports): an experiment file,
 * policies of every exportable kind trained on synthetic task texts (so keyword routes and
 * embeddings see real prompts), and a local /v1/embeddings server standing in for the
 * embedding endpoint the router and the policy share: a hashed bag of words and character
 * trigrams, deterministic, so texts of one task family land near each other.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { countTokens } from '../../core/text/tokenizer.ts';
import type { RoutingContext } from '../../harness/types.ts';
import { CATEGORY_BUILDERS, type Category } from '../../harness/workload/tasks.ts';
import { Rng } from '../../core/rng.ts';
import { hashNgramsInto } from '../features/hashing.ts';
import { LEARNERS } from '../registry.ts';
import { CascadePolicy } from '../rl/cascade-policy.ts';
import type { Learner, PolicyFile } from '../types.ts';
import { SignalRoutedLearner } from './routed-learner.ts';
import { loadSignalMap, SignalRouter } from './signal-map.ts';

export const CATS: Category[] = ['math', 'code', 'chitchat', 'summarize'];
export const ACTIONS = [
  { pool: 'small', model: 'llama-3.2-3b' },
  { pool: 'medium', model: 'qwen3-8b' },
  { pool: 'large', model: 'llama-3.1-70b' },
];
/** Mean reward per category and action: each category has its own best pool ("other": follow-ups). */
export const MEANS: Record<string, number[]> = {
  math: [0.2, 0.8, 0.6],
  code: [0.3, 0.5, 0.9],
  chitchat: [0.85, 0.6, 0.55],
  summarize: [0.6, 0.65, 0.5],
  other: [0.7, 0.6, 0.4],
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

/** Training contexts: a synthetic task of each category in turn, every 5th a follow-up turn. */
export function trainingContexts(n: number, seed = 11): RoutingContext[] {
  const r = new Rng(seed);
  return Array.from({ length: n }, (_, t) => {
    const category = CATS[t % CATS.length]!;
    const followUp = t % 5 === 4;
    const text = followUp ? 'Could you explain that in simpler words?' : CATEGORY_BUILDERS[category](r, 0.3).text;
    return {
      labels: {
        id: `t${t}/${followUp ? 1 : 0}`,
        source: 'export-test',
        category,
        archetype: 'chat',
        sessionId: `t${t}`,
        turn: followUp ? 1 : 0,
        warm: false,
        lengthClass: 'balanced',
      },
      text,
      messages: [{ role: 'user', content: text }],
      promptTokensEstimate: countTokens(text),
      pools: [],
    };
  });
}

/** The arm's Bernoulli mean for a context, by the category the text is in (follow-ups: "other"). */
export function meanOf(ctx: RoutingContext, arm: number): number {
  return (ctx.labels.turn > 0 ? MEANS.other! : MEANS[ctx.labels.category]!)[arm]!;
}

/** Fetches every context's embeddings in concurrent slices (the client batches them). */
async function prefetch(learner: Learner, ctxs: RoutingContext[]): Promise<void> {
  for (let i = 0; i < ctxs.length; i += 1000)
    await Promise.all(ctxs.slice(i, i + 1000).map((c) => learner.prepare?.(c)));
}

/**
 * Trains a registry learner with bandit feedback on trainingContexts (awaiting prepare, for
 * endpoint features); `signals` trains it on a signal map's categories (wrp train --signals).
 */
export async function trainPolicy(
  type: string,
  spec: Record<string, unknown> = {},
  o: { steps?: number; signals?: string } = {},
): Promise<Learner> {
  const entry = LEARNERS[type]!;
  const inner = entry.create(
    { type, ...spec },
    { pools: ACTIONS.map((a) => a.pool), seed: 3, file: 'test', actions: ACTIONS },
  );
  const learner = o.signals ? new SignalRoutedLearner(inner, new SignalRouter(loadSignalMap(o.signals))) : inner;
  const rng = new Rng(11);
  const ctxs = trainingContexts(o.steps ?? 600);
  await prefetch(learner, ctxs);
  for (const ctx of ctxs) {
    await learner.prepare?.(ctx);
    const d = learner.choose(ctx);
    const arm = ACTIONS.findIndex((a) => a.pool === d.action);
    learner.update(ctx, d.action, rng.next() < meanOf(ctx, arm) ? 1 : 0);
  }
  return learner;
}

/** A knn policy from logged data: each context stored with a random action and its Bernoulli outcome. */
export async function knnPolicy(spec: Record<string, unknown>, n = 400): Promise<Learner> {
  const learner = LEARNERS.knn!.create(
    { type: 'knn', ...spec },
    { pools: ACTIONS.map((a) => a.pool), seed: 3, file: 'test', actions: ACTIONS },
  );
  const rng = new Rng(5);
  const ctxs = trainingContexts(n, 23);
  await prefetch(learner, ctxs);
  for (const ctx of ctxs) {
    await learner.prepare?.(ctx);
    const arm = rng.int(ACTIONS.length);
    learner.update(ctx, ACTIONS[arm]!.pool, rng.next() < meanOf(ctx, arm) ? 1 : 0);
  }
  return learner;
}

/** A three-level cascade trained on builtin:synthetic categories, with confidence-binned feedback. */
export function cascadePolicy(steps = 800): PolicyFile {
  const p = new CascadePolicy({
    levels: ACTIONS,
    costQualityTradeoff: 0.3,
    bins: 5,
    explore: false,
    confidenceMethod: 'hybrid',
  });
  const router = new SignalRouter(loadSignalMap('builtin:synthetic'));
  const rng = new Rng(9);
  for (const ctx of trainingContexts(steps, 31)) {
    const category = router.categoryOf(ctx.messages);
    const level = rng.int(ACTIONS.length);
    const confidence = rng.next();
    const good = rng.next() < meanOf(ctx, level) * (0.6 + 0.4 * confidence);
    p.observeFor(category, level, good ? 1 : 0, confidence);
  }
  return { ...p.save(), signals: structuredClone(router.map) };
}

/** `features: {router: ...}` for a stand-in endpoint. */
export const routerFeatures = (url: string, dim: number) => ({ router: { url, model: 'stand-in-embedding', dim } });

/**
 * A deterministic stand-in embedding endpoint: /v1/embeddings, `dim` values per text: hashed
 * word and character-trigram counts (512 buckets) through a fixed Gaussian projection, so the
 * vectors are dense like a real model's (sparse ones put many points at exactly equal
 * distances) and texts sharing words stay close.
 */
export async function embeddingServer(
  dim = 256,
): Promise<{ url: string; close(): Promise<void>; requests: () => number }> {
  let count = 0;
  const SPARSE = 512;
  const rng = new Rng(1234);
  const projection = Float64Array.from({ length: SPARSE * dim }, () => rng.normal() / Math.sqrt(SPARSE));
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      count++;
      const input = (JSON.parse(body) as { input: string[] | string }).input;
      const texts = Array.isArray(input) ? input : [input];
      const data = texts.map((t, index) => {
        const h = new Float64Array(SPARSE);
        hashNgramsInto(t, h, 0, SPARSE, [1], [3], 7);
        const v = new Array<number>(dim).fill(0);
        for (let i = 0; i < SPARSE; i++)
          if (h[i] !== 0) for (let j = 0; j < dim; j++) v[j]! += h[i]! * projection[i * dim + j]!;
        return { index, embedding: v.map((x) => 3 * x) };
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data, model: 'stand-in-embedding' }));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests: () => count,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
