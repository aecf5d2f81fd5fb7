/**
 * Linear Thompson sampling (Agrawal and Goyal 2013), disjoint per arm: precision
 * B = lambda I + sum x x^T, f = sum r x, posterior theta ~ N(mu = B^-1 f, v^2 B^-1).
 *
 * What is stored is the upper Cholesky factor R of the precision (B = R^T R), updated by a
 * rank-1 Cholesky update in O(d^2). Then R^-1 is a triangular square root of the covariance
 * (B^-1 = R^-1 R^-T), so theta = mu + v R^-1 z (one back substitution, O(d^2)) is a posterior
 * draw: no O(d^3) factorisation of the covariance per update or per draw. mu is refreshed by
 * two triangular solves (O(d^2)).
 * choose() needs only x . theta per arm, which is N(x . mu, v^2 ||R^-T x||^2): one forward
 * solve per arm (O(d^2)), then a scalar normal draw, the same distribution as drawing theta.
 * Propensity: as beta_thompson, (wins + 1) / (M + 1) over M extra draws on a separate stream;
 * here they cost only M * K scalar normals (the per-arm solve is shared).
 */
import { parsePolicyPart } from '../policy-file.ts';
import { z } from 'zod';
import type { Decision, RoutingContext } from '../../harness/types.ts';
import type { FeaturizerOptions } from '../features/featurizer.ts';
import { featureLayoutSchema } from '../features/spec.ts';
import type { FeatureLayout, PolicyFile } from '../types.ts';
import { argmaxFirst, checkReward, type Action, thompsonChoice } from './base.ts';
import { cholUpdate, dot, packUpper, scaledIdentity, solveUpper, solveUpperTransposed, unpackUpper } from './linalg.ts';
import { LinearLearner } from './linear-base.ts';
import { Rng, rngStateSchema } from '../../core/rng.ts';

export const linThompsonHyperSchema = z.strictObject({
  /** Posterior scale: exploration width. */
  v: z.number().min(0).default(0.5),
  lambda: z.number().positive().default(1),
  propensity_samples: z.number().int().min(1).max(10_000).default(32),
  seed: z.number().int().default(0),
});
export type LinThompsonOptions = z.infer<typeof linThompsonHyperSchema>;

interface Arm {
  /** Upper Cholesky factor of the precision, row-major d x d. */
  r: Float64Array;
  f: Float64Array;
  mu: Float64Array;
}

const paramsSchema = z.strictObject({
  dim: z.number().int().min(0),
  arms: z.array(z.strictObject({ r: z.array(z.number()), f: z.array(z.number()), mu: z.array(z.number()) })),
  rng: rngStateSchema,
  propensity_rng: rngStateSchema,
});

const PROPENSITY_STREAM = 0x5bd1e995;

export class LinThompson extends LinearLearner {
  readonly name = 'lin_thompson';
  private arms: Arm[] = [];
  private rng: Rng;
  private propensityRng: Rng;
  private scratch = new Float64Array(0);
  private w = new Float64Array(0);

  constructor(
    actions: Action[],
    layout: FeatureLayout,
    private readonly opts: LinThompsonOptions,
    featurizerOptions: FeaturizerOptions = {},
  ) {
    super(actions, layout, featurizerOptions);
    this.rng = new Rng(opts.seed);
    this.propensityRng = new Rng(opts.seed ^ PROPENSITY_STREAM);
    if (this.featurizer.resolved) this.allocate((this.d = this.featurizer.dim));
  }

  protected allocate(d: number): void {
    this.arms = this.actions.map(() => ({
      r: scaledIdentity(d, Math.sqrt(this.opts.lambda)),
      f: new Float64Array(d),
      mu: new Float64Array(d),
    }));
    this.scratch = new Float64Array(d);
    this.w = new Float64Array(d);
  }

  /** Read-only view of an arm's precision factor R (B = R^T R). */
  factor(arm: number): Float64Array {
    return this.arms[arm]!.r;
  }

  /** Posterior mean and standard deviation of x . theta per arm. */
  private marginals(x: Float64Array): { mean: number[]; sd: number[] } {
    const d = this.d;
    const mean: number[] = [];
    const sd: number[] = [];
    for (const arm of this.arms) {
      this.scratch.set(x);
      solveUpperTransposed(arm.r, this.scratch, d, this.w); // w = R^-T x, ||w||^2 = x^T B^-1 x
      mean.push(dot(arm.mu, x, d));
      sd.push(this.opts.v * Math.sqrt(dot(this.w, this.w, d)));
    }
    return { mean, sd };
  }

  /** Posterior mean reward x . mu per action. */
  scores(ctx: RoutingContext): number[] {
    const x = this.features(ctx);
    return this.arms.map((arm) => dot(arm.mu, x, this.d));
  }

  /** One posterior draw of an arm's theta (mu + v R^-1 z); the caller's RNG, so decisions keep their stream. */
  sampleTheta(arm: number, rng: Rng): Float64Array {
    const d = this.d;
    const z = new Float64Array(d);
    for (let j = 0; j < d; j++) z[j] = rng.normal();
    const t = solveUpper(this.arms[arm]!.r, z, d, new Float64Array(d));
    const mu = this.arms[arm]!.mu;
    for (let j = 0; j < d; j++) t[j] = mu[j]! + this.opts.v * t[j]!;
    return t;
  }

  choose(ctx: RoutingContext): Decision {
    const { mean, sd } = this.marginals(this.features(ctx));
    const k = mean.length;
    const sample = new Array<number>(k);
    const draw = (rng: Rng): number => {
      for (let i = 0; i < k; i++) sample[i] = mean[i]! + sd[i]! * rng.normal();
      return argmaxFirst(sample);
    };
    const { chosen, propensity } = thompsonChoice(draw, this.rng, this.propensityRng, this.opts.propensity_samples);
    return this.decision(chosen, propensity);
  }

  update(ctx: RoutingContext, action: string, reward: number): void {
    checkReward(reward);
    const i = this.actionIndex(action);
    const x = this.features(ctx);
    this.record(reward);
    const arm = this.arms[i]!;
    const d = this.d;
    for (let j = 0; j < d; j++) arm.f[j] = arm.f[j]! + reward * x[j]!;
    this.scratch.set(x);
    cholUpdate(arm.r, this.scratch, d);
    // mu = B^-1 f = R^-1 (R^-T f).
    this.scratch.set(arm.f);
    solveUpperTransposed(arm.r, this.scratch, d, this.w);
    solveUpper(arm.r, this.w, d, arm.mu);
  }

  save(): PolicyFile {
    return this.linearFile(
      { ...this.opts },
      {
        arms: this.arms.map((a) => ({ r: packUpper(a.r, this.d), f: Array.from(a.f), mu: Array.from(a.mu) })),
        rng: this.rng.state(),
        propensity_rng: this.propensityRng.state(),
      },
    );
  }

  static load(file: PolicyFile, source = 'policy.json', featurizerOptions: FeaturizerOptions = {}): LinThompson {
    const opts = parsePolicyPart(linThompsonHyperSchema, file.hyperparameters, source, 'hyperparameters');
    const layout = parsePolicyPart(featureLayoutSchema, file.features, source, 'features') as FeatureLayout;
    const p = parsePolicyPart(paramsSchema, file.parameters, source, 'parameters');
    const l = new LinThompson(file.actions, layout, opts, featurizerOptions);
    l.restoreArms(p, source, { vectors: ['f', 'mu'], triangles: ['r'] }, (a, i, d) => {
      l.arms[i] = { r: unpackUpper(a.r, d, false), f: Float64Array.from(a.f), mu: Float64Array.from(a.mu) };
    });
    l.rng = Rng.fromState(p.rng);
    l.propensityRng = Rng.fromState(p.propensity_rng);
    l.restoreTraining(file.training);
    return l;
  }
}
