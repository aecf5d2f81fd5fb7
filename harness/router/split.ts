/**
 * `router: {type: split, policies: [...]}`: an A/B/n test inside one run. Each session is
 * assigned to one sub-policy by a hash of its id (all its turns stay with it), so the
 * summary's per-policy table compares a learner with baselines on the same traffic, pools
 * and time. Each sub-policy learns only from its own requests.
 */
import { z } from 'zod';
import { hashString53 } from '../../core/text/tokenizer.ts';
import { parseOrThrow } from '../../core/validate.ts';
import type { Decision, Policy, RoutingContext } from '../types.ts';
import type { PolicyBuildContext, PolicyFactory } from './policies.ts';
import { ConfigError, WrpError } from '../../core/errors.ts';

const splitSchema = z.strictObject({
  type: z.literal('split'),
  policies: z
    .array(z.looseObject({ type: z.string(), weight: z.number().positive().optional() }))
    .min(2, 'expected at least two policies to compare'),
});

export class SplitPolicy implements Policy {
  readonly name = 'split';
  private readonly cumulative: number[];
  constructor(
    private readonly policies: Policy[],
    weights: number[],
  ) {
    const total = weights.reduce((a, b) => a + b, 0);
    let acc = 0;
    this.cumulative = weights.map((w) => (acc += w / total));
  }

  /** The sub-policy serving this session. */
  policyFor(ctx: RoutingContext): Policy {
    const u = hashString53(ctx.labels.sessionId, 0x5eed) / 2 ** 53;
    const i = this.cumulative.findIndex((c) => u < c);
    return this.policies[i === -1 ? this.policies.length - 1 : i]!;
  }

  async prepare(ctx: RoutingContext): Promise<void> {
    await this.policyFor(ctx).prepare?.(ctx);
  }

  choose(ctx: RoutingContext): Decision {
    const p = this.policyFor(ctx);
    return { ...p.choose(ctx), policy: p.name };
  }

  update(ctx: RoutingContext, action: string, reward: number): void {
    this.policyFor(ctx).update(ctx, action, reward);
  }

  /** Each sub-policy's own checkpoint, in order (null: it has none). */
  checkpoint(): unknown {
    return { split: this.policies.map((p) => (p.checkpoint ? p.checkpoint() : null)) };
  }

  restore(state: unknown): void {
    const states = (state as { split?: unknown } | null)?.split;
    if (!Array.isArray(states) || states.length !== this.policies.length) {
      throw new WrpError('WRP_POLICY_FILE', `split: expected a checkpoint of ${this.policies.length} policies`);
    }
    this.policies.forEach((p, i) => {
      if (states[i] !== null) p.restore?.(states[i]);
    });
  }
}

export function splitFactory(factories: () => Record<string, PolicyFactory>): PolicyFactory {
  return (spec, ctx: PolicyBuildContext) => {
    const s = parseOrThrow(splitSchema, spec, ctx.file, ['router']);
    const all = factories();
    const names = new Set<string>();
    const policies = s.policies.map((sub, i) => {
      const factory = all[sub.type];
      if (!factory || sub.type === 'split') {
        throw new ConfigError(ctx.file, [
          `router.policies[${i}].type: expected one of ${Object.keys(all)
            .filter((k) => k !== 'split')
            .join(', ')}, got "${sub.type}"`,
        ]);
      }
      const { weight: _w, ...rest } = sub;
      const policy = factory(rest, { ...ctx, seed: ctx.seed + i + 1 });
      if (names.has(policy.name))
        throw new ConfigError(ctx.file, [
          `router.policies[${i}]: expected distinct policies, "${policy.name}" appears twice`,
        ]);
      names.add(policy.name);
      return policy;
    });
    return new SplitPolicy(
      policies,
      s.policies.map((p) => p.weight ?? 1),
    );
  };
}
