import { describe, expect, it } from 'vitest';
import { pairedInterval, studentTCdf, studentTQuantile, tInterval } from './stats.ts';

describe('Student t', () => {
  it('matches published quantiles', () => {
    // Two-sided 95% critical values (any t table).
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062, 3);
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.7764, 4);
    expect(studentTQuantile(0.975, 31)).toBeCloseTo(2.0395, 4);
    expect(studentTQuantile(0.975, 1000)).toBeCloseTo(1.9623, 4);
    expect(studentTQuantile(0.995, 10)).toBeCloseTo(3.1693, 4);
    expect(studentTQuantile(0.025, 31)).toBeCloseTo(-2.0395, 4);
  });

  it('has a CDF that is symmetric and monotone', () => {
    expect(studentTCdf(0, 7)).toBeCloseTo(0.5, 12);
    expect(studentTCdf(1.5, 7) + studentTCdf(-1.5, 7)).toBeCloseTo(1, 12);
    expect(studentTCdf(2, 7)).toBeGreaterThan(studentTCdf(1, 7));
  });
});

describe('tInterval', () => {
  it('is mean +- t * s / sqrt(n)', () => {
    const xs = [1, 2, 3, 4, 5];
    const i = tInterval(xs);
    expect(i.mean).toBe(3);
    expect(i.sd).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(i.halfWidth).toBeCloseTo(2.776445 * (Math.sqrt(2.5) / Math.sqrt(5)), 5);
    expect(i.lower).toBeCloseTo(3 - i.halfWidth, 12);
  });

  it('gives no interval from one seed and refuses non-finite values', () => {
    expect(Number.isNaN(tInterval([0.4]).halfWidth)).toBe(true);
    expect(() => tInterval([1, NaN])).toThrow(/#1/);
    expect(() => tInterval([])).toThrow();
  });

  it('pairs seeds: a shared per-seed shift does not widen the interval', () => {
    const base = [0.1, 0.5, 0.9, 0.3, 0.7];
    const a = base.map((x) => x + 0.05);
    const p = pairedInterval(a, base);
    expect(p.mean).toBeCloseTo(0.05, 12);
    expect(p.halfWidth).toBeCloseTo(0, 12);
    expect(tInterval(a).halfWidth).toBeGreaterThan(0.1);
    expect(() => pairedInterval([1], [1, 2])).toThrow(/per seed/);
  });
});
