/**
 * Held-out contexts for export and the policy's mean learned values over them. Half the
 * contexts come from the experiment's own workload (the distribution the policy was trained
 * for) when it can be generated here, half are generic (contexts.ts) over the policy's
 * categories. Values order modelRefs and become the model cards' quality_score.
 */
import type { ExperimentConfig } from '../../harness/runner/config.ts';
import type { PoolObservation, RoutingContext } from '../../harness/types.ts';
import { heldOutContexts, workloadContexts } from './contexts.ts';
import type { ExportModel } from './types.ts';

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
  unseen = true,
): ContextSets {
  let workload: RoutingContext[] = [];
  try {
    workload = workloadContexts(e, file, pools, Math.ceil(n / 2), seed);
  } catch (err) {
    warn(
      `held-out contexts: the experiment's workload cannot be generated here (${(err as Error).message.split('\n')[0]}); generic contexts only`,
    );
  }
  return { workload, generic: heldOutContexts({ categories, pools, n: n - workload.length, seed, unseen }) };
}

/** Mean learned value per action over the contexts. */
export async function meanValues(model: ExportModel, ctxs: RoutingContext[]): Promise<number[]> {
  await model.prepare(ctxs);
  const k = model.actions.length;
  const m = new Array<number>(k).fill(0);
  for (const c of ctxs) {
    const v = model.value(c);
    for (let i = 0; i < k; i++) m[i]! += (Number.isFinite(v[i]!) ? v[i]! : 0) / ctxs.length;
  }
  return m;
}
