/** Token-length distributions of the workload, drawn from the seeded core/rng.ts stream. */
import type { Rng } from '../../core/rng.ts';

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
