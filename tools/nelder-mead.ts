/**
 * Nelder-Mead simplex minimisation. Hand-written: the npm package for it (fmin@0.0.4)
 * ships a UMD bundle under "type": "module" and cannot be imported by Node ESM.
 */
export function nelderMead(
  f: (x: number[]) => number,
  x0: number[],
  maxIterations: number,
  step = 0.3,
): { x: number[]; fx: number } {
  const n = x0.length;
  let simplex = [x0, ...x0.map((_, i) => x0.map((v, j) => (i === j ? v + step : v)))].map((x) => ({ x, fx: f(x) }));
  const combine = (a: number[], b: number[], t: number) => a.map((v, i) => v + t * (b[i]! - v));
  for (let it = 0; it < maxIterations; it++) {
    simplex.sort((a, b) => a.fx - b.fx);
    const best = simplex[0]!;
    const worst = simplex[n]!;
    if (Math.abs(worst.fx - best.fx) < 1e-9) break;
    const centroid = x0.map((_, j) => simplex.slice(0, n).reduce((s, p) => s + p.x[j]!, 0) / n);
    const reflected = combine(centroid, worst.x, -1);
    const fr = f(reflected);
    if (fr < best.fx) {
      const expanded = combine(centroid, worst.x, -2);
      const fe = f(expanded);
      simplex[n] = fe < fr ? { x: expanded, fx: fe } : { x: reflected, fx: fr };
    } else if (fr < simplex[n - 1]!.fx) {
      simplex[n] = { x: reflected, fx: fr };
    } else {
      const contracted = combine(centroid, worst.x, fr < worst.fx ? -0.5 : 0.5);
      const fc = f(contracted);
      if (fc < Math.min(fr, worst.fx)) simplex[n] = { x: contracted, fx: fc };
      else
        simplex = simplex.map((p, i) =>
          i === 0 ? p : { x: combine(best.x, p.x, 0.5), fx: f(combine(best.x, p.x, 0.5)) },
        );
    }
  }
  simplex.sort((a, b) => a.fx - b.fx);
  return simplex[0]!;
}
