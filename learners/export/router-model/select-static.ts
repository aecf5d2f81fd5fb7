/**
 * The static selector (src/semantic-router/pkg/selection/static.go StaticSelector.Select):
 * each candidate scores the domains' model_scores of the *decision's name* (the selector is
 * initialised from routing.signals.domains keyed by domain name, and looked up by decision
 * name), 1.0 when there is none; the first strictly higher score wins, so the first
 * candidate wins ties; and when the best score is exactly 1.0 the first candidate is taken
 * whatever scored it (use_first_candidate defaults to true). A decision named unlike every
 * domain therefore always serves its first modelRef: what wrp relies on.
 */
export interface ScoredDomain {
  name: string;
  model_scores?: { model: string; score: number }[];
}

export function selectStatic(
  decisionName: string,
  candidates: readonly string[],
  domains: readonly ScoredDomain[],
): string {
  const scores = new Map<string, number>();
  // InitializeFromConfig: later domains of the same name add to (and overwrite) earlier ones.
  for (const d of domains)
    if (d.name === decisionName) for (const s of d.model_scores ?? []) scores.set(s.model, s.score);
  let best = -1;
  let bestScore = 0;
  candidates.forEach((m, i) => {
    const score = scores.get(m) ?? 1;
    if (best < 0 || score > bestScore) {
      best = i;
      bestScore = score;
    }
  });
  if (best < 0) throw new Error('static selection: no candidates');
  return bestScore === 1 ? candidates[0]! : candidates[best]!;
}
