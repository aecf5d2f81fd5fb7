/**
 * Dense linear algebra on row-major Float64Array matrices, just what the linear bandits need.
 * Everything is O(d^2) per call: no matrix is ever inverted or factorised from scratch.
 */

/** a . b over the first d entries. */
export function dot(a: Float64Array, b: Float64Array, d = a.length): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * out = M x for a d x d row-major M. Four accumulators: V8 neither vectorises nor reorders
 * floating-point sums, so one accumulator is bound by add latency (measured 1.5x slower).
 */
export function matVec(m: Float64Array, x: Float64Array, d: number, out: Float64Array): Float64Array {
  for (let i = 0; i < d; i++) {
    const row = i * d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = 0;
    for (; j + 3 < d; j += 4) {
      s0 += m[row + j]! * x[j]!;
      s1 += m[row + j + 1]! * x[j + 1]!;
      s2 += m[row + j + 2]! * x[j + 2]!;
      s3 += m[row + j + 3]! * x[j + 3]!;
    }
    for (; j < d; j++) s0 += m[row + j]! * x[j]!;
    out[i] = s0 + s1 + (s2 + s3);
  }
  return out;
}

/** x^T M x for a symmetric M, reading only its upper triangle (half the work). */
export function symQuadForm(m: Float64Array, x: Float64Array, d: number): number {
  let q = 0;
  for (let i = 0; i < d; i++) {
    const xi = x[i]!;
    if (xi === 0) continue; // one-hot blocks: most rows drop out
    const row = i * d;
    let s0 = 0;
    let s1 = 0;
    let j = i + 1;
    for (; j + 1 < d; j += 2) {
      s0 += m[row + j]! * x[j]!;
      s1 += m[row + j + 1]! * x[j + 1]!;
    }
    if (j < d) s0 += m[row + j]! * x[j]!;
    q += xi * (m[row + i]! * xi + 2 * (s0 + s1));
  }
  return q;
}

/** d x d identity times `scale`. */
export function scaledIdentity(d: number, scale: number): Float64Array {
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++) m[i * d + i] = scale;
  return m;
}

/**
 * out = M x for a symmetric M stored in its upper triangle (i <= j; the lower one is never
 * read): each stored entry serves both M_ij x_j and M_ji x_i.
 */
export function symMatVec(m: Float64Array, x: Float64Array, d: number, out: Float64Array): Float64Array {
  out.fill(0, 0, d);
  for (let i = 0; i < d; i++) {
    const xi = x[i]!;
    const row = i * d;
    let s = m[row + i]! * xi;
    for (let j = i + 1; j < d; j++) {
      const a = m[row + j]!;
      s += a * x[j]!;
      out[j] = out[j]! + a * xi;
    }
    out[i] = out[i]! + s;
  }
  return out;
}

/**
 * Sherman-Morrison on the upper triangle: given Ainv = A^-1 (symmetric, upper triangle
 * stored), makes it (A + x x^T)^-1 in place: Ainv -= (Ainv x)(Ainv x)^T / (1 + x^T Ainv x).
 * Only entries i <= j are read or written (half the memory traffic of the full update).
 * `u` receives Ainv x (the old A^-1); returns the denominator 1 + x^T Ainv x.
 */
export function shermanMorrison(ainv: Float64Array, x: Float64Array, d: number, u: Float64Array): number {
  symMatVec(ainv, x, d, u);
  const denom = 1 + dot(x, u, d);
  const inv = 1 / denom;
  for (let i = 0; i < d; i++) {
    const ui = u[i]! * inv;
    if (ui === 0) continue;
    const row = i * d;
    for (let j = i; j < d; j++) ainv[row + j] = ainv[row + j]! - ui * u[j]!;
  }
  return denom;
}

/** Copies the upper triangle onto the lower one (for reading a symmetric matrix in full). */
export function mirrorUpper(m: Float64Array, d: number): Float64Array {
  const out = Float64Array.from(m);
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) out[j * d + i] = out[i * d + j]!;
  return out;
}

/**
 * Rank-1 update of an upper-triangular Cholesky factor R (B = R^T R) to B + x x^T, in place,
 * by Givens-style rotations (numerically stable, O(d^2)). `x` is used as scratch.
 */
export function cholUpdate(r: Float64Array, x: Float64Array, d: number): void {
  for (let k = 0; k < d; k++) {
    const xk = x[k]!;
    if (xk === 0) continue; // nothing to rotate in this column
    const row = k * d;
    const rkk = r[row + k]!;
    const rad = Math.hypot(rkk, xk);
    const c = rad / rkk;
    const s = xk / rkk;
    r[row + k] = rad;
    for (let i = k + 1; i < d; i++) {
      const rki = (r[row + i]! + s * x[i]!) / c;
      r[row + i] = rki;
      x[i] = c * x[i]! - s * rki;
    }
  }
}

/** Solves R^T w = x for upper-triangular R (column sweep: contiguous rows). x is scratch. */
export function solveUpperTransposed(r: Float64Array, x: Float64Array, d: number, w: Float64Array): Float64Array {
  for (let k = 0; k < d; k++) {
    const row = k * d;
    const wk = x[k]! / r[row + k]!;
    w[k] = wk;
    if (wk === 0) continue;
    for (let i = k + 1; i < d; i++) x[i] = x[i]! - r[row + i]! * wk;
  }
  return w;
}

/** Solves R t = z for upper-triangular R (back substitution along rows). */
export function solveUpper(r: Float64Array, z: Float64Array, d: number, t: Float64Array): Float64Array {
  for (let i = d - 1; i >= 0; i--) {
    const row = i * d;
    let s = z[i]!;
    for (let k = i + 1; k < d; k++) s -= r[row + k]! * t[k]!;
    t[i] = s / r[row + i]!;
  }
  return t;
}

/** The upper triangle (i <= j) of a d x d row-major matrix, row by row: half the JSON, and
 * all that the symmetric (upper-stored) and upper-triangular matrices here hold. */
export function packUpper(m: Float64Array, d: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) out.push(m[i * d + j]!);
  return out;
}

/** Inverse of packUpper; `symmetric` mirrors the triangle, otherwise the lower part is 0. */
export function unpackUpper(packed: readonly number[], d: number, symmetric: boolean): Float64Array {
  if (packed.length !== (d * (d + 1)) / 2)
    throw new Error(`expected ${(d * (d + 1)) / 2} packed entries for d = ${d}, got ${packed.length}`);
  const m = new Float64Array(d * d);
  let k = 0;
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = packed[k++]!;
      m[i * d + j] = v;
      if (symmetric) m[j * d + i] = v;
    }
  }
  return m;
}
