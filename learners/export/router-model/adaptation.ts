/**
 * Router Learning's routing_sampling adaptation on a freshly started router (no outcomes
 * posted yet), as src/semantic-router/pkg/extproc/router_learning_adaptation.go computes it:
 *
 * - it runs when global.router.learning.enabled and adaptation.enabled (default on) and the
 *   decision's adaptation mode is not bypass (learning_config.go AdaptationMode); `observe`
 *   computes but never changes the model; looper algorithms (confidence) never get here;
 * - candidates: the decision's modelRefs (candidate_set `decision`, the default);
 * - each candidate's Beta prior: quality_seed 0.5, weight 2, or the model card's
 *   quality_score (when > 0) with weight 2; alpha = 2 q + 1, beta = 2 (1 - q) + 1;
 * - score = a Beta draw (mode apply) or the mean, minus 0.04 x input+output price / the
 *   candidates' highest (0.06 tier, 0.10 global), plus 0.001 for the base selector's pick;
 *   sorted by score, ties by model name;
 * - with sampling, the first *cold* candidate wins outright (every model is cold until an
 *   outcome for it arrives: on a fresh router that is the top sampled score); without it the
 *   top score must beat the base by the candidate set's margin plus its extra cost penalty.
 *
 * Random draws use the caller's generator: the router seeds Go's math/rand from the clock,
 * so only the distribution, not the stream, can be reproduced.
 */
export interface AdaptationCandidate {
  model: string;
  /** modelCards[].quality_score (0 or absent = unset). */
  qualityScore?: number;
  /** prompt_per_1m + completion_per_1m. */
  price: number;
}

export interface AdaptationSettings {
  candidateSet: 'decision' | 'tier' | 'global';
  mode: 'apply' | 'observe' | 'bypass';
}

const clamp01 = (x: number) => (!Number.isFinite(x) || x < 0 ? 0 : x > 1 ? 1 : x);
const MULTIPLIER = { decision: 0.04, tier: 0.06, global: 0.1 } as const;
const MARGIN = { decision: 0, tier: 0.03, global: 0.08 } as const;

export interface AdaptationOutcome {
  model: string;
  /** True when routing_sampling replaced the base model. */
  changed: boolean;
  sampled: boolean;
}

/**
 * The model after adaptation. `betaDraw(alpha, beta)` samples Beta(alpha, beta); pass
 * `undefined` to get the deterministic (posterior-mean) outcome of mode apply without sampling.
 */
export function routingSampling(
  base: string,
  candidates: readonly AdaptationCandidate[],
  s: AdaptationSettings,
  betaDraw: ((alpha: number, beta: number) => number) | undefined,
): AdaptationOutcome {
  if (s.mode === 'bypass' || candidates.length === 0) return { model: base, changed: false, sampled: false };
  const sampling = s.mode === 'apply' && betaDraw !== undefined;
  const maxPrice = Math.max(0, ...candidates.map((c) => c.price));
  const scored = candidates
    .map((c) => {
      const q = (c.qualityScore ?? 0) > 0 ? clamp01(c.qualityScore!) : 0.5;
      const alpha = 2 * q + 1;
      const beta = 2 * (1 - q) + 1;
      const predicted = sampling ? betaDraw!(alpha, beta) : alpha / (alpha + beta);
      const cost = maxPrice > 0 ? MULTIPLIER[s.candidateSet] * clamp01(c.price / maxPrice) : 0;
      return { model: c.model, score: predicted - cost + (c.model === base ? 0.001 : 0), cost };
    })
    .sort((a, b) => (a.score === b.score ? (a.model < b.model ? -1 : a.model > b.model ? 1 : 0) : b.score - a.score));
  let winner = scored[0]!;
  if (sampling) {
    // Fresh router: every candidate is cold, and the first cold one (the top score) wins.
  } else {
    const b = scored.find((x) => x.model === base) ?? scored[0]!;
    const extra = Math.max(0, winner.cost - b.cost);
    if (winner.model !== base && winner.score < b.score + MARGIN[s.candidateSet] + extra) winner = b;
  }
  if (s.mode === 'observe' || winner.model === base) return { model: base, changed: false, sampled: sampling };
  return { model: winner.model, changed: true, sampled: sampling };
}
