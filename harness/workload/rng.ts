/**
 * Seeded random helpers over mulberry32. Every stream of the workload is derived from the
 * run seed plus a label (deriveSeed), so adding a draw in one place never shifts another.
 */
import { mulberry32 } from '../../core/random.ts';
import { hashString53 } from '../../core/text/tokenizer.ts';

/** A 32-bit seed for the stream named by `parts` under `seed` (hash-mixed, so neighbours are unrelated). */
export function deriveSeed(seed: number, ...parts: (string | number)[]): number {
  return hashString53(parts.join('\u0000'), seed >>> 0) % 0x100000000;
}

export class Rng {
  private readonly u: () => number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.u = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u();
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.u() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.u() < p;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError('pick from an empty list');
    return xs[Math.floor(this.u() * xs.length)]!;
  }

  /** A key drawn with probability weight/sum; zero weights are never drawn. */
  weighted<K extends string>(weights: Readonly<Record<K, number>> | readonly (readonly [K, number])[]): K {
    const entries = (Array.isArray(weights) ? weights : Object.entries(weights)) as readonly (readonly [K, number])[];
    let total = 0;
    for (const [, w] of entries) total += w;
    if (!(total > 0)) throw new RangeError('weighted pick needs a positive total weight');
    let x = this.u() * total;
    for (const [k, w] of entries) {
      if (w <= 0) continue;
      x -= w;
      if (x < 0) return k;
    }
    // Float round-off: the last positive entry.
    return [...entries].reverse().find(([, w]) => w > 0)![0];
  }

  /** Standard normal (Box-Muller, caching the second value). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.u()));
    const a = 2 * Math.PI * this.u();
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }

  /** Log-normal with the given median and log-space sigma. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number {
    return -Math.log(1 - this.u()) / rate;
  }

  /** Gamma(shape, scale) by Marsaglia-Tsang (shape < 1 via the u^(1/shape) boost). */
  gamma(shape: number, scale: number): number {
    if (shape < 1) return this.gamma(shape + 1, scale) * Math.pow(1 - this.u(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - this.u();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * scale;
    }
  }

  /** Fisher-Yates, in place; returns xs. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.u() * (i + 1));
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
}

/** A log-normal length distribution clamped to [min, max] (README table). */
export interface LengthDist {
  median: number;
  sigma: number;
  min: number;
  max: number;
}

/** An integer draw from `d`, scaled (prompt_scale/output_scale) before clamping. */
export function drawLength(rng: Rng, d: LengthDist, scale = 1): number {
  if (d.max <= 0) return 0;
  return Math.round(Math.min(d.max * scale, Math.max(d.min * scale, rng.lognormal(d.median * scale, d.sigma))));
}
