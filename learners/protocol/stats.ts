/**
 * Intervals across seeds: the protocol's one statistical method (experiments/learning/PROTOCOL.md).
 *
 * Definition: for n >= 2 per-seed values x_1..x_n (each the mean over one run, or a paired
 * difference of two runs on the same seed), the 95% interval is the Student t interval
 *   mean +- t_{0.975, n-1} * s / sqrt(n),   s the sample standard deviation (n - 1 divisor).
 * Why t and not a bootstrap: each value is a mean over a whole run, so close to normal; with
 * 32 seeds the percentile bootstrap's interval is known to be too narrow (it ignores the
 * n - 1 degrees of freedom), and the t interval is the one an outsider can recompute from the
 * per-seed values with any statistics package. The upstream Router Learning benchmark
 * (vllm-project/semantic-router #2346, PR #3503) uses the same trial-clustered t interval.
 *
 * The t quantile is computed here (the regularized incomplete beta by Lentz's continued
 * fraction, inverted by bisection): the packaged ones either pull in ~100 modules or ship no
 * types. Accurate to ~1e-10 against published tables (stats.test.ts).
 */

export interface Interval {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1 divisor); NaN below 2 values. */
  sd: number;
  /** mean -+ half width; NaN below 2 values (no interval from one seed). */
  lower: number;
  upper: number;
  halfWidth: number;
  level: number;
}

/** ln Gamma(x), x > 0 (Lanczos, g = 7, 9 terms). */
function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta (modified Lentz). */
function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    for (const aa of [
      (m * (b - m) * x) / ((a + m2 - 1) * (a + m2)),
      (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1)),
    ]) {
      d = 1 + aa * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + aa / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(x, a, b)) / a : 1 - (front * betaFraction(1 - x, b, a)) / b;
}

/** P(T <= t) for Student's t with df degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p quantile of Student's t with df > 0 degrees of freedom, p in (0, 1). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: expected p in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`studentTQuantile: expected df > 0, got ${df}`);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  let lo = 0;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The t interval of the mean of per-seed values (file header). */
export function tInterval(values: readonly number[], level = 0.95): Interval {
  if (!(level > 0 && level < 1)) throw new RangeError(`tInterval: expected a level in (0, 1), got ${level}`);
  const n = values.length;
  if (n === 0) throw new RangeError('tInterval: expected at least one value');
  for (const [i, v] of values.entries())
    if (!Number.isFinite(v)) throw new RangeError(`tInterval: value #${i} is not a finite number (${v})`);
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, sd: NaN, lower: NaN, upper: NaN, halfWidth: NaN, level };
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const halfWidth = studentTQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean, sd, lower: mean - halfWidth, upper: mean + halfWidth, halfWidth, level };
}

/** The t interval of a - b on paired seeds (a[i] and b[i] ran on the same seed). */
export function pairedInterval(a: readonly number[], b: readonly number[], level = 0.95): Interval {
  if (a.length !== b.length)
    throw new RangeError(`pairedInterval: ${a.length} vs ${b.length} values; expected one per seed on both sides`);
  return tInterval(
    a.map((x, i) => x - b[i]!),
    level,
  );
}
