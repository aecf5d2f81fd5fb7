/**
 * Verification of an export folder against the in-harness policy: policy.onnx is run in
 * onnxruntime-node on held-out contexts and compared with scores() (argmax agreement must be
 * 100%, max abs difference <= 1e-5); mlp_model.json / knn_model.json are re-read from disk
 * and run through forward passes written here, independent of the code that wrote them;
 * config.yaml is re-parsed and re-validated.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { parse as parseYaml } from 'yaml';
import type { RoutingContext } from '../../harness/types.ts';
import { argmaxFirst } from '../bandits/base.ts';
import { knnDistanceCell } from './knn-policy.ts';
import { routerConfigProblems } from './sr-schema.ts';
import type { Batch, ExportModel, KnnModelJson } from './types.ts';

export const MAX_ABS_DIFF = 1e-5;

export interface Comparison {
  contexts: number;
  argmaxAgreement: number;
  maxAbsDiff: number;
  pass: boolean;
}

export interface VerificationReport {
  contexts: number;
  onnx: Comparison;
  mlp?: Comparison;
  knn?: Comparison;
  config: { problems: string[]; pass: boolean };
  pass: boolean;
}

/** |a - b| with equal infinities (an untried UCB arm) counting as no difference. */
const diff = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b));

class Tally {
  n = 0;
  agree = 0;
  max = 0;
  add(got: ArrayLike<number>, want: number[]): void {
    this.n++;
    if (argmaxFirst(got) === argmaxFirst(want)) this.agree++;
    for (let i = 0; i < want.length; i++) {
      const d = diff(got[i]!, want[i]!);
      this.max = Math.max(this.max, Number.isNaN(d) ? Infinity : d);
    }
  }
  result(): Comparison {
    const agreement = this.n ? this.agree / this.n : 0;
    return {
      contexts: this.n,
      argmaxAgreement: agreement,
      maxAbsDiff: this.max,
      pass: this.n > 0 && agreement === 1 && this.max <= MAX_ABS_DIFF,
    };
  }
}

export function toOrtFeeds(batch: Batch): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(batch)) {
    feeds[name] =
      t.data instanceof BigInt64Array
        ? new ort.Tensor('int64', t.data, t.dims)
        : t.data instanceof Float64Array
          ? new ort.Tensor('float64', t.data, t.dims)
          : new ort.Tensor('float32', t.data, t.dims);
  }
  return feeds;
}

/** An MLP forward pass straight from mlp_model.json's layer list (float64, dropout = identity). */
export function mlpForward(
  json: { layers: { type: string; weight?: number[][]; bias?: number[] }[] },
  x: ArrayLike<number>,
): number[] {
  let h = Array.from(x);
  for (const l of json.layers) {
    if (l.type === 'relu') h = h.map((v) => Math.max(0, v));
    else if (l.type === 'linear')
      h = l.weight!.map((row, o) => row.reduce((acc, w, i) => acc + w * h[i]!, l.bias![o]!));
  }
  return h;
}

/** Vote totals per model name from knn_model.json, by the router's rules (normalise, k nearest, ties by index; the policy's distance grid). */
export function knnForward(json: KnnModelJson, x: ArrayLike<number>, unit: number[][]): Map<string, number> {
  const norm = Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0));
  const q = Array.from(x, (v) => (norm > 0 ? v / norm : v));
  const d = unit.map((e, i) => ({ i, d: knnDistanceCell(e.reduce((s, v, j) => s + (v - q[j]!) ** 2, 0)) }));
  d.sort((a, b) => a.d - b.d || a.i - b.i);
  const votes = new Map<string, number>();
  for (const { i } of d.slice(0, json.k)) {
    const w = 0.9 * json.qualities[i]! + 0.1 / (1 + json.latencies[i]! / 10_000_000_000);
    votes.set(json.labels[i]!, (votes.get(json.labels[i]!) ?? 0) + w);
  }
  return votes;
}

export interface VerifyOptions {
  /** Router model name per action (knn labels are router names). */
  names: string[];
  batchSize?: number;
  /** Compare the ML artifact on at most this many contexts (the knn pass is O(points) per context). */
  artifactContexts?: number;
}

export async function verifyExport(
  dir: string,
  model: ExportModel,
  ctxs: RoutingContext[],
  o: VerifyOptions,
): Promise<VerificationReport> {
  await model.prepare(ctxs);
  const session = await ort.InferenceSession.create(join(dir, 'policy.onnx'));
  const onnx = new Tally();
  const mlp = model.mlp ? new Tally() : undefined;
  const knn = model.knn ? new Tally() : undefined;
  const mlpJson = mlp
    ? (JSON.parse(readFileSync(join(dir, 'mlp_model.json'), 'utf8')) as Parameters<typeof mlpForward>[0])
    : undefined;
  const knnJson = knn ? (JSON.parse(readFileSync(join(dir, 'knn_model.json'), 'utf8')) as KnnModelJson) : undefined;
  const knnUnit = knnJson?.embeddings.map((e) => {
    const n = Math.sqrt(e.reduce((s, v) => s + v * v, 0));
    return e.map((v) => (n > 0 ? v / n : v));
  });
  const limit = o.artifactContexts ?? ctxs.length;
  const size = o.batchSize ?? 1000;
  const k = model.actions.length;
  try {
    for (let start = 0; start < ctxs.length; start += size) {
      const chunk = ctxs.slice(start, start + size);
      const batch = model.encode(chunk);
      const out = await session.run(toOrtFeeds(batch));
      const scores = out['scores']!.data as Float32Array;
      const features = batch['features'];
      chunk.forEach((ctx, j) => {
        const want = model.reference(ctx);
        onnx.add(scores.subarray(j * k, (j + 1) * k), want);
        if (start + j >= limit || !features) return;
        const w = features.dims[1]!;
        const x = Array.from(features.data.subarray(j * w, (j + 1) * w) as Float32Array | Float64Array);
        if (mlp && mlpJson) mlp.add(mlpForward(mlpJson, x), want);
        if (knn && knnJson && knnUnit) {
          const votes = knnForward(knnJson, x, knnUnit);
          knn.add(
            o.names.map((name) => votes.get(name) ?? 0),
            want,
          );
        }
      });
    }
  } finally {
    await session.release();
  }
  const problems = routerConfigProblems(parseYaml(readFileSync(join(dir, 'config.yaml'), 'utf8')));
  const report: VerificationReport = {
    contexts: ctxs.length,
    onnx: onnx.result(),
    ...(mlp ? { mlp: mlp.result() } : {}),
    ...(knn ? { knn: knn.result() } : {}),
    config: { problems, pass: problems.length === 0 },
    pass: false,
  };
  report.pass = report.onnx.pass && (report.mlp?.pass ?? true) && (report.knn?.pass ?? true) && report.config.pass;
  return report;
}
