/**
 * A policy file -> its ExportModel, or a refusal that says why it cannot be deployed. Every
 * adapter sees contexts as the policy does: a policy trained with --signals decides on its
 * signal map's category of the request text, not the workload's label.
 */
import type { PoolObservation, RoutingContext } from '../../harness/types.ts';
import { loadLearner } from '../registry.ts';
import type { PolicyFile } from '../types.ts';
import { layoutResolved } from '../features/spec.ts';
import { cascadeModel } from './model-cascade.ts';
import { knnModel } from './model-knn.ts';
import { linearModel } from './model-linear.ts';
import { neuralModel } from './model-neural.ts';
import { TABLE_LEARNERS, tableModel } from './model-table.ts';
import { parseSignalMap, SignalRouter } from './signal-map.ts';
import type { ExportModel } from './types.ts';
import { ConfigError } from '../../core/errors.ts';
import { loadPolicyFile } from '../policy-file.ts';
import { isRunWithPolicy, policyFromRun } from '../run-policy.ts';

export const EXPORTABLE = [...TABLE_LEARNERS, 'linucb', 'lin_thompson', 'neural', 'knn', 'cascade'] as const;

/** Learners export refuses, and why (the router cannot do what they do). */
const REFUSED: Record<string, string> = {
  oracle:
    'the oracle routes on full-information scores (labels.scores) that a router never sees: it cannot be exported',
  response_cascade:
    "a response_cascade reads the weak model's answer (and peer answers) to decide on escalation; the router's confidence block takes only a logprob/self-verify confidence threshold, so it cannot carry this scorer (learners/export/README.md)",
  random:
    'random picks uniformly per request: it has no greedy choice, and a router decision serves one (use a trained policy)',
  round_robin: 'round_robin cycles per request: it has no greedy choice, and a router decision serves one',
};

/** The policy file, or what a wrp run folder learned (its checkpoint: learners/run-policy.ts). */
export function readPolicy(path: string, policyName?: string): PolicyFile {
  return isRunWithPolicy(path) ? policyFromRun(path, policyName) : loadPolicyFile(path);
}

export async function modelFromFile(file: PolicyFile, source: string, pools: PoolObservation[]): Promise<ExportModel> {
  const learner = file.learner;
  const refused = REFUSED[learner];
  if (refused) throw new ConfigError(source, [`learner: ${refused}`]);
  if (!(EXPORTABLE as readonly string[]).includes(learner))
    throw new ConfigError(source, [`learner: export supports ${EXPORTABLE.join(', ')}; got "${learner}"`]);
  if (!layoutResolved(file.features))
    throw new ConfigError(source, [
      'features: an embedding block has no dimension yet (the policy never saw a request): train it first',
    ]);
  const signals = file.signals === undefined ? undefined : new SignalRouter(parseSignalMap(file.signals, source));
  const view = (ctx: RoutingContext): RoutingContext => (signals ? signals.view(ctx) : ctx);
  const withSignals = (m: ExportModel): ExportModel => (signals && !m.signals ? { ...m, signals } : m);
  try {
    if ((TABLE_LEARNERS as readonly string[]).includes(learner)) return tableModel(file, loadLearner(file, source));
    if (learner === 'linucb' || learner === 'lin_thompson') return withSignals(linearModel(file, source, view));
    if (learner === 'knn') return withSignals(knnModel(file, source, view));
    if (learner === 'cascade') return cascadeModel(file, source, pools, signals);
    return withSignals(await neuralModel(file, source, view));
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(source, [(e as Error).message.replace(`${source}: `, '')]);
  }
}
