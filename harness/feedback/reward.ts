/**
 * The scalar reward a learner gets per request, in [0, 1] by construction.
 *
 * Each objective becomes a "goodness" g in [0, 1]:
 *   g_q = clamp01(quality)
 *   g_c = 1 - min(1, costUsd / cost_scale)        (cost_scale: cost at which the term bottoms out)
 *   g_s = 1 - clamp01(sloViolated)                (true = 1; a fraction of SLOs missed also works)
 *   g_e = 1 - min(1, energyJ / energy_scale)
 * and  r = (w_q g_q + w_c g_c + w_s g_s + w_e g_e) / (w_q + w_c + w_s + w_e),
 * a weighted mean of numbers in [0, 1], hence in [0, 1]. Written out it is the linear form
 *   r = offset + (w_q q - w_c c/C - w_s s - w_e e/E) / W,  offset = (w_c + w_s + w_e) / W,
 * with the cost and energy ratios saturating at 1. Set each scale to about the largest
 * per-request value expected (e.g. the strong pool's cost of a long request).
 *
 * A term whose input is missing is left out of both sums (e.g. energy with `energy: none`).
 * Missing quality follows `missing_quality`: `skip` gives no reward (the learner should not
 * update), `zero` counts it as quality 0.
 */
import { z } from 'zod';

const weight = (what: string) =>
  z.number({ error: `expected a number >= 0 (weight of ${what})` }).min(0, { error: 'expected a weight >= 0' });

export const rewardSchema = z
  .strictObject({
    quality: weight('quality').default(1),
    cost: weight('cost').default(0),
    slo: weight('SLO violations').default(0),
    energy: weight('energy').default(0),
    /** USD per request at which the cost term reaches its worst (1). */
    cost_scale: z
      .number({ error: 'expected a number > 0 (USD)' })
      .positive({ error: 'expected a number > 0 (USD)' })
      .default(0.001),
    /** Joules per request at which the energy term reaches its worst (1). */
    energy_scale: z
      .number({ error: 'expected a number > 0 (J)' })
      .positive({ error: 'expected a number > 0 (J)' })
      .default(500),
    missing_quality: z.enum(['skip', 'zero']).default('skip'),
  })
  .refine((r) => r.quality + r.cost + r.slo + r.energy > 0, { error: 'expected at least one weight > 0' });

export type RewardConfig = z.infer<typeof rewardSchema>;
export type RewardConfigInput = z.input<typeof rewardSchema>;

export const DEFAULT_REWARD: RewardConfig = rewardSchema.parse({});

export interface RewardInput {
  /** 0..1 from the evaluator; undefined when it could not judge. */
  quality?: number;
  /** What the request cost, USD. */
  costUsd?: number;
  /** true / 1 when an SLO was missed; a fraction when several SLOs are checked. */
  sloViolated?: boolean | number;
  /** Energy attributed to the request, J. */
  energyJ?: number;
}

const clamp01 = (x: number): number => (Number.isNaN(x) ? 0 : Math.min(1, Math.max(0, x)));

/** The reward in [0, 1], or undefined when quality is missing and `missing_quality` is skip. */
export function computeReward(cfg: RewardConfig, x: RewardInput): number | undefined {
  let quality = x.quality;
  if (quality === undefined || Number.isNaN(quality)) {
    if (cfg.missing_quality === 'skip' && cfg.quality > 0) return undefined;
    quality = 0;
  }
  const terms: Array<[number, number | undefined]> = [
    [cfg.quality, clamp01(quality)],
    [cfg.cost, x.costUsd === undefined ? undefined : 1 - clamp01(x.costUsd / cfg.cost_scale)],
    [cfg.slo, x.sloViolated === undefined ? undefined : 1 - clamp01(Number(x.sloViolated))],
    [cfg.energy, x.energyJ === undefined ? undefined : 1 - clamp01(x.energyJ / cfg.energy_scale)],
  ];
  let num = 0;
  let den = 0;
  for (const [w, g] of terms) {
    if (g === undefined || w === 0) continue;
    num += w * g;
    den += w;
  }
  // Every weighted input missing: nothing to reward on.
  if (den === 0) return undefined;
  return clamp01(num / den);
}
