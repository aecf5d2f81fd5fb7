/**
 * The experience seed pack (seed_pack.json) that warm-starts the router's routing_sampling.
 * The router's posterior for a (decision, model) is
 *   alpha = seed_weight * quality_seed + good_fit + 1,  beta = seed_weight * (1 - quality_seed) + underpowered + 1.
 * With no outcomes yet it is Beta(w q + 1, w (1 - q) + 1), so a learned Beta(alpha, beta) is
 * reproduced exactly by w = alpha + beta - 2 and q = (alpha - 1) / w (q = 0.5 when w = 0), and
 * all counts 0: the evidence is folded into the seed, never counted twice.
 * Sources: Beta-Thompson's own posterior (its quality seeds included); for UCB1,
 * epsilon-greedy and best-single the Beta(s + 1, n - s + 1) of their counts; other policies
 * have no posterior, so their per-category learned value becomes a weak seed
 * (seed_weight = WEAK_SEED_WEIGHT) that live outcomes soon outweigh.
 */
import type { CategoryValues } from './router-config.ts';
import { decisionName } from './router-config.ts';
import type { ExportModel } from './types.ts';

/** Pseudo-observations behind a seed that is a point value, not a posterior. */
export const WEAK_SEED_WEIGHT = 4;
/** Every exported decision sits in one tier. */
export const DECISION_TIER = 1;

export interface SeedRecord {
  decision_id: string;
  decision_tier: number;
  model: string;
  quality_seed: number;
  seed_weight: number;
  good_fit_count: number;
  underpowered_count: number;
  overprovisioned_count: number;
  failed_count: number;
}

export interface SeedPack {
  version: 1;
  records: SeedRecord[];
}

const r6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** (alpha, beta) -> (quality_seed, seed_weight), the inverse of the router's prior. */
export function seedFromBeta(alpha: number, beta: number): { quality_seed: number; seed_weight: number } {
  const w = Math.max(0, alpha + beta - 2);
  return { quality_seed: w > 0 ? Math.min(1, Math.max(0, (alpha - 1) / w)) : 0.5, seed_weight: w };
}

export function buildSeedPack(
  model: ExportModel,
  names: string[],
  perCategory: CategoryValues[],
): { pack: SeedPack; source: string } {
  const posts = model.posteriors?.();
  const byKey = new Map(posts?.map((p) => [p.key, p]));
  const records: SeedRecord[] = [];
  for (const { category, values } of perCategory) {
    const post = byKey.get(category) ?? byKey.get('*');
    names.forEach((name, i) => {
      const seed = posts
        ? seedFromBeta(post?.alpha[i] ?? 1, post?.beta[i] ?? 1)
        : { quality_seed: Math.min(1, Math.max(0, values[i]!)), seed_weight: WEAK_SEED_WEIGHT };
      records.push({
        decision_id: decisionName(category),
        decision_tier: DECISION_TIER,
        model: name,
        quality_seed: r6(seed.quality_seed),
        seed_weight: r6(seed.seed_weight),
        good_fit_count: 0,
        underpowered_count: 0,
        overprovisioned_count: 0,
        failed_count: 0,
      });
    });
  }
  const source = posts
    ? 'bandit Beta posteriors: seed_weight = alpha + beta - 2, quality_seed = (alpha - 1) / seed_weight'
    : `per-category learned values as weak seeds (seed_weight ${WEAK_SEED_WEIGHT})`;
  return { pack: { version: 1, records }, source };
}
