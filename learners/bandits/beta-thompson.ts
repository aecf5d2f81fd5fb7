/**
 * Beta-Bernoulli Thompson sampling per scope: the posterior vLLM Semantic Router's
 * `routing_sampling` uses (shared/REFERENCE.md section 4):
 *   alpha = seed_weight * quality_seed + successes + 1
 *   beta  = seed_weight * (1 - quality_seed) + failures + 1
 * A fractional reward r in [0, 1] adds r to successes and 1 - r to failures (failures = n - s).
 * quality_seeds (optional) map scope key -> pool -> seed in [0, 1]; key '*' applies to every
 * scope without its own entry; an action without a seed gets no prior term.
 *
 * Propensity: Thompson's choice probability has no closed form, so choose() estimates it by
 * Monte Carlo: M = propensity_samples extra posterior draws on a separate RNG stream (so M does
 * not change the decisions), p = (wins + 1) / (M + 1). Counting the draw that made the choice
 * keeps p > 0; the upward bias is at most 1 / (M + 1). Cost: M * K extra beta draws.
 */
import { parsePolicyPart } from '../policy-file.ts';
import { z } from 'zod';
import type { Decision, RoutingContext } from '../../harness/types.ts';
import type { PolicyFile } from '../types.ts';
import { argmaxFirst, checkReward, LearnerBase, type Action, thompsonChoice } from './base.ts';
import { ScopedStats, scopeSchema, statsJsonSchema, type Scope } from './stats.ts';
import { Rng, rngStateSchema } from '../../core/rng.ts';

export const betaThompsonHyperSchema = z.strictObject({
  seed_weight: z.number().min(0).default(0),
  propensity_samples: z.number().int().min(1).max(10_000).default(32),
  scope: scopeSchema.default('category'),
  seed: z.number().int().default(0),
});
export type BetaThompsonOptions = z.infer<typeof betaThompsonHyperSchema>;

/** scope key ('*' = any) -> pool -> quality seed. */
export const qualitySeedsSchema = z.record(z.string(), z.record(z.string(), z.number().min(0).max(1)));
export type QualitySeeds = z.infer<typeof qualitySeedsSchema>;

const paramsSchema = z.strictObject({
  quality_seeds: qualitySeedsSchema,
  stats: statsJsonSchema,
  rng: rngStateSchema,
  propensity_rng: rngStateSchema,
});

/** Stream offset for the propensity draws (any constant that differs from 0 works). */
const PROPENSITY_STREAM = 0x5bd1e995;

export class BetaThompson extends LearnerBase {
  readonly name = 'beta_thompson';
  private stats: ScopedStats;
  private rng: Rng;
  private propensityRng: Rng;

  constructor(
    actions: Action[],
    private readonly opts: BetaThompsonOptions,
    private readonly seeds: QualitySeeds = {},
  ) {
    super(actions);
    // A seed for a pool this policy lacks is a config mistake: actionIndex throws naming it.
    for (const bySeed of Object.values(seeds)) for (const pool of Object.keys(bySeed)) this.actionIndex(pool);
    this.stats = new ScopedStats(actions.length, opts.scope as Scope);
    this.rng = new Rng(opts.seed);
    this.propensityRng = new Rng(opts.seed ^ PROPENSITY_STREAM);
  }

  /** The Beta posterior parameters of every action for this context's scope. */
  posterior(ctx: RoutingContext): { alpha: number[]; beta: number[] } {
    const key = this.stats.keyOf(ctx);
    const { n, s } = this.stats.peek(ctx);
    const w = this.opts.seed_weight;
    const alpha: number[] = [];
    const beta: number[] = [];
    this.actions.forEach((a, i) => {
      const q = this.seeds[key]?.[a.pool] ?? this.seeds['*']?.[a.pool];
      const prior = q === undefined ? [0, 0] : [w * q, w * (1 - q)];
      alpha.push(prior[0]! + s[i]! + 1);
      beta.push(prior[1]! + (n[i]! - s[i]!) + 1);
    });
    return { alpha, beta };
  }

  /** Posterior means alpha / (alpha + beta). */
  scores(ctx: RoutingContext): number[] {
    const { alpha, beta } = this.posterior(ctx);
    return alpha.map((a, i) => a / (a + beta[i]!));
  }

  choose(ctx: RoutingContext): Decision {
    const { alpha, beta } = this.posterior(ctx);
    const k = alpha.length;
    const draw = (rng: Rng): number => {
      const x = new Array<number>(k);
      for (let i = 0; i < k; i++) x[i] = rng.beta(alpha[i]!, beta[i]!);
      return argmaxFirst(x);
    };
    const { chosen, propensity } = thompsonChoice(draw, this.rng, this.propensityRng, this.opts.propensity_samples);
    return this.decision(chosen, propensity);
  }

  update(ctx: RoutingContext, action: string, reward: number): void {
    checkReward(reward, 0, 1);
    const i = this.actionIndex(action);
    this.record(reward);
    this.stats.add(ctx, i, reward);
  }

  save(): PolicyFile {
    return this.file(
      { ...this.opts },
      {
        quality_seeds: structuredClone(this.seeds),
        stats: this.stats.toJSON(),
        rng: this.rng.state(),
        propensity_rng: this.propensityRng.state(),
      },
    );
  }

  static load(file: PolicyFile, source = 'policy.json'): BetaThompson {
    const opts = parsePolicyPart(betaThompsonHyperSchema, file.hyperparameters, source, 'hyperparameters');
    const params = parsePolicyPart(paramsSchema, file.parameters, source, 'parameters');
    const l = new BetaThompson(file.actions, opts, params.quality_seeds);
    l.stats = ScopedStats.fromJSON(params.stats, file.actions.length, opts.scope);
    l.rng = Rng.fromState(params.rng);
    l.propensityRng = Rng.fromState(params.propensity_rng);
    l.restoreTraining(file.training);
    return l;
  }
}
