/**
 * The cost-quality plane (RouterBench, Hu et al. 2024, arXiv 2403.12031; shared/REFERENCE.md
 * section 3). Every router setting (or single model) is a point (mean cost, mean quality).
 *
 * Definitions:
 * - Mixing: a router that runs setting A with probability t and B otherwise has expected
 *   cost and quality on the segment AB, so every point of the convex hull is reachable; and
 *   spending less than a budget is always allowed.
 * - NDCH (non-decreasing convex hull): f(c) = the best quality reachable by such mixtures
 *   at expected cost <= c, for c >= c_min (the cheapest point's cost). f is concave and
 *   non-decreasing. Its vertices: the upper convex hull of the points from the cheapest
 *   point (best quality among the cheapest) up to the first point of top quality; past that
 *   vertex f stays flat at the top quality. Points strictly below the hull, or on a straight
 *   hull edge between two vertices, are not vertices.
 * - AIQ = (1 / (c_max - c_min)) * integral of f(c) dc over [c_min, c_max]; default range =
 *   the points' own cheapest and dearest cost. Pass one common range to compare routers.
 *   A range starting below the hull's cheapest cost is an error (f is undefined there).
 *   A zero-width range gives f(c_min).
 * - Zero router: the NDCH of the single-model points (what mixing fixed models gives with
 *   no routing at all). A parametric router (e.g. a sweep of a cost weight lambda) is the
 *   NDCH of its sweep's points.
 */

export interface CostQualityPoint {
  cost: number;
  quality: number;
  /** Model name or router setting, for reports. */
  label?: string;
}

/** Cross product of OA x OB: > 0 when B lies above the line through O and A (left turn). */
function cross(o: CostQualityPoint, a: CostQualityPoint, b: CostQualityPoint): number {
  return (a.cost - o.cost) * (b.quality - o.quality) - (a.quality - o.quality) * (b.cost - o.cost);
}

/** The NDCH vertices, cost ascending (strictly), quality strictly increasing. */
export function ndch(points: readonly CostQualityPoint[]): CostQualityPoint[] {
  if (points.length === 0) throw new RangeError('ndch: expected at least one point');
  for (const [i, p] of points.entries()) {
    if (!Number.isFinite(p.cost) || !Number.isFinite(p.quality)) {
      throw new RangeError(`ndch: point #${i}${p.label ? ` (${p.label})` : ''} has a non-finite cost or quality`);
    }
  }
  // Cost ascending; at equal cost the best quality first, so the others are skipped below.
  const sorted = [...points].sort((a, b) => a.cost - b.cost || b.quality - a.quality);
  const hull: CostQualityPoint[] = [];
  for (const p of sorted) {
    if (hull.length > 0 && hull[hull.length - 1]!.cost === p.cost) continue;
    // Upper hull (monotone chain): drop the last vertex while it is not a strict right turn.
    while (hull.length >= 2 && cross(hull[hull.length - 2]!, hull[hull.length - 1]!, p) >= 0) hull.pop();
    hull.push(p);
  }
  // Non-decreasing part: up to the first vertex of top quality; f is flat after it.
  let top = 0;
  for (let k = 1; k < hull.length; k++) if (hull[k]!.quality > hull[top]!.quality) top = k;
  return hull.slice(0, top + 1);
}

/** f(c) on an NDCH (vertices as ndch returns them); undefined below its cheapest cost. */
export function ndchValue(hull: readonly CostQualityPoint[], cost: number): number | undefined {
  if (hull.length === 0 || cost < hull[0]!.cost) return undefined;
  for (let k = 1; k < hull.length; k++) {
    const a = hull[k - 1]!;
    const b = hull[k]!;
    if (cost <= b.cost) return a.quality + ((cost - a.cost) / (b.cost - a.cost)) * (b.quality - a.quality);
  }
  return hull[hull.length - 1]!.quality;
}

/** Integral of f over [lo, hi] (lo >= the hull's cheapest cost). */
function integrate(hull: readonly CostQualityPoint[], lo: number, hi: number): number {
  let area = 0;
  // Breakpoints of the piecewise-linear f inside (lo, hi): f is linear between them.
  const xs = [lo, ...hull.map((p) => p.cost).filter((c) => c > lo && c < hi), hi];
  for (let k = 1; k < xs.length; k++) {
    const a = xs[k - 1]!;
    const b = xs[k]!;
    area += ((ndchValue(hull, a)! + ndchValue(hull, b)!) / 2) * (b - a);
  }
  return area;
}

export interface AiqRange {
  cMin: number;
  cMax: number;
}

/** AIQ of a set of points (their NDCH), over `range` or the points' own cost range. */
export function aiq(points: readonly CostQualityPoint[], range?: AiqRange): number {
  const hull = ndch(points);
  const cMin = range?.cMin ?? Math.min(...points.map((p) => p.cost));
  const cMax = range?.cMax ?? Math.max(...points.map((p) => p.cost));
  if (!Number.isFinite(cMin) || !Number.isFinite(cMax) || cMax < cMin)
    throw new RangeError(`aiq: expected a range with cMin <= cMax, got [${cMin}, ${cMax}]`);
  if (cMin < hull[0]!.cost) {
    throw new RangeError(
      `aiq: the range starts at ${cMin}, below the cheapest point (${hull[0]!.cost}); the frontier is undefined there`,
    );
  }
  if (cMax === cMin) return ndchValue(hull, cMin)!;
  return integrate(hull, cMin, cMax) / (cMax - cMin);
}

export interface Frontier {
  points: CostQualityPoint[];
  hull: CostQualityPoint[];
  /** AIQ over the points' own cost range. */
  aiq: number;
  range: AiqRange;
}

function frontierOf(points: CostQualityPoint[]): Frontier {
  const range = { cMin: Math.min(...points.map((p) => p.cost)), cMax: Math.max(...points.map((p) => p.cost)) };
  return { points, hull: ndch(points), aiq: aiq(points, range), range };
}

/** The zero router: NDCH and AIQ of the single-model points. */
export function zeroRouter(models: readonly CostQualityPoint[]): Frontier {
  return frontierOf([...models]);
}

export interface SweepPoint extends CostQualityPoint {
  /** The parameter value (e.g. the cost weight lambda) that produced this point. */
  param: number;
}

/**
 * A parametric router: evaluates it at every parameter value (e.g. a sweep of the cost
 * weight lambda), then its NDCH and AIQ. Use `aiq(result.points, zero.range)` to compare
 * against the zero router on the same cost range.
 */
export function sweepRouter(
  params: readonly number[],
  evaluate: (param: number) => CostQualityPoint,
): Frontier & { points: SweepPoint[] } {
  if (params.length === 0) throw new RangeError('sweepRouter: expected at least one parameter value');
  const points: SweepPoint[] = params.map((param) => {
    const p = evaluate(param);
    return { label: p.label ?? `param=${param}`, cost: p.cost, quality: p.quality, param };
  });
  const f = frontierOf(points);
  return { ...f, points };
}

/** Evenly spaced values from lo to hi (inclusive), for sweeps. */
export function linspace(lo: number, hi: number, count: number): number[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`linspace: expected a count >= 1, got ${count}`);
  if (count === 1) return [lo];
  return Array.from({ length: count }, (_, k) => lo + ((hi - lo) * k) / (count - 1));
}
