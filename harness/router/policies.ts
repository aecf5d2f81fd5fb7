/**
 * The baseline routing policies the harness ships: static (category -> pool, what
 * Semantic Router domain rules do), random and round-robin. They are the only
 * implementations: learners/baselines.ts wraps them with save/load, so `wrp run` and
 * `wrp train`/`wrp eval` route identically. Learners implement the same Policy interface
 * (harness/types.ts) and register their own factories from the CLI.
 */
import { z } from 'zod';
import { parseOrThrow } from '../../core/validate.ts';
import type { Decision, Policy, RoutingContext } from '../types.ts';
import { ConfigError } from '../../core/errors.ts';
import { Rng, type RngState } from '../../core/rng.ts';

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
  /** The pool a category goes to. */
  poolFor(category: string): string {
    return this.map[category] ?? this.fallback;
  }
  choose(ctx: RoutingContext): Decision {
    return { action: this.poolFor(ctx.labels.category), propensity: 1 };
  }
  update(): void {}
}

/** Uniform over the pools; `rng` resumes a saved stream (learners/baselines.ts). */
export class RandomPolicy implements Policy {
  readonly name = 'random';
  private readonly rng: Rng;
  constructor(
    private readonly pools: string[],
    seed: number,
    rng?: RngState,
  ) {
    this.rng = rng ? Rng.fromState(rng) : new Rng(seed);
  }
  choose(): Decision {
    return { action: this.pools[this.rng.int(this.pools.length)]!, propensity: 1 / this.pools.length };
  }
  update(): void {}
  rngState(): RngState {
    return this.rng.state();
  }
}

/** Cycles through the pools in order; `next` is the index of the next pool. */
export class RoundRobinPolicy implements Policy {
  readonly name = 'round_robin';
  constructor(
    private readonly pools: string[],
    private nextIndex = 0,
  ) {}
  get next(): number {
    return this.nextIndex;
  }
  choose(): Decision {
    const action = this.pools[this.nextIndex]!;
    this.nextIndex = (this.nextIndex + 1) % this.pools.length;
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
