import { describe, expect, it } from 'vitest';
import {
  meanInterval,
  momentsOf,
  proportionDifference,
  quantileDifference,
  quantileInterval,
  t975,
  welchDifference,
  wilson,
} from './intervals.ts';

describe('intervals', () => {
  it('t quantiles match the table and the expansion beyond it', () => {
    expect(t975(1)).toBeCloseTo(12.7062, 4);
    expect(t975(10)).toBeCloseTo(2.2281, 4);
    expect(t975(30)).toBeCloseTo(2.0423, 3);
    expect(t975(100)).toBeCloseTo(1.984, 3);
    expect(t975(0)).toBeNaN();
  });

  it('mean interval is the t interval', () => {
    const i = meanInterval(momentsOf([1, 2, 3, 4, 5]));
    expect(i.estimate).toBe(3);
    expect(i.upper - 3).toBeCloseTo((2.7764 * Math.sqrt(2.5)) / Math.sqrt(5), 4);
    expect(meanInterval(momentsOf([7])).lower).toBeNaN();
  });

  it('Welch difference reduces to the pooled t interval for equal sizes and variances', () => {
    const a = momentsOf([1, 2, 3, 4, 5]);
    const b = momentsOf([3, 4, 5, 6, 7]);
    const d = welchDifference(a, b);
    expect(d.estimate).toBe(2);
    // se = sqrt(2.5/5 + 2.5/5) = 1, df = 8
    expect(d.upper - 2).toBeCloseTo(2.306, 3);
  });

  it('Wilson and Newcombe match the published examples', () => {
    const w = wilson(81, 263); // Newcombe 1998 (Stat Med 17:857), example: 81/263, score interval 0.2553-0.3662
    expect(w.lower).toBeCloseTo(0.2553, 3);
    expect(w.upper).toBeCloseTo(0.3662, 3);
    // Newcombe 1998 (Stat Med 17:873) example: 56/70 vs 48/80, difference 0.2, method 10: 0.0524 to 0.3339.
    const d = proportionDifference(48, 80, 56, 70);
    expect(d.estimate).toBeCloseTo(0.2, 10);
    expect(d.lower).toBeCloseTo(0.0524, 3);
    expect(d.upper).toBeCloseTo(0.3339, 3);
  });

  it('quantile interval brackets the quantile by order statistics', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i + 1);
    const q = quantileInterval(0.5, xs.length, (k) => xs[k - 1]!);
    expect(q.estimate).toBe(500);
    // 500 +- 1.96 * sqrt(250) = 500 +- 30.99: ranks floor(469.01) and ceil(530.99)
    expect(q.lower).toBe(469);
    expect(q.upper).toBe(531);
    const d = quantileDifference(q, { ...q, estimate: 600, lower: 569, upper: 632 });
    expect(d.estimate).toBe(100);
    expect(d.lower).toBeLessThan(100);
    expect(d.upper).toBeGreaterThan(100);
  });
});
