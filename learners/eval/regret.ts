/**
 * Cumulative regret against the per-context best arm (shared/REFERENCE.md section 3).
 *
 * Definitions (contexts x_1..x_T, arms A, chosen arms a_1..a_T, utility u):
 * - instantaneous regret r_t = max_{a in A} u(x_t, a) - u(x_t, a_t)  (>= 0);
 * - cumulative regret R(T) = r_1 + ... + r_T;
 * - u is any function; the usual one is u = quality - lambda * cost (`qualityMinusCost`).
 * The best arm is chosen per context with full information, so this is the regret against
 * the best (unrestricted) policy, not against the best fixed arm.
 *
 * Growth exponent: if R(t) ~ C t^alpha then log R = log C + alpha log t. `growthExponent`
 * fits alpha by least squares on (log t, log R(t)) over the tail of the curve (t from
 * `fromFraction` * T to T), at up to `samples` log-spaced t so every scale weighs the same.
 * alpha ~ 1: linear regret (not learning); ~0.5: sqrt(T) (a good bandit); -> 0: log T.
 */

export type Utility<C, A> = (context: C, arm: A) => number;

export interface RegretCurve<A> {
  /** r_t per step. */
  instantaneous: number[];
  /** R(t) per step (R(1) = r_1). */
  cumulative: number[];
  /** Best arm per step (first in `arms` order on ties). */
  bestArms: A[];
  total: number;
  /** total / T. */
  mean: number;
}

/** u = quality - lambda * cost. */
export function qualityMinusCost(lambda: number): (o: { quality: number; cost: number }) => number {
  if (!Number.isFinite(lambda)) throw new RangeError(`qualityMinusCost: expected a finite lambda, got ${lambda}`);
  return (o) => o.quality - lambda * o.cost;
}

/** The regret curve of `chosen[t]` on `contexts[t]` over the arm set `arms`. */
export function regretCurve<C, A>(
  contexts: readonly C[],
  chosen: readonly A[],
  arms: readonly A[],
  utility: Utility<C, A>,
): RegretCurve<A> {
  if (contexts.length !== chosen.length)
    throw new RangeError(`regretCurve: ${contexts.length} contexts but ${chosen.length} choices`);
  if (arms.length === 0) throw new RangeError('regretCurve: expected at least one arm');
  const instantaneous: number[] = [];
  const cumulative: number[] = [];
  const bestArms: A[] = [];
  let total = 0;
  contexts.forEach((x, t) => {
    let best: A = arms[0]!;
    let bestU = Number.NEGATIVE_INFINITY;
    for (const a of arms) {
      const u = utility(x, a);
      if (!Number.isFinite(u))
        throw new RangeError(`regretCurve: utility of arm ${String(a)} at step ${t} is not finite (${u})`);
      if (u > bestU) {
        bestU = u;
        best = a;
      }
    }
    const a: A = chosen[t]!;
    if (!arms.includes(a)) throw new RangeError(`regretCurve: step ${t} chose ${String(a)}, not one of the arms`);
    const r = bestU - utility(x, a);
    total += r;
    instantaneous.push(r);
    cumulative.push(total);
    bestArms.push(best);
  });
  return { instantaneous, cumulative, bestArms, total, mean: contexts.length === 0 ? 0 : total / contexts.length };
}

/** Regret from precomputed utilities: `utilities[t][k]` for arm k, `chosen[t]` an arm index. */
export function regretFromTable(
  utilities: readonly (readonly number[])[],
  chosen: readonly number[],
): RegretCurve<number> {
  const k = utilities[0]?.length ?? 0;
  for (const [t, row] of utilities.entries()) {
    if (row.length !== k) throw new RangeError(`regretFromTable: step ${t} has ${row.length} arms, expected ${k}`);
  }
  const arms = Array.from({ length: k }, (_, i) => i);
  return regretCurve(utilities, chosen, arms, (row, a) => row[a]!);
}

export interface GrowthFit {
  /** Fitted alpha in R(t) ~ C t^alpha. */
  exponent: number;
  /** exp(intercept): the fitted C. */
  scale: number;
  /** Coefficient of determination of the log-log fit. */
  r2: number;
  /** Points used (steps with R(t) > 0 in the tail). */
  used: number;
}

/**
 * The log-log slope of a cumulative regret curve's tail (see the file header); undefined
 * when fewer than 2 tail points have R(t) > 0 (zero regret has no growth rate).
 */
export function growthExponent(
  cumulative: readonly number[],
  opts: { fromFraction?: number; samples?: number } = {},
): GrowthFit | undefined {
  const from = opts.fromFraction ?? 0.5;
  const samples = opts.samples ?? 50;
  if (!(from > 0 && from < 1)) throw new RangeError(`growthExponent: expected 0 < fromFraction < 1, got ${from}`);
  const T = cumulative.length;
  if (T < 2) return undefined;
  const t0 = Math.max(1, Math.floor(from * T));
  // Log-spaced steps t (1-based) in [t0, T], deduplicated.
  const ts = new Set<number>();
  for (let k = 0; k < samples; k++) ts.add(Math.round(t0 * Math.pow(T / t0, samples === 1 ? 1 : k / (samples - 1))));
  const xs: number[] = [];
  const ys: number[] = [];
  for (const t of [...ts].sort((a, b) => a - b)) {
    const r = cumulative[t - 1]!;
    if (r > 0) {
      xs.push(Math.log(t));
      ys.push(Math.log(r));
    }
  }
  if (xs.length < 2) return undefined;
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    syy += (ys[i]! - my) ** 2;
  }
  if (sxx === 0) return undefined;
  const exponent = sxy / sxx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { exponent, scale: Math.exp(my - exponent * mx), r2, used: n };
}
