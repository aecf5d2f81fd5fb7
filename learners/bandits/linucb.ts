/**
 * Disjoint LinUCB (Li et al. 2010): per arm A = lambda I + sum x x^T and b = sum r x;
 * value = theta . x + alpha * sqrt(x^T A^-1 x), theta = A^-1 b. A^-1 is kept directly and
 * updated by Sherman-Morrison (O(d^2), no inversion); being symmetric, only its upper triangle
 * is stored and touched. theta follows by the matching recursive-least-squares identity
 * theta += A^-1_old x (r - theta . x) / (1 + x^T A^-1_old x).
 * Deterministic (ties -> first action), so the propensity is 1.
 * Cost per request: choose K * d^2 / 2 (a quadratic form on the upper triangle per arm),
 * update ~d^2 for one arm (symmetric mat-vec and the rank-1 correction, both on the upper
 * triangle).
 */
import { parsePolicyPart } from '../policy-file.ts';
import { z } from 'zod';
import type { Decision, RoutingContext } from '../../harness/types.ts';
import { featureLayoutSchema } from '../features/spec.ts';
import type { FeaturizerOptions } from '../features/featurizer.ts';
import type { FeatureLayout, PolicyFile } from '../types.ts';
import { argmaxFirst, checkReward, type Action } from './base.ts';
import { dot, mirrorUpper, packUpper, scaledIdentity, shermanMorrison, symQuadForm, unpackUpper } from './linalg.ts';
import { LinearLearner } from './linear-base.ts';

export const linucbHyperSchema = z.strictObject({
  /** Width of the confidence bonus. */
  alpha: z.number().min(0).default(1),
  /** Ridge prior: A starts at lambda I. */
  lambda: z.number().positive().default(1),
  seed: z.number().int().default(0),
});
export type LinUcbOptions = z.infer<typeof linucbHyperSchema>;

interface Arm {
  ainv: Float64Array;
  b: Float64Array;
  theta: Float64Array;
}

const paramsSchema = z.strictObject({
  dim: z.number().int().min(0),
  /** ainv: upper triangle of the symmetric A^-1, row by row. */
  arms: z.array(z.strictObject({ ainv: z.array(z.number()), b: z.array(z.number()), theta: z.array(z.number()) })),
});

export class LinUcb extends LinearLearner {
  readonly name = 'linucb';
  private arms: Arm[] = [];
  private u = new Float64Array(0);

  constructor(
    actions: Action[],
    layout: FeatureLayout,
    private readonly opts: LinUcbOptions,
    featurizerOptions: FeaturizerOptions = {},
  ) {
    super(actions, layout, featurizerOptions);
    // Allocated here, not in the base constructor: subclass fields are not initialised there.
    if (this.featurizer.resolved) this.allocate((this.d = this.featurizer.dim));
  }

  protected allocate(d: number): void {
    this.arms = this.actions.map(() => ({
      ainv: scaledIdentity(d, 1 / this.opts.lambda),
      b: new Float64Array(d),
      theta: new Float64Array(d),
    }));
    this.u = new Float64Array(d);
  }

  /** A copy of an arm's full A^-1 (only its upper triangle is stored and maintained). */
  inverse(arm: number): Float64Array {
    return mirrorUpper(this.arms[arm]!.ainv, this.d);
  }

  /** Upper confidence values per action. */
  scores(ctx: RoutingContext): number[] {
    const x = this.features(ctx);
    return this.arms.map(
      (arm) => dot(arm.theta, x, this.d) + this.opts.alpha * Math.sqrt(Math.max(0, symQuadForm(arm.ainv, x, this.d))),
    );
  }

  /** Estimated reward theta . x per action (no bonus). */
  means(ctx: RoutingContext): number[] {
    const x = this.features(ctx);
    return this.arms.map((arm) => dot(arm.theta, x, this.d));
  }

  choose(ctx: RoutingContext): Decision {
    return this.decision(argmaxFirst(this.scores(ctx)), 1);
  }

  update(ctx: RoutingContext, action: string, reward: number): void {
    checkReward(reward);
    const i = this.actionIndex(action);
    const x = this.features(ctx);
    this.record(reward);
    const arm = this.arms[i]!;
    const d = this.d;
    const err = reward - dot(arm.theta, x, d);
    const denom = shermanMorrison(arm.ainv, x, d, this.u); // u = old A^-1 x
    const step = err / denom;
    for (let j = 0; j < d; j++) {
      arm.b[j] = arm.b[j]! + reward * x[j]!;
      arm.theta[j] = arm.theta[j]! + this.u[j]! * step;
    }
  }

  save(): PolicyFile {
    return this.linearFile(
      { ...this.opts },
      {
        arms: this.arms.map((a) => ({
          ainv: packUpper(a.ainv, this.d),
          b: Array.from(a.b),
          theta: Array.from(a.theta),
        })),
      },
    );
  }

  static load(file: PolicyFile, source = 'policy.json', featurizerOptions: FeaturizerOptions = {}): LinUcb {
    const opts = parsePolicyPart(linucbHyperSchema, file.hyperparameters, source, 'hyperparameters');
    const layout = parsePolicyPart(featureLayoutSchema, file.features, source, 'features') as FeatureLayout;
    const p = parsePolicyPart(paramsSchema, file.parameters, source, 'parameters');
    const l = new LinUcb(file.actions, layout, opts, featurizerOptions);
    l.restoreArms(p, source, { vectors: ['b', 'theta'], triangles: ['ainv'] }, (a, i, d) => {
      l.arms[i] = { ainv: unpackUpper(a.ainv, d, false), b: Float64Array.from(a.b), theta: Float64Array.from(a.theta) };
    });
    l.restoreTraining(file.training);
    return l;
  }
}
