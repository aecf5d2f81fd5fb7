/**
 * Seeded RNG for the learners: the same mulberry32 stream as harness/pool/sim/random.ts, but
 * with its state exposed so a saved policy resumes the exact sequence. Adds the normal (Box-
 * Muller, the spare value is part of the state), gamma (Marsaglia-Tsang) and beta draws that
 * Thompson sampling needs.
 */
import { mulberry32Output } from '../../core/random.ts';
import { z } from 'zod';

export interface RngState {
  /** mulberry32's 32-bit counter. */
  s: number;
  /** Second Box-Muller value not yet used. */
  spare: number | null;
}

/** Validates a saved RngState (policy files). */
export const rngStateSchema = z.strictObject({
  s: z.number().int().min(0).max(0xffffffff),
  spare: z.number().nullable(),
});

export class Rng {
  private s: number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  static fromState(state: RngState): Rng {
    const r = new Rng(state.s);
    r.spare = state.spare;
    return r;
  }

  state(): RngState {
    return { s: this.s, spare: this.spare };
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    return mulberry32Output(this.s);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal. */
  normal(): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return z;
    }
    const u1 = 1 - this.next(); // (0, 1]: log stays finite
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** Gamma(shape, 1), shape > 0 (Marsaglia and Tsang 2000). */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
    if (shape < 1) {
      // Boost: Gamma(a) = Gamma(a + 1) * U^(1/a).
      const g = this.gamma(shape + 1);
      return g * Math.pow(1 - this.next(), 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = this.normal();
      const v0 = 1 + c * x;
      if (v0 <= 0) continue;
      const v = v0 * v0 * v0;
      const u = 1 - this.next();
      const x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2) return d * v;
      if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    return x / (x + y);
  }
}
