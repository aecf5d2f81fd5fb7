import { mulberry32 } from '../../core/rng.ts';

export interface BootstrapOptions {
  /** B, default 1000. */
  resamples?: number;
  /** Confidence level in (0, 1), default 0.95. */
  level?: number;
  /** PRNG seed, default 1. */
  seed?: number;
}

export interface ConfidenceInterval {
  estimate: number;
  lower: number;
  upper: number;
  level: number;
  resamples: number;
  /** Standard deviation of the resampled statistics (the bootstrap standard error). */
  se: number;
  /** Resamples whose statistic was not finite (left out). */
  invalid: number;
}

/** Type-7 quantile of ascending-sorted values. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile: no values');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: expected q in [0, 1], got ${q}`);
  const h = (sorted.length - 1) * q;
  const j = Math.floor(h);
  if (j >= sorted.length - 1) return sorted[sorted.length - 1]!;
  return sorted[j]! + (h - j) * (sorted[j + 1]! - sorted[j]!);
}

/** Percentile bootstrap CI of `statistic` over `items` (definition in the file header). */
export function bootstrapCI<T>(
  items: readonly T[],
  statistic: (sample: readonly T[]) => number,
  opts: BootstrapOptions = {},
): ConfidenceInterval {
  const B = opts.resamples ?? 1000;
  const level = opts.level ?? 0.95;
  if (items.length === 0) throw new RangeError('bootstrap: expected at least one item');
  if (!Number.isInteger(B) || B < 1) throw new RangeError(`bootstrap: expected resamples >= 1, got ${B}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrap: expected a level in (0, 1), got ${level}`);
  const rand = mulberry32(opts.seed ?? 1);
  const n = items.length;
  const stats: number[] = [];
  let invalid = 0;
  const sample: T[] = new Array<T>(n);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < n; i++) sample[i] = items[Math.floor(rand() * n)]!;
    const s = statistic(sample);
    if (Number.isFinite(s)) stats.push(s);
    else invalid++;
  }
  if (stats.length === 0) throw new RangeError(`bootstrap: the statistic was not finite on any of the ${B} resamples`);
  stats.sort((a, b) => a - b);
  const alpha = 1 - level;
  const m = stats.reduce((a, b) => a + b, 0) / stats.length;
  const se = Math.sqrt(stats.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, stats.length - 1));
  return {
    estimate: statistic(items),
    lower: quantileSorted(stats, alpha / 2),
    upper: quantileSorted(stats, 1 - alpha / 2),
    level,
    resamples: B,
    se,
    invalid,
  };
}

const meanOf = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Bootstrap CI of the mean of per-item values (e.g. per-prompt quality, IPS terms). */
export function bootstrapMean(values: readonly number[], opts: BootstrapOptions = {}): ConfidenceInterval {
  return bootstrapCI(values, meanOf, opts);
}

/** Bootstrap CI of a difference of means on paired items (e.g. router A vs B, same prompts). */
export function bootstrapPairedDiff(
  a: readonly number[],
  b: readonly number[],
  opts: BootstrapOptions = {},
): ConfidenceInterval {
  if (a.length !== b.length)
    throw new RangeError(`bootstrapPairedDiff: ${a.length} vs ${b.length} values; expected paired items`);
  return bootstrapMean(
    a.map((x, i) => x - b[i]!),
    opts,
  );
}
