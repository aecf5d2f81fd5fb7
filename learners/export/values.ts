/**
 * The learned value of every action per category, from held-out contexts: the experiment's
 * own workload where it produces the category (at least MIN_OWN contexts), generic contexts
 * otherwise. Policies whose value is a function of their scores (knn vote shares, the neural
 * softmax) are scored through policy.onnx in batches: onnxruntime's MatMul is what makes a
 * 10,000-point knn cheap to value.
 */
import * as ort from 'onnxruntime-node';
import type { ExperimentConfig } from '../../harness/runner/config.ts';
import type { PoolObservation, RoutingContext } from '../../harness/types.ts';
import { heldOutContexts, workloadContexts } from './contexts.ts';
import type { CategoryValues } from './router-config.ts';
import type { ExportModel } from './types.ts';
import { toOrtFeeds } from './verify.ts';

const MIN_OWN = 8;

export interface ContextSets {
  workload: RoutingContext[];
  generic: RoutingContext[];
}

/** Half from the experiment's workload (when it can be generated here), the rest generic. */
export function contextSets(
  e: ExperimentConfig,
  file: string,
  categories: string[],
  pools: PoolObservation[],
  n: number,
  seed: number,
  warn: (note: string) => void,
): ContextSets {
  let workload: RoutingContext[] = [];
  try {
    workload = workloadContexts(e, file, pools, Math.ceil(n / 2), seed);
  } catch (err) {
    warn(
      `held-out contexts: the experiment's workload cannot be generated here (${(err as Error).message.split('\n')[0]}); generic contexts only`,
    );
  }
  return { workload, generic: heldOutContexts({ categories, pools, n: n - workload.length, seed }) };
}

async function valuesOf(model: ExportModel, onnx: Uint8Array, ctxs: RoutingContext[]): Promise<number[][]> {
  const fromScores = model.valueFromScores;
  if (!fromScores) return ctxs.map((c) => model.value!(c));
  const session = await ort.InferenceSession.create(onnx);
  const k = model.actions.length;
  const out: number[][] = [];
  try {
    for (let i = 0; i < ctxs.length; i += 1000) {
      const chunk = ctxs.slice(i, i + 1000);
      const s = (await session.run(toOrtFeeds(model.encode(chunk))))['scores']!.data as Float32Array;
      chunk.forEach((_, j) => out.push(fromScores(Array.from(s.subarray(j * k, (j + 1) * k)))));
    }
  } finally {
    await session.release();
  }
  return out;
}

function meanRows(rows: number[][], k: number): number[] {
  const m = new Array<number>(k).fill(0);
  for (const r of rows) for (let i = 0; i < k; i++) m[i]! += r[i]! / rows.length;
  return m;
}

export async function categoryValues(
  model: ExportModel,
  onnx: Uint8Array,
  categories: string[],
  sets: ContextSets,
): Promise<{ perCategory: CategoryValues[]; overall: number[] }> {
  const k = model.actions.length;
  const chosen = categories.map((category) => {
    const own = sets.workload.filter((c) => c.labels.category === category);
    return own.length >= MIN_OWN ? own : sets.generic.filter((c) => c.labels.category === category);
  });
  const all = chosen.flat();
  await model.prepare(all);
  const values = await valuesOf(model, onnx, all);
  let at = 0;
  const perCategory = categories.map((category, i) => {
    const rows = values.slice(at, (at += chosen[i]!.length));
    return { category, values: meanRows(rows, k) };
  });
  return { perCategory, overall: meanRows(values, k) };
}
