/**
 * Confidence intervals that reports, comparisons and repeated trials share, all at 95%
 * two-sided and all computed from running sums (n, sum, sum of squares) or order
 * statistics, so callers can stream and never keep the samples.
 *
 * - Mean: Student t interval, mean +- t(0.975, n-1) * s / sqrt(n). n = 1 gives no interval.
 * - Difference of two independent means: Welch's t interval (Welch-Satterthwaite df).
 * - Paired difference: the t interval of the per-pair differences (pass their sums).
 * - Proportion: Wilson score interval; difference of two proportions: Newcombe's hybrid
 *   score interval (Newcombe 1998, method 10), which stays inside [-1, 1].
 * - Quantile: the distribution-free order-statistic interval (ranks n p +- z sqrt(n p (1-p)),
 *   read off any sorted view of the data, e.g. an HDR histogram); difference of two
 *   independent quantiles: half-widths combined as standard errors (Price & Bonett 2002's
 *   approach for medians), an approximation that assumes roughly symmetric intervals.
 */

export interface Interval {
  estimate: number;
  lower: number;
  upper: number;
  /** Sample size behind it (pairs for a paired difference, trials across repeats). */
  n: number;
}

/** Running sums of a sample. */
export interface Moments {
  n: number;
  sum: number;
  sumSq: number;
}

export const Z95 = 1.959963984540054;

/** Two-sided 95% t quantiles for 1..10 degrees of freedom; beyond, a Cornish-Fisher expansion (error < 1e-4). */
const T95 = [12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.306, 2.2622, 2.2281];

export function t975(df: number): number {
  if (!(df >= 1)) return NaN;
  if (df <= 10 && Number.isInteger(df)) return T95[df - 1]!;
  const z = Z95;
  const v = df;
  return (
    z +
    (z ** 3 + z) / (4 * v) +
    (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * v ** 2) +
    (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * v ** 3)
  );
}

export function emptyMoments(): Moments {
  return { n: 0, sum: 0, sumSq: 0 };
}

export function addMoment(m: Moments, x: number): void {
  m.n++;
  m.sum += x;
  m.sumSq += x * x;
}

/** Adds `from`'s samples to `into` (the moments of the two sets together). */
export function mergeMoments(into: Moments, from: Moments): void {
  into.n += from.n;
  into.sum += from.sum;
  into.sumSq += from.sumSq;
}

export function momentsOf(xs: Iterable<number>): Moments {
  const m = emptyMoments();
  for (const x of xs) addMoment(m, x);
  return m;
}

function variance(m: Moments): number {
  if (m.n < 2) return NaN;
  const mean = m.sum / m.n;
  return Math.max(0, (m.sumSq - m.n * mean * mean) / (m.n - 1));
}

/** Mean and its t interval; NaN bounds for fewer than 2 values, NaN everything for none. */
export function meanInterval(m: Moments): Interval {
  if (m.n === 0) return { estimate: NaN, lower: NaN, upper: NaN, n: 0 };
  const mean = m.sum / m.n;
  const half = t975(m.n - 1) * Math.sqrt(variance(m) / m.n);
  return { estimate: mean, lower: mean - half, upper: mean + half, n: m.n };
}

/** Welch interval of mean(b) - mean(a) for independent samples. */
export function welchDifference(a: Moments, b: Moments): Interval {
  const n = Math.min(a.n, b.n);
  if (a.n === 0 || b.n === 0) return { estimate: NaN, lower: NaN, upper: NaN, n };
  const estimate = b.sum / b.n - a.sum / a.n;
  const va = variance(a) / a.n;
  const vb = variance(b) / b.n;
  const se = Math.sqrt(va + vb);
  if (!Number.isFinite(se)) return { estimate, lower: NaN, upper: NaN, n };
  if (se === 0) return { estimate, lower: estimate, upper: estimate, n };
  const df = (va + vb) ** 2 / ((va * va) / Math.max(1, a.n - 1) + (vb * vb) / Math.max(1, b.n - 1));
  const half = t975(Math.max(1, df)) * se;
  return { estimate, lower: estimate - half, upper: estimate + half, n };
}

/** Wilson score interval of `hits` out of `n`. */
export function wilson(hits: number, n: number): Interval {
  if (n === 0) return { estimate: NaN, lower: NaN, upper: NaN, n };
  const p = hits / n;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { estimate: p, lower: Math.max(0, centre - half), upper: Math.min(1, centre + half), n };
}

/** Newcombe's interval of p_b - p_a (independent proportions). */
export function proportionDifference(hitsA: number, nA: number, hitsB: number, nB: number): Interval {
  const a = wilson(hitsA, nA);
  const b = wilson(hitsB, nB);
  const d = b.estimate - a.estimate;
  const lower = d - Math.sqrt((b.estimate - b.lower) ** 2 + (a.upper - a.estimate) ** 2);
  const upper = d + Math.sqrt((b.upper - b.estimate) ** 2 + (a.estimate - a.lower) ** 2);
  return { estimate: d, lower, upper, n: Math.min(nA, nB) };
}

/**
 * Order-statistic interval of the p-quantile (p in (0, 1)) of n values; `valueAtRank(k)`
 * returns the k-th smallest value (1-based). Ranks outside 1..n clamp to the extremes.
 */
export function quantileInterval(p: number, n: number, valueAtRank: (k: number) => number): Interval {
  if (n === 0) return { estimate: NaN, lower: NaN, upper: NaN, n };
  const spread = Z95 * Math.sqrt(n * p * (1 - p));
  const clamp = (k: number) => Math.min(n, Math.max(1, k));
  return {
    estimate: valueAtRank(clamp(Math.ceil(n * p))),
    lower: valueAtRank(clamp(Math.floor(n * p - spread))),
    upper: valueAtRank(clamp(Math.ceil(n * p + spread))),
    n,
  };
}

/** b - a for two independent quantile intervals: half-widths combined as standard errors. */
export function quantileDifference(a: Interval, b: Interval): Interval {
  const estimate = b.estimate - a.estimate;
  const sd = (i: Interval) => (i.upper - i.lower) / 2;
  const half = Math.sqrt(sd(a) ** 2 + sd(b) ** 2);
  return { estimate, lower: estimate - half, upper: estimate + half, n: Math.min(a.n, b.n) };
}
