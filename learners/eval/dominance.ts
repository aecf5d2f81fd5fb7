/**
 * Is a router's operating point worth it? A point (mean cost, mean quality) is dominated by a
 * single model when that model alone has at least its quality at no more cost, one of the two
 * strictly better (RouterBench's cost-quality plane: learners/eval/frontier.ts). `wrp eval`
 * prints it for every router it evaluates on data with costs, e.g. a cascade that escalates
 * every request pays the weak call on top of the strong model's answer.
 * Also listed: cheaper single models whose quality lies inside the router's 95% interval (no
 * better than them within the evaluation's precision, at more cost).
 */
import type { ModelStats } from './replay.ts';

export interface Dominance {
  /** Models that dominate the point (point estimates). */
  dominatedBy: ModelStats[];
  /** Cheaper models within the router's quality interval (and not dominating it). */
  indistinguishable: ModelStats[];
}

export function dominance(
  point: { cost: number; quality: number; qualityLower?: number },
  singles: readonly ModelStats[],
): Dominance {
  const priced = singles.filter((s) => s.cost !== undefined);
  const dominatedBy = priced.filter(
    (s) => s.quality >= point.quality && s.cost! <= point.cost && (s.quality > point.quality || s.cost! < point.cost),
  );
  const indistinguishable = priced.filter(
    (s) =>
      !dominatedBy.includes(s) &&
      point.qualityLower !== undefined &&
      s.cost! < point.cost &&
      s.quality >= point.qualityLower,
  );
  return { dominatedBy, indistinguishable };
}

/** One line for the CLI, or undefined when the point is not dominated. */
export function dominanceLine(d: Dominance, usd = (x: number) => x.toFixed(6)): string | undefined {
  const byQuality = (xs: ModelStats[]) => [...xs].sort((a, b) => b.quality - a.quality);
  const strongest = byQuality(d.dominatedBy)[0];
  if (strongest)
    return `DOMINATED: ${strongest.model} alone gives quality ${strongest.quality.toFixed(4)} at ${usd(strongest.cost!)} USD/request, no worse on both counts; this operating point is not worth routing`;
  const close = byQuality(d.indistinguishable)[0];
  if (close)
    return `no better than ${close.model} alone within the 95% interval (quality ${close.quality.toFixed(4)} at ${usd(close.cost!)} USD/request, cheaper)`;
  return undefined;
}
