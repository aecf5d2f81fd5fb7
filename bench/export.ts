/**
 * Export benchmarks (issue 5): policy.onnx decision latency at batch 1 in onnxruntime-node
 * (p50/p99 of session.run on pre-encoded inputs, one intra-op thread, median of 3 rounds of
 * n; goal p99 <= 100 us) with the binding's own floor, and batched throughput (batch 1000,
 * default threads), per policy kind; and the wall time of `wrp export` (without --verify)
 * for a 10,000-point knn model at two feature sizes.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildLayout } from '../learners/features/spec.ts';
import { initTf } from '../learners/rl/backend.ts';
import type { PolicyFile } from '../learners/types.ts';
import { heldOutContexts } from '../learners/export/contexts.ts';
import { exportPolicy } from '../learners/export/export.ts';
import { KnnPolicy } from '../learners/export/knn-policy.ts';
import { modelFromFile } from '../learners/export/load-model.ts';
import {
  ACTIONS,
  cascadePolicy,
  CATS,
  knnPolicy,
  tempDir,
  trainRegistry,
  writeExperiment,
  writePolicy,
} from '../learners/export/testing.ts';
import { toOrtFeeds } from '../learners/export/verify.ts';
import { GraphBuilder } from '../learners/export/onnx-graph.ts';
import { Rng } from '../core/rng.ts';

export type LatencyRow = {
  policy: string;
  inputs: string;
  'p50 us': string;
  'p99 us': string;
  'batch-1 decisions/s': number;
  'batch-1000 decisions/s': number | string;
  goal: string;
};

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function latency(
  name: string,
  file: PolicyFile,
  dir: string,
  experiment: string,
  n: number,
): Promise<LatencyRow> {
  const out = join(dir, `lat-${name}`);
  await exportPolicy({
    policy: writePolicy(dir, file, name),
    experiment,
    out,
    allowFeatureMismatch: true,
    valueContexts: 8,
  });
  const bytes = readFileSync(join(out, 'policy.onnx'));
  const model = await modelFromFile(file, name, []);
  const ctxs = heldOutContexts({ categories: CATS, pools: [], n: 1000, seed: 77 });
  await model.prepare(ctxs);
  const singles = ctxs.map((c) => toOrtFeeds(model.encode([c])));
  const one = await ort.InferenceSession.create(bytes, SINGLE);
  const r = await batchOne(one, singles, n);
  const many = await ort.InferenceSession.create(bytes);
  const batch = toOrtFeeds(model.encode(ctxs));
  await many.run(batch);
  const tb = process.hrtime.bigint();
  const rounds = 20;
  for (let i = 0; i < rounds; i++) await many.run(batch);
  const batchRate = (rounds * ctxs.length) / (Number(process.hrtime.bigint() - tb) / 1e9);
  await Promise.all([one.release(), many.release()]);
  model.dispose();
  return row(name, model.inputs.map((i) => `${i.name}[${i.width || 1}] ${i.dtype}`).join(', '), r, batchRate);
}

/** Batch-1 sessions: one thread (no pool hand-off for tiny ops), sequential, every graph optimisation. */
const SINGLE: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
};
const ROUNDS = 3;

/**
 * p50/p99 of session.run at batch 1 (the Node call included: input wrapping, setImmediate, output
 * tensor), as the median over ROUNDS rounds of n decisions each: one round disturbed by another
 * process on a small machine does not decide the figure.
 */
async function batchOne(
  s: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>[],
  n: number,
): Promise<{ p50: number; p99: number; rate: number }> {
  for (let i = 0; i < 1000; i++) await s.run(feeds[i % feeds.length]!); // warm-up
  const rounds: { p50: number; p99: number; rate: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const us: number[] = [];
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const t = process.hrtime.bigint();
      await s.run(feeds[i % feeds.length]!);
      us.push(Number(process.hrtime.bigint() - t) / 1000);
    }
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    us.sort((a, b) => a - b);
    rounds.push({ p50: pct(us, 50), p99: pct(us, 99), rate: n / wall });
  }
  const mid = <K extends 'p50' | 'p99' | 'rate'>(k: K) =>
    rounds.map((x) => x[k]).sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
  return { p50: mid('p50'), p99: mid('p99'), rate: mid('rate') };
}

function row(
  policy: string,
  inputs: string,
  r: { p50: number; p99: number; rate: number },
  batchRate: number | undefined,
): LatencyRow {
  return {
    policy,
    inputs,
    'p50 us': r.p50.toFixed(1),
    'p99 us': r.p99.toFixed(1),
    'batch-1 decisions/s': Math.round(r.rate),
    'batch-1000 decisions/s': batchRate === undefined ? '-' : Math.round(batchRate),
    goal: r.p99 <= 100 ? 'met' : 'MISSED',
  };
}

/** The floor: an Identity graph, i.e. what the Node binding alone costs per call. */
async function identityFloor(n: number): Promise<LatencyRow> {
  const g = new GraphBuilder();
  g.input({ name: 'x', dtype: 'float32', dims: ['N', 1] });
  g.expose('x', { name: 'scores', dtype: 'float32', dims: ['N', 1] });
  const s = await ort.InferenceSession.create(g.encode({ name: 'identity', doc: '', props: {} }), SINGLE);
  const r = await batchOne(s, [{ x: new ort.Tensor('float32', new Float32Array(1), [1, 1]) }], n);
  await s.release();
  return row('(floor: Identity graph)', 'x[1] float32', r, undefined);
}

/** A knn policy of `points` random labelled points over a hashed-text + category layout. */
function bigKnn(points: number, textDim: number): PolicyFile {
  const layout = buildLayout({
    bias: false,
    categories: CATS,
    archetypes: false,
    length: true,
    turn: false,
    text: { dim: textDim },
  });
  const p = new KnnPolicy(ACTIONS, layout, 10);
  const rng = new Rng(3);
  const x = new Float64Array(layout.dim);
  for (let i = 0; i < points; i++) {
    for (let j = 0; j < x.length; j++) x[j] = rng.normal();
    p.add(x, rng.int(ACTIONS.length), rng.next(), rng.int(5_000_000_000));
  }
  return p.save();
}

export async function exportBench(
  n = 10_000,
): Promise<{ latency: LatencyRow[]; knnExport: Record<string, unknown>[] }> {
  await initTf({ log: () => {} });
  const dir = tempDir('wrp-bench-export-');
  try {
    const experiment = writeExperiment(dir);
    const linear = { features: { categories: CATS, text: { dim: 256 } } };
    const kinds: [string, PolicyFile][] = [
      ['beta_thompson (table)', trainRegistry('beta_thompson').save()],
      ['cascade (3 levels)', cascadePolicy().save()],
      ['linucb d=270', trainRegistry('linucb', linear).save()],
      ['neural 64 hidden', trainRegistry('neural', { hidden_sizes: [64], ...linear }, 320).save()],
      ['knn 1,000 points d=31', knnPolicy(1000, 10).save()],
    ];
    const rows: LatencyRow[] = [await identityFloor(n)];
    for (const [name, file] of kinds) rows.push(await latency(name, file, dir, experiment, n));

    const knnExport: Record<string, unknown>[] = [];
    for (const textDim of [256, 1024]) {
      const file = bigKnn(10_000, textDim);
      const policy = writePolicy(dir, file, `knn10k-${textDim}`);
      const out = join(dir, `out-knn10k-${textDim}`);
      const r = await exportPolicy({ policy, experiment, out, allowFeatureMismatch: true });
      const size = (f: string) => `${(statSync(join(out, f)).size / 1e6).toFixed(1)} MB`;
      knnExport.push({
        points: 10_000,
        'feature dim': file.features.dim,
        'export s': r.seconds.toFixed(2),
        'knn_model.json': size('knn_model.json'),
        'policy.onnx': size('policy.onnx'),
      });
      rmSync(out, { recursive: true, force: true });
    }
    return { latency: rows, knnExport };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
