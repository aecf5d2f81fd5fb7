import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeReward, rewardSchema } from './reward.ts';

const num = fc.oneof(fc.double({ noNaN: false }), fc.constant(Number.POSITIVE_INFINITY), fc.constant(-1e300));
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

describe('reward', () => {
  it('is in [0, 1] for any weights and inputs (property)', () => {
    const cfg = fc.record({
      quality: fc.double({ min: 0, max: 1e6, noNaN: true }),
      cost: fc.double({ min: 0, max: 1e6, noNaN: true }),
      slo: fc.double({ min: 0, max: 1e6, noNaN: true }),
      energy: fc.double({ min: 0, max: 1e6, noNaN: true }),
      cost_scale: fc.double({ min: 1e-9, max: 1e6, noNaN: true }),
      energy_scale: fc.double({ min: 1e-9, max: 1e6, noNaN: true }),
      missing_quality: fc.constantFrom('skip' as const, 'zero' as const),
    });
    const x = fc.record({
      quality: maybe(num),
      costUsd: maybe(num),
      sloViolated: maybe(fc.oneof(fc.boolean(), num)),
      energyJ: maybe(num),
    });
    fc.assert(
      fc.property(cfg, x, (c, input) => {
        fc.pre(c.quality + c.cost + c.slo + c.energy > 0);
        const r = computeReward(c, input);
        if (r !== undefined) {
          expect(r).toBeGreaterThanOrEqual(0);
          expect(r).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('defaults to the quality alone', () => {
    const c = rewardSchema.parse({});
    expect(computeReward(c, { quality: 0.7, costUsd: 5, sloViolated: true, energyJ: 1e9 })).toBe(0.7);
    expect(computeReward(c, { costUsd: 5 })).toBeUndefined(); // missing quality: skip
    expect(computeReward(rewardSchema.parse({ missing_quality: 'zero' }), {})).toBe(0);
  });

  it('is the weighted mean of the goodness terms', () => {
    const c = rewardSchema.parse({ quality: 2, cost: 1, slo: 1, energy: 0, cost_scale: 0.01 });
    // (2*1 + 1*(1 - 0.005/0.01) + 1*(1 - 1)) / 4 = 2.5 / 4
    expect(computeReward(c, { quality: 1, costUsd: 0.005, sloViolated: true })).toBeCloseTo(0.625);
    // Cheaper and on time is strictly better at equal quality.
    expect(computeReward(c, { quality: 1, costUsd: 0.001, sloViolated: false })!).toBeGreaterThan(0.625);
    // A missing term drops out: (2*1 + 1*0.5) / 3.
    expect(computeReward(c, { quality: 1, costUsd: 0.005 })).toBeCloseTo(2.5 / 3);
    // Costs beyond the scale saturate.
    expect(computeReward(c, { quality: 0, costUsd: 1e6, sloViolated: true })).toBe(0);
  });

  it('rejects all-zero or negative weights', () => {
    expect(rewardSchema.safeParse({ quality: 0 }).success).toBe(false);
    expect(rewardSchema.safeParse({ energy: -1 }).success).toBe(false);
    expect(rewardSchema.safeParse({ energy_scale: 0 }).success).toBe(false);
  });
});
