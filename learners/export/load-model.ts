import type { PoolObservation } from '../../harness/types.ts';
import { loadLearner } from '../registry.ts';
import type { PolicyFile } from '../types.ts';
import { layoutResolved } from '../features/spec.ts';
import { cascadeModel } from './model-cascade.ts';
import { knnModel } from './model-knn.ts';
import { linearModel } from './model-linear.ts';
import { neuralModel } from './model-neural.ts';
import { TABLE_LEARNERS, tableModel } from './model-table.ts';
import type { ExportModel } from './types.ts';
import { ConfigError } from '../../core/errors.ts';
import { loadPolicyFile } from '../policy-file.ts';

export const EXPORTABLE = [...TABLE_LEARNERS, 'linucb', 'lin_thompson', 'neural', 'knn', 'cascade'] as const;

/** The policy file (kept as a seam: every learner's file goes through loadPolicyFile). */
export function readPolicy(path: string): PolicyFile {
  return loadPolicyFile(path);
}

export async function modelFromFile(file: PolicyFile, source: string, pools: PoolObservation[]): Promise<ExportModel> {
  const learner = file.learner;
  if (learner === 'oracle')
    throw new ConfigError(source, [
      'learner: the oracle routes on full-information scores (labels.scores) that a router never sees: it cannot be exported',
    ]);
  if (learner === 'response_cascade') {
    throw new ConfigError(source, [
      "learner: a response_cascade reads the weak model's answer (and peer answers) to decide on escalation; the router's confidence block takes only a logprob/self-verify confidence threshold, so it cannot carry this scorer (learners/export/README.md)",
    ]);
  }
  if (!(EXPORTABLE as readonly string[]).includes(learner))
    throw new ConfigError(source, [`learner: export supports ${EXPORTABLE.join(', ')}; got "${learner}"`]);
  if (!layoutResolved(file.features))
    throw new ConfigError(source, [
      'features: an embedding block has no dimension yet (the policy never saw a request): train it first',
    ]);
  try {
    if ((TABLE_LEARNERS as readonly string[]).includes(learner)) return tableModel(file, loadLearner(file, source));
    if (learner === 'linucb' || learner === 'lin_thompson') return linearModel(file, source);
    if (learner === 'knn') return knnModel(file, source);
    if (learner === 'cascade') return cascadeModel(file, source, pools);
    return await neuralModel(file, source);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(source, [(e as Error).message.replace(`${source}: `, '')]);
  }
}
