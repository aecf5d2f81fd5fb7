/**
 * The routing policies `wrp run` can use, by `router.type`: the harness's baselines.
 * The learners (learners/) register theirs here; harness/ never imports learners/.
 */
import { BASELINE_POLICIES, type PolicyFactory } from '../harness/router/policies.ts';
import { splitFactory } from '../harness/router/split.ts';
import { learnerPolicyFactories } from './registry.ts';
import { dirname, resolve } from 'node:path';
import { initTf } from './rl/backend.ts';
import { loadPolicyFile } from './policy-file.ts';

export const POLICY_FACTORIES: Record<string, PolicyFactory> = {
  ...learnerPolicyFactories(),
  // The harness's own baselines keep their names (the learners' versions add save/load).
  ...BASELINE_POLICIES,
  split: splitFactory(() => POLICY_FACTORIES),
};

/**
 * Learner types a `router:` block uses, split sub-policies included, and the learner of a
 * `policy_file` (its path relative to the experiment `file`).
 */
function routerTypes(router: Record<string, unknown>, file: string): string[] {
  const subs = Array.isArray(router.policies)
    ? (router.policies as Record<string, unknown>[]).flatMap((r) => routerTypes(r, file))
    : [];
  const saved =
    router.type === 'policy_file' && typeof router.path === 'string'
      ? [loadPolicyFile(resolve(dirname(file), router.path)).learner]
      : [];
  return [String(router.type), ...saved, ...subs];
}

/**
 * Starts tfjs (async) when a learner that needs it is used, a saved one included; the
 * factories are synchronous. `file`: the experiment file (policy_file paths are relative to it).
 */
export async function prepareLearners(router: Record<string, unknown>, file = 'experiment.yaml'): Promise<void> {
  if (routerTypes(router, file).includes('neural')) await initTf();
}
