/**
 * Learner benchmarks (issue 4), side by side in one run: the shared pieces (the learners
 * compared on the datasets and how they are built), a drifting mix in the virtual-time
 * simulator (cumulative regret and recovery) and speed (LinUCB updates/s and decisions/s at
 * d = 256; the tfjs policy). The dataset benchmarks, data via WRP_DATA_DIR:
 * learners-routerdc.ts (RouterDC, 7 models) and learners-routerbench.ts (RouterBench).
 */
import { performance } from 'node:perf_hooks';
import type { DatasetRow } from '../datasets/types.ts';
import { parseExperiment } from '../harness/runner/config.ts';
import { LEARNERS } from '../learners/registry.ts';
import { contextFromRow, withCategories } from '../learners/train/dataset-context.ts';
import { poolNameOf } from '../learners/train/data-source.ts';
import { trainInSimulator } from '../learners/train/sim-train.ts';
import type { Learner } from '../learners/types.ts';

export type Spec = Record<string, unknown>;

/** Learners compared on the datasets, with the hyperparameters used. */
export const DATASET_LEARNERS: [string, Spec][] = [
  ['random', {}],
  ['best_single', {}],
  ['epsilon_greedy', {}],
  ['ucb1', {}],
  ['beta_thompson', {}],
  ['linucb', { alpha: 0.3, features: { text: false } }],
  ['linucb', { alpha: 0.3, features: { text: { dim: 256 } } }],
  ['lin_thompson', { features: { text: false } }],
  ['neural', { features: { text: { dim: 128 } } }],
];

export function build(name: string, spec: Spec, models: string[], categories: string[], seed = 1): Learner {
  const actions = models.map((m) => ({ pool: poolNameOf(m), model: m }));
  const entry = LEARNERS[name]!;
  return entry.create(
    { type: name, ...withCategories(entry, spec, categories) },
    { pools: actions.map((a) => a.pool), seed, file: 'bench', actions },
  );
}

export const label = (name: string, spec: Spec) =>
  Object.keys(spec).length ? `${name} ${JSON.stringify(spec)}` : name;
export const categoriesOf = (rows: DatasetRow[]) => [...new Set(rows.map((r) => r.category))].sort();

/** A drifting synthetic mix in virtual time: categories change at request `driftAt`. */
export function driftBench(requests = 40_000): Record<string, unknown>[] {
  const driftAt = requests / 2;
  const config = parseExperiment(
    {
      name: 'drift-bench',
      seed: 5,
      pools: [
        {
          name: 'small',
          model: 'llama-3.2-3b',
          sim: { model: 'llama-3.2-3b', gpu: 'L4', max_num_seqs: 64, replicas: 4 },
          pricing: { input_per_1m: 0.06, output_per_1m: 0.06 },
        },
        {
          name: 'medium',
          model: 'qwen3-8b',
          sim: { model: 'qwen3-8b', gpu: 'A100-80GB', replicas: 2 },
          pricing: { input_per_1m: 0.18, output_per_1m: 0.18 },
        },
        {
          name: 'large',
          model: 'llama-3.1-70b',
          sim: { model: 'llama-3.1-70b', tp: 4 },
          pricing: { input_per_1m: 0.88, output_per_1m: 0.88 },
        },
      ],
      workload: {
        sources: [{ type: 'synthetic', archetypes: { chat: 1 }, categories: { math: 1, 'multiple-choice': 1 } }],
        drift: [{ at_request: driftAt, weights: { categories: { code: 1, extraction: 1 } } }],
        arrival: { type: 'poisson', rate: 4 },
      },
      router: { type: 'random' },
      feedback: { reward: { quality: 1, cost: 0.5, cost_scale: 0.002 } },
      stop: { requests },
    },
    'drift-bench',
  );
  const reward = config.feedback.reward;
  const expected = (p: number, c: number) =>
    (reward.quality * p + reward.cost * (1 - Math.min(1, c / reward.cost_scale))) / (reward.quality + reward.cost);
  const out: Record<string, unknown>[] = [];
  const learners: [string, Spec][] = [
    ['random', {}],
    ['epsilon_greedy', {}],
    ['ucb1', {}],
    ['beta_thompson', {}],
    ['linucb', { alpha: 0.3, features: { text: false } }],
  ];
  for (const [name, spec] of learners) {
    const pools = config.pools.map((p) => ({ pool: p.name, model: p.model }));
    const learner = LEARNERS[name]!.create(
      { type: name, ...spec },
      { pools: pools.map((p) => p.pool), seed: 5, file: 'bench', actions: pools },
    );
    const perRequest: number[] = new Array(requests).fill(0);
    const t0 = performance.now();
    trainInSimulator(learner, config, requests, (o) => {
      const values = Object.keys(o.expectedQuality).map((a) => expected(o.expectedQuality[a]!, o.expectedCost[a]!));
      const chosen = expected(o.expectedQuality[o.action]!, o.expectedCost[o.action]!);
      perRequest[o.index] = Math.max(...values) - chosen;
    });
    const before = mean(perRequest.slice(driftAt - 2000, driftAt));
    // Recovery: requests after the drift until a 500-request window's regret is within 10% (+0.005) of the pre-drift level.
    let recovered: number | string = 'never';
    for (let i = driftAt; i + 500 <= requests; i += 100) {
      if (mean(perRequest.slice(i, i + 500)) <= before * 1.1 + 0.005) {
        recovered = i - driftAt;
        break;
      }
    }
    const cum = (n: number) => perRequest.slice(0, n).reduce((a, b) => a + b, 0);
    out.push({
      learner: label(name, spec),
      'regret @25%': cum(requests / 4).toFixed(0),
      'regret @50%': cum(requests / 2).toFixed(0),
      'regret @75%': cum((3 * requests) / 4).toFixed(0),
      'regret @100%': cum(requests).toFixed(0),
      'pre-drift regret/request': before.toFixed(4),
      'requests to recover': recovered,
      s: ((performance.now() - t0) / 1000).toFixed(1),
    });
  }
  return out;
}

export function linucbSpeed(d = 256, n = 20_000): Record<string, unknown>[] {
  const models = ['a', 'b', 'c', 'd'];
  const learner = build(
    'linucb',
    { features: { categories: false, archetypes: false, length: false, turn: false, text: { dim: d - 1 } } },
    models,
    [],
  );
  const row = (i: number): DatasetRow => ({
    promptId: String(i),
    source: 'bench',
    category: 'x',
    prompt: `prompt number ${i} about topic ${i % 97} with some words ${i % 13}`,
  });
  const ctxs = Array.from({ length: 1000 }, (_, i) => contextFromRow(row(i), i));
  let t = performance.now();
  for (let i = 0; i < n; i++) learner.update(ctxs[i % 1000]!, poolNameOf(models[i % 4]!), (i % 7) / 7);
  const updates = n / ((performance.now() - t) / 1000);
  t = performance.now();
  for (let i = 0; i < n; i++) learner.choose(ctxs[i % 1000]!);
  const decisions = n / ((performance.now() - t) / 1000);
  return [{ d, actions: 4, 'updates/s': Math.round(updates), 'decisions/s': Math.round(decisions) }];
}

/** tfjs neural policy: optimizer steps/s of offline training (batch 32) and online choose+update/s. */
export function neuralSpeed(n = 4096): Record<string, unknown>[] {
  const models = ['a', 'b', 'c', 'd'];
  const learner = build('neural', { batch_size: 32, features: { text: { dim: 256 } } }, models, [
    'x',
    'y',
  ]) as unknown as {
    trainBatch(
      c: unknown[],
      a: string[],
      r: number[],
      p: number[],
      o: { epochs?: number; batchSize?: number },
    ): unknown;
  } & Learner;
  const row = (i: number): DatasetRow => ({
    promptId: String(i),
    source: 'bench',
    category: i % 2 ? 'x' : 'y',
    prompt: `prompt number ${i} about topic ${i % 97}`,
  });
  const ctxs = Array.from({ length: n }, (_, i) => contextFromRow(row(i), i));
  const actions = ctxs.map((_, i) => poolNameOf(models[i % 4]!));
  let t = performance.now();
  learner.trainBatch(
    ctxs,
    actions,
    ctxs.map((_, i) => (i % 3) / 2),
    ctxs.map(() => 0.25),
    { epochs: 1, batchSize: 32 },
  );
  const steps = n / 32 / ((performance.now() - t) / 1000);
  t = performance.now();
  for (let i = 0; i < n; i++) learner.update(ctxs[i]!, learner.choose(ctxs[i]!).action, (i % 3) / 2);
  const online = n / ((performance.now() - t) / 1000);
  return [
    {
      d: learner.save().features.dim,
      hidden: 64,
      actions: 4,
      'train steps/s (batch 32)': Math.round(steps),
      'online choose+update/s': Math.round(online),
    },
  ];
}

export function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}
