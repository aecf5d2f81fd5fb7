/**
 * The confidence looper's escalation order (src/semantic-router/pkg/looper/confidence.go
 * ConfidenceLooper.Execute, sortModelRefsBySize / ByCost / ByAutoMix): the model the cascade
 * calls first, which is what a deployed cascade decides before any answer exists. `declared`
 * keeps modelRefs as listed (present at the modelled commit, absent from v0.3.0); `cost`
 * sorts by prompt price (unknown last); `automix` by (1 - t) quality + t cost score,
 * ascending; anything else (`size`, `small_to_large`, unset) by param_size, smallest first,
 * where a missing or unparsable size counts as 0. Every sort is stable.
 */
export interface CardInfo {
  param_size?: string;
  quality_score?: number;
  prompt_per_1m?: number;
}

/** "70B" -> 70000, "500m" -> 500, "3.5b" -> 3500; millions of parameters, 0 when unknown. */
export function parseParamSize(size: string | undefined): number {
  const m = /^([0-9.]+)([bmk]?)$/.exec((size ?? '').trim().toLowerCase());
  if (!m) return 0;
  const n = Number(m[1]);
  if (!Number.isFinite(n)) return 0;
  const unit = m[2];
  // Go truncates toward zero (int64 conversion).
  return Math.trunc(unit === 'm' ? n : unit === 'k' ? n / 1000 : n * 1000);
}

function stableSort<T>(xs: readonly T[], key: (x: T) => number): T[] {
  return xs
    .map((x, i) => ({ x, i, k: key(x) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i))
    .map((e) => e.x);
}

export function escalationOrder(
  refs: readonly string[],
  order: string | undefined,
  cards: ReadonlyMap<string, CardInfo>,
  tradeoff = 0.3,
): string[] {
  switch (order) {
    case 'declared':
      return [...refs];
    case 'cost':
      return stableSort(refs, (m) => cards.get(m)?.prompt_per_1m ?? Number.MAX_VALUE);
    case 'automix': {
      const costs = refs.map((m) => cards.get(m)?.prompt_per_1m ?? 0).filter((c) => c > 0);
      const min = costs.length ? Math.min(...costs) : Number.MAX_VALUE;
      const max = costs.length ? Math.max(...costs) : 0;
      const range = max - min > 0 ? max - min : 1;
      const t = tradeoff > 0 ? tradeoff : 0.3;
      const value = (m: string) => {
        const c = cards.get(m);
        if (!c) return (1 - t) * 0.5 + t * 0.5;
        let q = 0.5;
        if ((c.quality_score ?? 0) > 0 && (c.quality_score ?? 0) <= 1) q = c.quality_score!;
        else if (parseParamSize(c.param_size) > 0) q = 0.3 + 0.7 * Math.min(parseParamSize(c.param_size) / 70_000, 1);
        const p = c.prompt_per_1m ?? 0;
        const costScore = p > 0 ? 1 - (p - min) / range : 0.5;
        return (1 - t) * q + t * costScore;
      };
      return stableSort(refs, value);
    }
    default:
      return stableSort(refs, (m) => parseParamSize(cards.get(m)?.param_size));
  }
}
