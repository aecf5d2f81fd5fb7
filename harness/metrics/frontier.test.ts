import { describe, expect, it } from 'vitest';
import { aiq, linspace, ndch, ndchValue, sweepRouter, zeroRouter } from './frontier.ts';

const pt = (cost: number, quality: number, label?: string) => (label ? { cost, quality, label } : { cost, quality });

describe('NDCH', () => {
  it('drops a point under the chord, a dominated point and points past the top quality', () => {
    const hull = ndch([pt(0, 0), pt(1, 0.8), pt(2, 0.9), pt(1.5, 0.5), pt(3, 0.85), pt(0.5, 0.1)]);
    expect(hull.map((p) => [p.cost, p.quality])).toEqual([
      [0, 0],
      [1, 0.8],
      [2, 0.9],
    ]);
  });

  it('removes a point below the mixture of its neighbours', () => {
    // (1, .3) is below the chord from (0, 0) to (2, 1), which passes (1, .5).
    expect(ndch([pt(0, 0), pt(1, 0.3), pt(2, 1)]).map((p) => p.cost)).toEqual([0, 2]);
    // On the chord exactly: not a vertex either.
    expect(ndch([pt(0, 0), pt(1, 0.5), pt(2, 1)]).map((p) => p.cost)).toEqual([0, 2]);
  });

  it('keeps the best point at equal cost and starts at the cheapest point', () => {
    const hull = ndch([pt(1, 0.2), pt(1, 0.6), pt(2, 0.5)]);
    // (2, .5) is worse and dearer than (1, .6): the frontier is the single point.
    expect(hull).toEqual([pt(1, 0.6)]);
    expect(ndchValue(hull, 0.5)).toBeUndefined();
    expect(ndchValue(hull, 5)).toBe(0.6);
  });

  it('evaluates f by linear interpolation, flat after the top', () => {
    const hull = ndch([pt(0, 0), pt(1, 0.8), pt(2, 0.9)]);
    expect(ndchValue(hull, 0.5)).toBeCloseTo(0.4, 12);
    expect(ndchValue(hull, 1.5)).toBeCloseTo(0.85, 12);
    expect(ndchValue(hull, 10)).toBe(0.9);
  });
});

describe('AIQ', () => {
  it('is the normalised area under the NDCH (hand-computed)', () => {
    // [0, 3]: 0.4 (0..1) + 0.85 (1..2) + 0.9 (2..3, flat) = 2.15, / 3.
    expect(aiq([pt(0, 0), pt(1, 0.8), pt(2, 0.9), pt(1.5, 0.5), pt(3, 0.85)])).toBeCloseTo(2.15 / 3, 12);
    // A common range inside the points: [0.5, 1.5] -> (0.4 + 0.8)/2 * .5 + (0.8 + 0.85)/2 * .5.
    expect(aiq([pt(0, 0), pt(1, 0.8), pt(2, 0.9)], { cMin: 0.5, cMax: 1.5 })).toBeCloseTo(0.3 + 0.4125, 12);
  });

  it('a single point or a zero-width range gives its quality; a range below the cheapest point is an error', () => {
    expect(aiq([pt(1, 0.7)])).toBe(0.7);
    expect(aiq([pt(0, 0), pt(2, 1)], { cMin: 1, cMax: 1 })).toBe(0.5);
    expect(() => aiq([pt(1, 0.7), pt(2, 0.9)], { cMin: 0, cMax: 2 })).toThrow(/below the cheapest/);
    expect(() => ndch([pt(Number.NaN, 1)])).toThrow(/non-finite/);
  });
});

describe('zero router and parametric routers', () => {
  it('zero router = NDCH of the single-model points', () => {
    const z = zeroRouter([pt(1, 0.5, 'small'), pt(10, 0.9, 'large'), pt(5, 0.6, 'mid')]);
    expect(z.hull.map((p) => p.label)).toEqual(['small', 'large']);
    expect(z.range).toEqual({ cMin: 1, cMax: 10 });
    // Straight line from (1, .5) to (10, .9): mean .7.
    expect(z.aiq).toBeCloseTo(0.7, 12);
  });

  it('a cost-weight sweep over a perfect router beats the zero router on the same range', () => {
    // Two prompts; small is right on prompt 0 only, large on both. Costs 1 and 10 per prompt.
    const q = { small: [1, 0], large: [1, 1] };
    const c = { small: 1, large: 10 };
    const evaluate = (lambda: number) => {
      let quality = 0;
      let cost = 0;
      for (const i of [0, 1]) {
        const m = q.large[i]! - lambda * c.large > q.small[i]! - lambda * c.small ? 'large' : 'small';
        quality += q[m][i]! / 2;
        cost += c[m] / 2;
      }
      return { cost, quality };
    };
    const r = sweepRouter(linspace(0, 0.2, 21), evaluate);
    expect(r.points).toHaveLength(21);
    expect(r.points[0]!.label).toBe('param=0');
    // lambda < 1/9 -> small on 0 (tie at 0 goes to small), large on 1: (5.5, 1); lambda > 1/9 -> small: (1, .5).
    expect(r.hull.map((p) => [p.cost, p.quality])).toEqual([
      [1, 0.5],
      [5.5, 1],
    ]);
    const zero = zeroRouter([pt(1, 0.5), pt(10, 1)]);
    // Router: ramp to 1 at 5.5 then flat: (0.75 * 4.5 + 1 * 4.5) / 9 = 0.875; zero router 0.75.
    expect(aiq(r.points, zero.range)).toBeCloseTo(0.875, 12);
    expect(zero.aiq).toBeCloseTo(0.75, 12);
  });

  it('linspace', () => {
    expect(linspace(0, 1, 5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(2, 3, 1)).toEqual([2]);
  });
});
