import { describe, expect, it } from 'vitest';
import { apgr, costAtPgr, costPgrCurve, cpt, pgr, pgrAtPoint, pgrCurve } from './two-model.ts';
import { mulberry32 } from '../../core/rng.ts';

// Hand case: d = s - w = [1, 0, 0, 1], sum 2; score order 0 (.9), 3 (.7), 2 (.5), 1 (.1).
const S = [1, 1, 0, 1];
const W = [0, 1, 0, 0];
const SCORE = [0.9, 0.1, 0.5, 0.7];

describe('PGR curve, APGR, CPT', () => {
  it('matches the hand-computed curve', () => {
    const c = pgrCurve(S, W, SCORE);
    expect(c.qStrong).toBe(0.75);
    expect(c.qWeak).toBe(0.25);
    expect(c.points.map((p) => [p.share, p.pgr])).toEqual([
      [0, 0],
      [0.25, 0.5],
      [0.5, 1],
      [0.75, 1],
      [1, 1],
    ]);
    expect(c.points.map((p) => p.quality)).toEqual([0.25, 0.5, 0.75, 0.75, 0.75]);
    expect(c.points[1]!.threshold).toBe(0.9);
    // Trapezoids: .0625 + .1875 + .25 + .25.
    expect(c.apgr).toBeCloseTo(0.75, 12);
  });

  it('CPT interpolates linearly between curve points', () => {
    const c = pgrCurve(S, W, SCORE);
    expect(cpt(c, 0.5)).toBeCloseTo(0.25, 12);
    // Between (.25, .5) and (.5, 1): .25 + (.25 / .5) * .25.
    expect(cpt(c, 0.75)).toBeCloseTo(0.375, 12);
    expect(cpt(c, 0)).toBe(0);
    expect(cpt(c, 1)).toBeCloseTo(0.5, 12);
    expect(() => cpt(c, 50)).toThrow(/fraction|0.5 for 50%/);
  });

  it('groups ties: a constant score is the diagonal (APGR 0.5, CPT(50%) = 0.5)', () => {
    const c = pgrCurve(S, W, [1, 1, 1, 1]);
    expect(c.points.map((p) => [p.share, p.pgr])).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(c.apgr).toBe(0.5);
    expect(cpt(c, 0.5)).toBe(0.5);
    // Index mode breaks the tie by prompt order instead: d = 1, 0, 0, 1.
    const byIndex = pgrCurve(S, W, [1, 1, 1, 1], { ties: 'index' });
    expect(byIndex.points.map((p) => p.pgr)).toEqual([0, 0.5, 0.5, 0.5, 1]);
    expect(byIndex.apgr).toBeCloseTo(0.0625 + 0.125 + 0.125 + 0.1875, 12);
  });

  it('partial ties: one point at the end of a tied group', () => {
    const c = pgrCurve(S, W, [0.9, 0.5, 0.5, 0.7]);
    expect(c.points.map((p) => p.share)).toEqual([0, 0.25, 0.5, 1]);
  });

  it('a random router has APGR ~0.5 on average; the oracle ordering is best', () => {
    const rand = mulberry32(7);
    const n = 200;
    const s = Array.from({ length: n }, () => (rand() < 0.7 ? 1 : 0));
    const w = Array.from({ length: n }, () => (rand() < 0.4 ? 1 : 0));
    let total = 0;
    for (let k = 0; k < 200; k++)
      total += apgr(
        s,
        w,
        Array.from({ length: n }, () => rand()),
      );
    expect(total / 200).toBeCloseTo(0.5, 1);
    const oracle = apgr(
      s,
      w,
      s.map((x, i) => x - w[i]!),
    );
    expect(oracle).toBeGreaterThan(0.75);
  });

  it('PGR of a single operating point and of means', () => {
    const p = pgrAtPoint(S, W, [true, false, false, false]);
    expect(p).toEqual({ share: 0.25, strongCalls: 1, quality: 0.5, pgr: 0.5 });
    expect(pgr(0.5, 0.25, 0.75)).toBe(0.5);
    // Beating the strong model: PGR > 1 (not clamped).
    expect(pgr(0.8, 0.25, 0.75)).toBeCloseTo(1.1, 12);
  });

  it('rejects a zero quality gap and mismatched lengths', () => {
    expect(() => pgrCurve([1, 0], [0, 1], [1, 2])).toThrow(/same mean quality/);
    expect(() => pgrCurve([1, 0], [0], [1, 2])).toThrow(/equal lengths/);
    expect(() => pgr(0.5, 0.3, 0.3)).toThrow(/undefined/);
  });
});

describe('PGR over cost', () => {
  const n = S.length;
  const weakOnly = 1;
  const strongOnly = 11;
  const cW = new Array<number>(n).fill(weakOnly);
  const cS = new Array<number>(n).fill(strongOnly);

  it('equals APGR when each prompt costs one model (a pre-generation router at fixed prices)', () => {
    const c = costPgrCurve(S, W, SCORE, cW, cS, { weakOnly, strongOnly });
    expect(c.costApgr).toBeCloseTo(apgr(S, W, SCORE), 12);
    expect(c.points.map((p) => p.u)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    // PGR 0.5 at share 0.25: 1 + 0.25 * 10.
    expect(costAtPgr(c, 0.5)).toBeCloseTo(3.5, 12);
  });

  it('charges a cascade for the weak call it always makes', () => {
    // Cascade: weak always paid, strong on top when escalated.
    const c = costPgrCurve(
      S,
      W,
      SCORE,
      cW,
      cW.map((w, i) => w + cS[i]!),
      { weakOnly, strongOnly },
    );
    // Same ranking, so the same PGR at each share, but every point costs more: u = 0.1 * k... shifted by 0.
    expect(c.points[0]!.u).toBe(0);
    expect(c.points[1]!.u).toBeCloseTo(0.275, 12); // (1 + 0.25 * 11 - 1) / 10
    expect(c.costApgr).toBeLessThan(apgr(S, W, SCORE));
    // A cascade with extra peer calls starts to the right of 0, from the weak model alone at (0, 0).
    const peer = costPgrCurve(
      S,
      W,
      SCORE,
      cW.map((w) => w + 1),
      cW.map((w, i) => w + 1 + cS[i]!),
      { weakOnly, strongOnly },
    );
    expect(peer.points[0]).toMatchObject({ u: 0, pgr: 0 });
    expect(peer.points[1]!.u).toBeCloseTo(0.1, 12);
    expect(peer.costApgr).toBeLessThan(c.costApgr);
  });

  it('rejects a strong model that is not dearer than the weak one', () => {
    expect(() => costPgrCurve(S, W, SCORE, cW, cS, { weakOnly: 2, strongOnly: 2 })).toThrow(/must cost more/);
  });
});
