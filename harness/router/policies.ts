/**
 * The baseline routing policies the harness ships: static (category -> pool, what
 * Semantic Router domain rules do), random and round-robin. Learners implement the same
 * Policy interface (harness/types.ts) and register their own factories from the CLI.
 */
import { z } from 'zod';
import { parseOrThrow } from '../../core/validate.ts';
import type { Decision, Policy, RoutingContext } from '../types.ts';
import { ConfigError } from '../../core/errors.ts';
import { mulberry32 } from '../../core/rng.ts';

export interface PolicyBuildContext {
  /** Pool names, in config order: the action set. */
  pools: string[];
  /** The model each pool serves, aligned with `pools`. */
  models?: string[];
  seed: number;
  /** The experiment file, for error messages. */
  file: string;
}

/** Builds a policy from the experiment's `router:` block (validated by the factory itself). */
export type PolicyFactory = (spec: Record<string, unknown>, ctx: PolicyBuildContext) => Policy;

/** Fails before the run when a policy names a pool the experiment lacks. */
export function checkActions(actions: Iterable<string>, ctx: PolicyBuildContext, where: string): void {
  const known = new Set(ctx.pools);
  for (const a of actions) {
    if (!known.has(a))
      throw new ConfigError(ctx.file, [`${where}: expected one of the pools ${ctx.pools.join(', ')}, got "${a}"`]);
  }
}

const staticSchema = z.strictObject({
  type: z.literal('static'),
  /** category -> pool */
  map: z.record(z.string(), z.string()).default({}),
  /** Pool for categories the map lacks. */
  default: z.string(),
});

export class StaticPolicy implements Policy {
  readonly name = 'static';
  constructor(
    private readonly map: Record<string, string>,
    private readonly fallback: string,
  ) {}
  choose(ctx: RoutingContext): Decision {
    return { action: this.map[ctx.labels.category] ?? this.fallback, propensity: 1 };
  }
  update(): void {}
}

export class RandomPolicy implements Policy {
  readonly name = 'random';
  private readonly rand: () => number;
  constructor(
    private readonly pools: string[],
    seed: number,
  ) {
    this.rand = mulberry32(seed);
  }
  choose(): Decision {
    const i = Math.floor(this.rand() * this.pools.length);
    return { action: this.pools[i]!, propensity: 1 / this.pools.length };
  }
  update(): void {}
}

export class RoundRobinPolicy implements Policy {
  readonly name = 'round_robin';
  private next = 0;
  constructor(private readonly pools: string[]) {}
  choose(): Decision {
    const action = this.pools[this.next]!;
    this.next = (this.next + 1) % this.pools.length;
    return { action, propensity: 1 };
  }
  update(): void {}
}

const onlyType = (type: string) => z.strictObject({ type: z.literal(type) });

export const BASELINE_POLICIES: Record<string, PolicyFactory> = {
  static: (spec, ctx) => {
    const s = parseOrThrow(staticSchema, spec, ctx.file, ['router']);
    checkActions(Object.values(s.map), ctx, 'router.map');
    checkActions([s.default], ctx, 'router.default');
    return new StaticPolicy(s.map, s.default);
  },
  random: (spec, ctx) => {
    parseOrThrow(onlyType('random'), spec, ctx.file, ['router']);
    return new RandomPolicy(ctx.pools, ctx.seed);
  },
  round_robin: (spec, ctx) => {
    parseOrThrow(onlyType('round_robin'), spec, ctx.file, ['router']);
    return new RoundRobinPolicy(ctx.pools);
  },
};
