/**
 * Two-model routing metrics (RouteLLM, Ong et al. 2024, arXiv 2406.18665; shared/REFERENCE.md
 * section 3). A router sends each prompt either to a strong or to a weak model.
 *
 * Definitions (n prompts, per-prompt qualities s_i (strong) and w_i (weak)):
 * - q_strong = mean(s), q_weak = mean(w); q_router = mean quality of the router's choices.
 * - PGR = (q_router - q_weak) / (q_strong - q_weak). Not clamped: a router can beat the strong
 *   model (PGR > 1) when the weak model wins on some prompts. Undefined (error) when
 *   q_strong = q_weak.
 * - PGR curve: the router gives every prompt a score (higher = more strong-worthy); a
 *   threshold sends the prompts scoring above it to the strong model. As the threshold falls
 *   the strong-call share k/n goes 0 -> 1. With d_i = s_i - w_i sorted by score, descending,
 *   PGR(k) = (d_1 + ... + d_k) / (d_1 + ... + d_n), so PGR(0) = 0 and PGR(1) = 1 exactly.
 * - Ties (deterministic): `ties: 'group'` (default) puts one curve point per distinct score,
 *   since no threshold can split a tie; the straight segment across a tied group is then the
 *   expected PGR of breaking the tie at random (a constant-score router is the diagonal,
 *   APGR 0.5 exactly). `ties: 'index'` breaks ties by prompt index (lower first), one point
 *   per prompt.
 * - APGR = area under the PGR curve over the strong-call share, by the trapezoid rule on the
 *   curve's points (the exact area under the piecewise-linear curve). RouteLLM approximates
 *   the same integral on a grid of call shares. A random router scores 0.5 in expectation
 *   (E[PGR(share)] = share).
 * - CPT(x) = the smallest strong-call share at which PGR reaches x (x a fraction: 0.5 for
 *   CPT(50%)), interpolated linearly between curve points: on the first segment that
 *   reaches x, share = s_a + (x - p_a) / (p_b - p_a) * (s_b - s_a).
 */

export type TieMode = 'group' | 'index';

export interface PgrOperatingPoint {
  /** Share of prompts sent to the strong model, 0..1. */
  share: number;
  /** Prompts sent to the strong model. */
  strongCalls: number;
  /** Mean quality of this operating point. */
  quality: number;
  pgr: number;
}

export interface PgrPoint extends PgrOperatingPoint {
  /** Lowest score sent to the strong model (+Infinity at share 0). */
  threshold: number;
}

export interface PgrCurve {
  points: PgrPoint[];
  qStrong: number;
  qWeak: number;
  apgr: number;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** Throws unless the arrays are non-empty, equally long and finite. */
function checkInputs(
  qStrong: readonly number[],
  qWeak: readonly number[],
  other: readonly unknown[],
  name: string,
): void {
  if (qStrong.length === 0) throw new RangeError('two-model metrics: expected at least one prompt');
  if (qWeak.length !== qStrong.length || other.length !== qStrong.length) {
    throw new RangeError(
      `two-model metrics: expected equal lengths, got strong ${qStrong.length}, weak ${qWeak.length}, ${name} ${other.length}`,
    );
  }
  for (const [i, v] of [...qStrong, ...qWeak].entries()) {
    if (!Number.isFinite(v))
      throw new RangeError(`two-model metrics: quality #${i % qStrong.length} is not a finite number (${v})`);
  }
}

/** The quality gap q_strong - q_weak; a zero gap makes PGR undefined. */
function gapOf(qStrong: readonly number[], qWeak: readonly number[]): { qS: number; qW: number; gap: number } {
  const qS = sum(qStrong) / qStrong.length;
  const qW = sum(qWeak) / qWeak.length;
  const gap = qS - qW;
  if (gap === 0)
    throw new RangeError(`two-model metrics: PGR is undefined, strong and weak have the same mean quality (${qS})`);
  return { qS, qW, gap };
}

/** PGR of a mean quality, given the two models' means. */
export function pgr(qRouter: number, qWeak: number, qStrong: number): number {
  if (qStrong === qWeak)
    throw new RangeError(`PGR is undefined: strong and weak have the same mean quality (${qStrong})`);
  return (qRouter - qWeak) / (qStrong - qWeak);
}

/** PGR of one operating point: `toStrong[i]` says whether prompt i went to the strong model. */
export function pgrAtPoint(
  qStrong: readonly number[],
  qWeak: readonly number[],
  toStrong: readonly boolean[],
): PgrOperatingPoint {
  checkInputs(qStrong, qWeak, toStrong, 'routing');
  const { qW, gap } = gapOf(qStrong, qWeak);
  let total = 0;
  let calls = 0;
  for (let i = 0; i < qStrong.length; i++) {
    if (toStrong[i]) calls++;
    total += toStrong[i] ? qStrong[i]! : qWeak[i]!;
  }
  const quality = total / qStrong.length;
  return { share: calls / qStrong.length, strongCalls: calls, quality, pgr: (quality - qW) / gap };
}

/** The PGR curve of a scoring router, with its APGR (definitions in the file header). */
export function pgrCurve(
  qStrong: readonly number[],
  qWeak: readonly number[],
  score: readonly number[],
  opts: { ties?: TieMode } = {},
): PgrCurve {
  checkInputs(qStrong, qWeak, score, 'score');
  for (const [i, v] of score.entries()) if (Number.isNaN(v)) throw new RangeError(`pgrCurve: score #${i} is NaN`);
  const { qS, qW } = gapOf(qStrong, qWeak);
  const n = qStrong.length;
  const order = [...score.keys()].sort((a, b) => score[b]! - score[a]! || a - b);
  const dTotal = sum(qStrong) - sum(qWeak);
  const points: PgrPoint[] = [{ share: 0, strongCalls: 0, quality: qW, pgr: 0, threshold: Number.POSITIVE_INFINITY }];
  let cum = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    cum += qStrong[i]! - qWeak[i]!;
    const last = k === n - 1;
    // In group mode only the end of a run of equal scores is a reachable threshold.
    if (!last && (opts.ties ?? 'group') === 'group' && score[order[k + 1]!] === score[i]) continue;
    const calls = k + 1;
    // The last point is exactly PGR 1 (cum = dTotal), free of rounding.
    points.push({
      share: calls / n,
      strongCalls: calls,
      quality: qW + cum / n,
      pgr: last ? 1 : cum / dTotal,
      threshold: score[i]!,
    });
  }
  return { points, qStrong: qS, qWeak: qW, apgr: areaUnder(points) };
}

/** Trapezoid area under pgr over share. */
function areaUnder(points: readonly PgrPoint[]): number {
  let area = 0;
  for (let k = 1; k < points.length; k++) {
    const a = points[k - 1]!;
    const b = points[k]!;
    area += ((a.pgr + b.pgr) / 2) * (b.share - a.share);
  }
  return area;
}

/** APGR of a scoring router (see pgrCurve). */
export function apgr(
  qStrong: readonly number[],
  qWeak: readonly number[],
  score: readonly number[],
  opts: { ties?: TieMode } = {},
): number {
  return pgrCurve(qStrong, qWeak, score, opts).apgr;
}

/**
 * CPT(x): the smallest strong-call share reaching PGR >= x on the curve, linearly
 * interpolated between points; undefined when the curve never reaches x.
 * `x` is a fraction in [0, 1] (0.5 = CPT(50%)).
 */
export function cpt(curve: PgrCurve | readonly PgrPoint[], x: number): number | undefined {
  if (!Number.isFinite(x) || x < 0 || x > 1)
    throw new RangeError(`cpt: expected a PGR target in [0, 1] (0.5 for 50%), got ${x}`);
  const points = 'points' in curve ? curve.points : curve;
  if (points.length === 0) return undefined;
  if (points[0]!.pgr >= x) return points[0]!.share;
  for (let k = 1; k < points.length; k++) {
    const a = points[k - 1]!;
    const b = points[k]!;
    // a.pgr < x here (else the previous step returned), so b.pgr > a.pgr.
    if (b.pgr >= x) return a.share + ((x - a.pgr) / (b.pgr - a.pgr)) * (b.share - a.share);
  }
  return undefined;
}

/**
 * The same curve over cost instead of strong-call share, for routers whose cost is not the
 * share alone (a cascade pays the weak call, and any peer calls, before it escalates).
 * `costIfWeak[i]` / `costIfStrong[i]`: what prompt i costs when it is kept on the weak side /
 * sent to the strong model (a plain router: the weak / strong model's price; a cascade:
 * weak + peers / weak + peers + strong). `weakOnly` / `strongOnly`: mean cost of serving every
 * prompt with the weak / strong model alone. The cost axis is normalised,
 * u = (mean cost - weakOnly) / (strongOnly - weakOnly), and the curve starts at (0, 0) (the
 * weak model alone) when the router's cheapest point costs more. costApgr = area under PGR
 * over u in [0, 1] (the curve linearly interpolated, clipped at u = 1, held flat after its
 * last point); with costIfWeak = weakOnly and costIfStrong = strongOnly for every prompt it
 * equals APGR. Ties as pgrCurve's `group` mode.
 */
export interface CostPgrPoint {
  /** Mean cost per prompt. */
  cost: number;
  /** Normalised cost (0: weak alone, 1: strong alone). */
  u: number;
  pgr: number;
  share: number;
}

export interface CostPgrCurve {
  points: CostPgrPoint[];
  costApgr: number;
}

export function costPgrCurve(
  qStrong: readonly number[],
  qWeak: readonly number[],
  score: readonly number[],
  costIfWeak: readonly number[],
  costIfStrong: readonly number[],
  baseline: { weakOnly: number; strongOnly: number },
): CostPgrCurve {
  checkInputs(qStrong, qWeak, score, 'score');
  checkInputs(qStrong, qWeak, costIfWeak, 'costIfWeak');
  checkInputs(qStrong, qWeak, costIfStrong, 'costIfStrong');
  const span = baseline.strongOnly - baseline.weakOnly;
  if (!(span > 0))
    throw new RangeError(
      `costPgrCurve: the strong model must cost more than the weak one (got ${baseline.strongOnly} vs ${baseline.weakOnly})`,
    );
  const curve = pgrCurve(qStrong, qWeak, score);
  const n = qStrong.length;
  const order = [...score.keys()].sort((a, b) => score[b]! - score[a]! || a - b);
  // costAt[k]: mean cost with the k best-scored prompts sent to the strong side.
  let total = sum(costIfWeak);
  const costAt: number[] = [total / n];
  for (const i of order) {
    total += costIfStrong[i]! - costIfWeak[i]!;
    costAt.push(total / n);
  }
  const points: CostPgrPoint[] = curve.points.map((p) => ({
    cost: costAt[p.strongCalls]!,
    u: (costAt[p.strongCalls]! - baseline.weakOnly) / span,
    pgr: p.pgr,
    share: p.share,
  }));
  const line = points[0]!.u > 0 ? [{ cost: baseline.weakOnly, u: 0, pgr: 0, share: 0 }, ...points] : points;
  return { points: line, costApgr: areaOverUnit(line) };
}

/** Area under pgr over u in [0, 1]: linear between points, flat after the last one. */
function areaOverUnit(points: readonly CostPgrPoint[]): number {
  let area = 0;
  const value = (a: CostPgrPoint, b: CostPgrPoint, u: number) =>
    b.u === a.u ? b.pgr : a.pgr + ((u - a.u) / (b.u - a.u)) * (b.pgr - a.pgr);
  for (let k = 1; k < points.length; k++) {
    const a = points[k - 1]!;
    const b = points[k]!;
    const lo = Math.max(0, a.u);
    const hi = Math.min(1, b.u);
    if (hi <= lo) continue;
    area += ((value(a, b, lo) + value(a, b, hi)) / 2) * (hi - lo);
  }
  const last = points[points.length - 1]!;
  if (last.u < 1) area += last.pgr * (1 - Math.max(0, last.u));
  return area;
}

/** Smallest mean cost per prompt at which PGR reaches x (interpolated), as cpt() over cost. */
export function costAtPgr(curve: CostPgrCurve, x: number): number | undefined {
  const pts = curve.points.map((p) => ({ share: p.cost, strongCalls: 0, quality: 0, pgr: p.pgr, threshold: 0 }));
  return cpt(pts, x);
}
