/**
 * The routing policies `wrp run` can use, by `router.type`: the harness's baselines.
 * The learners (learners/) register theirs here; harness/ never imports learners/.
 */
import { BASELINE_POLICIES, type PolicyFactory } from '../harness/router/policies.ts';

export const POLICY_FACTORIES: Record<string, PolicyFactory> = { ...BASELINE_POLICIES };
