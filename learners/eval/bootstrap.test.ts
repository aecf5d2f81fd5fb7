import { describe, expect, it } from 'vitest';
import { bootstrapCI, bootstrapMean, bootstrapPairedDiff, quantileSorted } from './bootstrap.ts';
import { mulberry32 } from '../../core/rng.ts';

describe('percentile bootstrap', () => {
  it('type-7 quantiles', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    // h = 3 * .25 = .75 -> 1 + .75 * 1.
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBe(1.75);
  });

  it('a constant sample gives a zero-width interval; a seed gives the same interval', () => {
    const c = bootstrapMean([0.5, 0.5, 0.5]);
    expect([c.lower, c.estimate, c.upper, c.se]).toEqual([0.5, 0.5, 0.5, 0]);
    expect(c.resamples).toBe(1000);
    expect(c.level).toBe(0.95);
    const xs = [0, 1, 1, 0, 1, 1, 1, 0, 1, 1];
    expect(bootstrapMean(xs, { seed: 5 })).toEqual(bootstrapMean(xs, { seed: 5 }));
    expect(bootstrapMean(xs, { seed: 5 })).not.toEqual(bootstrapMean(xs, { seed: 6 }));
  });

  it('the interval brackets the estimate and matches the normal approximation roughly', () => {
    const rand = mulberry32(1);
    const xs = Array.from({ length: 400 }, () => (rand() < 0.6 ? 1 : 0));
    const c = bootstrapMean(xs, { seed: 2 });
    expect(c.lower).toBeLessThan(c.estimate);
    expect(c.upper).toBeGreaterThan(c.estimate);
    const se = Math.sqrt((c.estimate * (1 - c.estimate)) / xs.length);
    expect(c.se).toBeCloseTo(se, 2);
    expect(c.upper - c.lower).toBeCloseTo(2 * 1.96 * se, 1);
  });

  it('95% intervals cover the true mean about 95% of the time (seeded)', () => {
    const rand = mulberry32(42);
    const trials = 200;
    let covered = 0;
    for (let k = 0; k < trials; k++) {
      // Exponential(1): skewed, true mean 1.
      const xs = Array.from({ length: 60 }, () => -Math.log(1 - rand()));
      const c = bootstrapMean(xs, { seed: k + 1, resamples: 500 });
      if (c.lower <= 1 && 1 <= c.upper) covered++;
    }
    // Percentile intervals under-cover a little on skewed data at n = 60.
    expect(covered / trials).toBeGreaterThan(0.87);
    expect(covered / trials).toBeLessThan(0.99);
  });

  it('any statistic; non-finite resamples are counted; paired differences', () => {
    const median = (s: readonly number[]) =>
      quantileSorted(
        [...s].sort((a, b) => a - b),
        0.5,
      );
    expect(bootstrapCI([1, 2, 3, 4, 5], median, { resamples: 200 }).estimate).toBe(3);
    // The ratio is NaN on resamples that draw only zeros.
    const ratio = (s: readonly number[]) => s.reduce((a, b) => a + b, 0) / s.filter((v) => v > 0).length;
    const c = bootstrapCI([0, 0, 1], ratio, { resamples: 500, seed: 3 });
    expect(c.invalid).toBeGreaterThan(0);
    expect(c.lower).toBe(1);
    expect(bootstrapPairedDiff([1, 1, 1], [0, 0, 0]).lower).toBe(1);
    expect(() => bootstrapPairedDiff([1], [1, 2])).toThrow(/paired/);
    expect(() => bootstrapMean([])).toThrow(/at least one/);
  });
});
