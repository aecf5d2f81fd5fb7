import { describe, expect, it } from 'vitest';
import type { FeatureLayout } from '../types.ts';
import { linThompsonHyperSchema, LinThompson } from './lin-thompson.ts';
import {
  cholUpdate,
  mirrorUpper,
  packUpper,
  scaledIdentity,
  shermanMorrison,
  solveUpper,
  solveUpperTransposed,
  symMatVec,
  symQuadForm,
  unpackUpper,
} from './linalg.ts';
import { LinUcb, linucbHyperSchema } from './linucb.ts';
import { ACTIONS, makeCtx } from './testing.ts';
import { Rng } from '../../core/rng.ts';

/** Direct inverse by Gauss-Jordan with partial pivoting (the reference). */
function inverse(m: number[][]): number[][] {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    const piv = a[c]![c]!;
    for (let j = 0; j < 2 * n; j++) a[c]![j]! /= piv;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]!;
      for (let j = 0; j < 2 * n; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return a.map((row) => row.slice(n));
}

function gram(xs: Float64Array[], d: number, lambda: number): number[][] {
  return Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => (i === j ? lambda : 0) + xs.reduce((s, x) => s + x[i]! * x[j]!, 0)),
  );
}

const randomVectors = (n: number, d: number, seed: number) => {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => Float64Array.from({ length: d }, () => r.normal()));
};

describe('Sherman-Morrison', () => {
  it('keeps A^-1 equal to the direct inverse of lambda I + sum x x^T', () => {
    const d = 5;
    const xs = randomVectors(12, d, 1);
    const ainv = scaledIdentity(d, 1 / 2);
    for (const x of xs) shermanMorrison(ainv, x, d, new Float64Array(d));
    const direct = inverse(gram(xs, d, 2));
    const full = mirrorUpper(ainv, d); // only the upper triangle is maintained
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) expect(full[i * d + j]).toBeCloseTo(direct[i]![j]!, 10);
    // The upper-triangle mat-vec and quadratic form agree with the full matrix.
    const x = xs[0]!;
    const u = symMatVec(ainv, x, d, new Float64Array(d));
    const q = direct.reduce((s, row, i) => s + x[i]! * row.reduce((t, v, j) => t + v * x[j]!, 0), 0);
    direct.forEach((row, i) =>
      expect(u[i]).toBeCloseTo(
        row.reduce((t, v, j) => t + v * x[j]!, 0),
        10,
      ),
    );
    expect(symQuadForm(ainv, x, d)).toBeCloseTo(q, 10);
  });

  it('LinUCB keeps A^-1 and theta = A^-1 b per arm', () => {
    const layout: FeatureLayout = {
      blocks: [
        { kind: 'bias', dim: 1 },
        { kind: 'length', dim: 2 },
        { kind: 'turn', dim: 4 },
      ],
      dim: 7,
    };
    const l = new LinUcb(ACTIONS, layout, linucbHyperSchema.parse({ lambda: 0.5 }));
    const ctxs = Array.from({ length: 9 }, (_, t) =>
      makeCtx({
        text: 'y'.repeat(t * 13 + 1),
        tokens: 10 + t * t * 40,
        turn: t % 4,
        ...(t % 2 ? { previousPool: 'small' } : {}),
      }),
    );
    const rewards = ctxs.map((_, t) => (t % 3) / 2);
    ctxs.forEach((c, t) => l.update(c, 'large', rewards[t]!));
    const xs = ctxs.map((c) =>
      Float64Array.from([
        1,
        Math.log1p(c.promptTokensEstimate) / 10,
        Math.log1p(c.text.length) / 10,
        c.labels.turn === 0 ? 1 : 0,
        c.labels.turn === 1 ? 1 : 0,
        c.labels.turn >= 2 ? 1 : 0,
        c.previousPool ? 1 : 0,
      ]),
    );
    const direct = inverse(gram(xs, 7, 0.5));
    const ainv = l.inverse(2);
    for (let i = 0; i < 7; i++) for (let j = 0; j < 7; j++) expect(ainv[i * 7 + j]).toBeCloseTo(direct[i]![j]!, 9);
    const b = Array.from({ length: 7 }, (_, i) => xs.reduce((s, x, t) => s + rewards[t]! * x[i]!, 0));
    const theta = direct.map((row) => row.reduce((s, v, j) => s + v * b[j]!, 0));
    const probe = makeCtx({ text: 'probe', tokens: 300, turn: 1 });
    const px = [1, Math.log1p(300) / 10, Math.log1p(5) / 10, 0, 1, 0, 0];
    expect(l.means(probe)[2]).toBeCloseTo(
      theta.reduce((s, v, i) => s + v * px[i]!, 0),
      9,
    );
    expect(l.means(probe)[0]).toBe(0); // untouched arm
  });
});

describe('Cholesky rank-1 update and triangular solves', () => {
  it('R^T R tracks lambda I + sum x x^T and the solves invert it', () => {
    const d = 6;
    const xs = randomVectors(10, d, 2);
    const r = scaledIdentity(d, Math.sqrt(3));
    for (const x of xs) cholUpdate(r, Float64Array.from(x), d);
    const b = gram(xs, d, 3);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += r[k * d + i]! * r[k * d + j]!;
        expect(s).toBeCloseTo(b[i]![j]!, 10);
        if (j < i) expect(r[i * d + j]).toBe(0); // stays upper-triangular
      }
    }
    const f = Float64Array.from({ length: d }, (_, i) => i - 2);
    const y = solveUpperTransposed(r, Float64Array.from(f), d, new Float64Array(d));
    const mu = solveUpper(r, y, d, new Float64Array(d));
    const direct = inverse(b).map((row) => row.reduce((s, v, j) => s + v * f[j]!, 0));
    mu.forEach((v, i) => expect(v).toBeCloseTo(direct[i]!, 10));
  });

  it('linear Thompson: posterior mean is B^-1 f and theta draws have covariance v^2 B^-1', () => {
    const layout: FeatureLayout = {
      blocks: [
        { kind: 'bias', dim: 1 },
        { kind: 'length', dim: 2 },
      ],
      dim: 3,
    };
    const l = new LinThompson(ACTIONS, layout, linThompsonHyperSchema.parse({ v: 0.7, lambda: 1 }));
    const ctxs = [5, 50, 500, 5000].map((t, i) => makeCtx({ tokens: t, text: 'z'.repeat(i * 30 + 1) }));
    ctxs.forEach((c, i) => l.update(c, 'small', i / 3));
    const xs = ctxs.map((c) =>
      Float64Array.from([1, Math.log1p(c.promptTokensEstimate) / 10, Math.log1p(c.text.length) / 10]),
    );
    const cov = inverse(gram(xs, 3, 1));
    const f = [0, 1, 2].map((j) => xs.reduce((s, x, i) => s + (i / 3) * x[j]!, 0));
    const mu = cov.map((row) => row.reduce((s, v, j) => s + v * f[j]!, 0));
    const probe = makeCtx({ tokens: 200, text: 'probe text' });
    const px = [1, Math.log1p(200) / 10, Math.log1p(10) / 10];
    expect(l.scores(probe)[0]).toBeCloseTo(
      mu.reduce((s, v, i) => s + v * px[i]!, 0),
      10,
    );
    // Empirical covariance of 20k draws within 5% of v^2 B^-1 on the diagonal.
    const rng = new Rng(9);
    const n = 20_000;
    const sum = [0, 0, 0];
    const sq = [0, 0, 0];
    for (let k = 0; k < n; k++) {
      const t = l.sampleTheta(0, rng);
      for (let j = 0; j < 3; j++) {
        sum[j]! += t[j]!;
        sq[j]! += t[j]! * t[j]!;
      }
    }
    for (let j = 0; j < 3; j++) {
      const mean = sum[j]! / n;
      expect(mean).toBeCloseTo(mu[j]!, 1);
      expect((sq[j]! / n - mean * mean) / (0.49 * cov[j]![j]!)).toBeGreaterThan(0.95);
      expect((sq[j]! / n - mean * mean) / (0.49 * cov[j]![j]!)).toBeLessThan(1.05);
    }
  });
});

describe('packing', () => {
  it('packUpper/unpackUpper round-trip symmetric and triangular matrices exactly', () => {
    const d = 4;
    const s = scaledIdentity(d, 1);
    shermanMorrison(s, Float64Array.from([0.1, -0.2, 0.3, 0.7]), d, new Float64Array(d));
    expect(unpackUpper(packUpper(s, d), d, true)).toEqual(mirrorUpper(s, d));
    const r = scaledIdentity(d, 2);
    cholUpdate(r, Float64Array.from([1, 2, 3, 4]), d);
    expect(unpackUpper(packUpper(r, d), d, false)).toEqual(r);
    expect(() => unpackUpper([1, 2], d, true)).toThrow(/expected 10 packed entries/);
  });
});
