/**
 * Gives learners the harness's checkpoint hooks (harness/types.ts `Policy.checkpoint` /
 * `restore`): the state is the learner's own save() (policy.json's content), and restore
 * rebuilds the learner from it with the registry's load. The harness never imports
 * learners/; `wrp run` wraps the policy factories with this instead.
 */
import type { PolicyFactory } from '../harness/router/policies.ts';
import { splitFactory } from '../harness/router/split.ts';
import type { Decision, Policy, RoutingContext } from '../harness/types.ts';
import { FrozenLearner, loadLearner } from './registry.ts';
import type { Learner, PolicyFile } from './types.ts';
import { upgradePolicyFile } from './policy-file.ts';
import { WrpError } from '../core/errors.ts';

const isLearner = (p: Policy): p is Learner => typeof (p as Partial<Learner>).save === 'function';

export class CheckpointedLearner implements Policy {
  constructor(private inner: Learner) {}

  get name(): string {
    return this.inner.name;
  }
  prepare(ctx: RoutingContext): Promise<void> {
    return this.inner.prepare?.(ctx) ?? Promise.resolve();
  }
  choose(ctx: RoutingContext): Decision {
    return this.inner.choose(ctx);
  }
  update(ctx: RoutingContext, action: string, reward: number): void {
    this.inner.update(ctx, action, reward);
  }
  checkpoint(): PolicyFile {
    return this.inner.save();
  }
  restore(state: unknown): void {
    const file = upgradePolicyFile(state, `checkpoint of ${this.inner.name}`);
    const restored = loadLearner(file, `checkpoint of ${this.inner.name}`);
    if (restored.name !== this.inner.name)
      throw new WrpError('WRP_POLICY_FILE', `checkpoint is of ${restored.name}, the router is ${this.inner.name}`);
    this.inner = restored;
  }
}

/** The factories, with every learner they build (split sub-policies included) checkpointable. Frozen policies do not learn: left as they are. */
export function checkpointable(factories: Record<string, PolicyFactory>): Record<string, PolicyFactory> {
  const out: Record<string, PolicyFactory> = {};
  for (const [type, factory] of Object.entries(factories)) {
    out[type] = (spec, ctx) => {
      const p = factory(spec, ctx);
      return isLearner(p) && !(p instanceof FrozenLearner) ? new CheckpointedLearner(p) : p;
    };
  }
  if (factories.split) out.split = splitFactory(() => out);
  return out;
}
