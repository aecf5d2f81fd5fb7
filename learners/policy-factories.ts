/**
 * The routing policies `wrp run` can use, by `router.type`: the harness's baselines.
 * The learners (learners/) register theirs here; harness/ never imports learners/.
 */
import { BASELINE_POLICIES, type PolicyFactory } from '../harness/router/policies.ts';
import { splitFactory } from '../harness/router/split.ts';
import { learnerPolicyFactories } from './registry.ts';
import { initTf } from './rl/backend.ts';

export const POLICY_FACTORIES: Record<string, PolicyFactory> = {
  ...learnerPolicyFactories(),
  // The harness's own baselines keep their names (the learners' versions add save/load).
  ...BASELINE_POLICIES,
  split: splitFactory(() => POLICY_FACTORIES),
};

/** Router types a `router:` block uses, split sub-policies included. */
function routerTypes(router: Record<string, unknown>): string[] {
  const subs = Array.isArray(router.policies)
    ? (router.policies as Record<string, unknown>[]).flatMap(routerTypes)
    : [];
  return [String(router.type), ...subs];
}

/** Starts tfjs (async) when a learner that needs it is used; the factories are synchronous. */
export async function prepareLearners(router: Record<string, unknown>): Promise<void> {
  if (routerTypes(router).includes('neural')) await initTf();
}
