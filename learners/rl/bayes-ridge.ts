/**
 * Bayesian ridge regression (the per-arm model of LinThompson, learners/bandits/lin-thompson.ts):
 * precision B = lambda I + sum x x^T (stored as its upper Cholesky factor R), f = sum y x,
 * mean mu = B^-1 f; a Thompson draw of x . theta is N(x . mu, v^2 ||R^-T x||^2).
 */
import {
  cholUpdate,
  dot,
  packUpper,
  scaledIdentity,
  solveUpper,
  solveUpperTransposed,
  unpackUpper,
} from '../bandits/linalg.ts';
import type { Rng } from '../../core/rng.ts';

export interface BayesRidgeState {
  dim: number;
  r: number[];
  f: number[];
  n: number;
}

export class BayesRidge {
  readonly dim: number;
  private readonly r: Float64Array;
  private readonly f: Float64Array;
  private readonly mu: Float64Array;
  private readonly scratch: Float64Array;
  private readonly w: Float64Array;
  /** Observations so far. */
  n = 0;

  constructor(dim: number, lambda = 1) {
    if (!(lambda > 0)) throw new RangeError(`BayesRidge: lambda must be > 0, got ${lambda}`);
    this.dim = dim;
    this.r = scaledIdentity(dim, Math.sqrt(lambda));
    this.f = new Float64Array(dim);
    this.mu = new Float64Array(dim);
    this.scratch = new Float64Array(dim);
    this.w = new Float64Array(dim);
  }

  private check(x: Float64Array): void {
    if (x.length !== this.dim) throw new RangeError(`BayesRidge: expected ${this.dim} features, got ${x.length}`);
  }

  update(x: Float64Array, y: number): void {
    this.check(x);
    if (!Number.isFinite(y)) throw new RangeError(`BayesRidge: target must be finite, got ${y}`);
    this.scratch.set(x);
    cholUpdate(this.r, this.scratch, this.dim);
    for (let i = 0; i < this.dim; i++) this.f[i] = this.f[i]! + y * x[i]!;
    this.refresh();
    this.n++;
  }

  /** mu = R^-1 R^-T f. */
  private refresh(): void {
    this.scratch.set(this.f);
    solveUpperTransposed(this.r, this.scratch, this.dim, this.w);
    solveUpper(this.r, this.w, this.dim, this.mu);
  }

  mean(x: Float64Array): number {
    this.check(x);
    return dot(x, this.mu, this.dim);
  }

  /** Posterior sd of x . theta at unit noise scale: ||R^-T x||. */
  sd(x: Float64Array): number {
    this.check(x);
    this.scratch.set(x);
    const w = solveUpperTransposed(this.r, this.scratch, this.dim, this.w);
    return Math.sqrt(dot(w, w, this.dim));
  }

  /** A Thompson draw of x . theta with posterior scale v. */
  sample(x: Float64Array, v: number, rng: Rng): number {
    const m = this.mean(x);
    return v > 0 ? m + v * this.sd(x) * rng.normal() : m;
  }

  save(): BayesRidgeState {
    return { dim: this.dim, r: packUpper(this.r, this.dim), f: [...this.f], n: this.n };
  }

  static load(s: BayesRidgeState): BayesRidge {
    const m = new BayesRidge(s.dim);
    if (s.f.length !== s.dim) throw new RangeError(`BayesRidge: expected ${s.dim} values of f, got ${s.f.length}`);
    m.r.set(unpackUpper(s.r, s.dim, false));
    m.f.set(s.f);
    m.n = s.n;
    m.refresh();
    return m;
  }
}
