/**
 * wrp's one seeded random number generator: mulberry32 (tiny, fast, the same stream on every
 * platform) with its state readable, so a saved policy resumes the exact sequence, and the
 * samplers the workload, the simulator and the learners need. Every stream is derived from
 * a run seed plus a label (deriveSeed), so adding a draw in one place never shifts another.
 */
import { z } from 'zod';
import { hashString53 } from './text/tokenizer.ts';

/**
 * mulberry32's output for an already-advanced 32-bit state (`s = (s + 0x6d2b79f5) >>> 0`).
 */
export function mulberry32Output(state: number): number {
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** A bare uniform stream in [0, 1) for hot paths that need nothing else (the same draws as Rng.next). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    return mulberry32Output(a);
  };
}

/** A 32-bit seed for the stream named by `parts` under `seed` (hash-mixed, so neighbours are unrelated). */
export function deriveSeed(seed: number, ...parts: (string | number)[]): number {
  return hashString53(parts.join('\u0000'), seed >>> 0) % 0x100000000;
}

/** What a saved Rng is: policy files and checkpoints store it. */
export interface RngState {
  /** mulberry32's 32-bit counter. */
  s: number;
  /** The second Box-Muller value, not yet used. */
  spare: number | null;
}

/** Validates a saved RngState. */
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

  /** Uniform integer in [lo, hi], both ends included. */
  intBetween(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError('pick from an empty list');
    return xs[Math.floor(this.next() * xs.length)]!;
  }

  /** A key drawn with probability weight/sum; zero weights are never drawn. */
  weighted<K extends string>(weights: Readonly<Record<K, number>> | readonly (readonly [K, number])[]): K {
    const entries = (Array.isArray(weights) ? weights : Object.entries(weights)) as readonly (readonly [K, number])[];
    let total = 0;
    for (const [, w] of entries) total += w;
    if (!(total > 0)) throw new RangeError('weighted pick needs a positive total weight');
    let x = this.next() * total;
    for (const [k, w] of entries) {
      if (w <= 0) continue;
      x -= w;
      if (x < 0) return k;
    }
    // Float round-off: the last positive entry.
    return [...entries].reverse().find(([, w]) => w > 0)![0];
  }

  /** Standard normal (Box-Muller; the second value is kept for the next call and is part of the state). */
  normal(): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.next())); // 1 - u in (0, 1]: the log stays finite
    const a = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }

  /** Log-normal with the given median and log-space sigma. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number {
    return -Math.log(1 - this.next()) / rate;
  }

  /** Gamma(shape, scale), shape > 0 (Marsaglia and Tsang 2000; shape < 1 by the u^(1/shape) boost). */
  gamma(shape: number, scale = 1): number {
    if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
    if (shape < 1) return this.gamma(shape + 1, scale) * Math.pow(1 - this.next(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = this.normal();
      const v0 = 1 + c * x;
      if (v0 <= 0) continue;
      const v = v0 * v0 * v0;
      const u = 1 - this.next();
      const x2 = x * x;
      // The squeeze accepts without a log; it lies inside the exact test, so the draws are the same.
      if (u < 1 - 0.0331 * x2 * x2) return d * v * scale;
      if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v * scale;
    }
  }

  /** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    return x / (x + y);
  }

  /** Fisher-Yates, in place; returns xs. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
}
