import { describe, expect, it } from 'vitest';
import { growthExponent, qualityMinusCost, regretCurve, regretFromTable } from './regret.ts';
import { mulberry32 } from '../../core/rng.ts';

describe('regret', () => {
  it('matches a hand-computed curve with u = quality - lambda * cost', () => {
    // Arms a (cheap, weak) and b (dear, strong); lambda = 10.
    const u = qualityMinusCost(10);
    const table: Record<string, { quality: number; cost: number }>[] = [
      { a: { quality: 1, cost: 0.01 }, b: { quality: 1, cost: 0.05 } }, // u: .9 vs .5 -> best a
      { a: { quality: 0, cost: 0.01 }, b: { quality: 1, cost: 0.05 } }, // u: -.1 vs .5 -> best b
      { a: { quality: 0.5, cost: 0.01 }, b: { quality: 0.8, cost: 0.05 } }, // u: .4 vs .3 -> best a
    ];
    const r = regretCurve(table, ['b', 'b', 'b'], ['a', 'b'], (x, arm) => u(x[arm]!));
    expect(r.bestArms).toEqual(['a', 'b', 'a']);
    expect(r.instantaneous.map((v) => Number(v.toFixed(12)))).toEqual([0.4, 0, 0.1]);
    expect(r.cumulative.map((v) => Number(v.toFixed(12)))).toEqual([0.4, 0.4, 0.5]);
    expect(r.total).toBeCloseTo(0.5, 12);
    expect(r.mean).toBeCloseTo(0.5 / 3, 12);
  });

  it('table form, and errors on unknown arms', () => {
    const r = regretFromTable(
      [
        [0.2, 0.9],
        [0.5, 0.1],
      ],
      [0, 0],
    );
    expect(r.cumulative.map((v) => Number(v.toFixed(12)))).toEqual([0.7, 0.7]);
    expect(() => regretFromTable([[1, 2]], [5])).toThrow(/not one of the arms/);
    expect(() => regretCurve([1], [], [0], () => 0)).toThrow(/1 contexts but 0 choices/);
  });
});

describe('growthExponent', () => {
  const curve = (T: number, f: (t: number) => number) => Array.from({ length: T }, (_, i) => f(i + 1));

  it('recovers exact power laws', () => {
    expect(growthExponent(curve(10_000, (t) => 3 * t))!.exponent).toBeCloseTo(1, 9);
    const sqrt = growthExponent(curve(10_000, (t) => 2 * Math.sqrt(t)))!;
    expect(sqrt.exponent).toBeCloseTo(0.5, 9);
    expect(sqrt.scale).toBeCloseTo(2, 6);
    expect(sqrt.r2).toBeCloseTo(1, 9);
    // log t grows slower than any power: the tail slope is 1 / ln t ~ 0.1 here.
    expect(growthExponent(curve(10_000, (t) => Math.log(1 + t)))!.exponent).toBeLessThan(0.15);
  });

  it('a fixed wrong arm gives linear regret; a learner that stops erring gives a flat tail', () => {
    const rand = mulberry32(3);
    const utilities = Array.from({ length: 5000 }, () => [0.5 + 0.1 * rand(), 0.2 * rand()]);
    const fixedWrong = regretFromTable(
      utilities,
      utilities.map(() => 1),
    );
    expect(growthExponent(fixedWrong.cumulative)!.exponent).toBeCloseTo(1, 1);
    // Explores for 100 steps then always right: regret stops growing.
    const learner = regretFromTable(
      utilities,
      utilities.map((_, t) => (t < 100 ? t % 2 : 0)),
    );
    expect(growthExponent(learner.cumulative)!.exponent).toBeLessThan(0.01);
  });

  it('undefined without positive regret', () => {
    expect(growthExponent(new Array<number>(100).fill(0))).toBeUndefined();
    expect(growthExponent([1])).toBeUndefined();
  });
});
