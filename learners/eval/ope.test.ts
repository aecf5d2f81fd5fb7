import { describe, expect, it } from 'vitest';
import {
  doublyRobust,
  effectiveSampleSize,
  ips,
  offPolicyEstimate,
  OpeError,
  snips,
  type LoggedSample,
} from './ope.ts';
import { mulberry32 } from '../../core/rng.ts';

// Hand case: contexts 0..3, logged actions a, b, a, b with p = .5, .5, .25, .75.
const LOGS: LoggedSample<number>[] = [
  { context: 0, action: 'a', propensity: 0.5, reward: 1 },
  { context: 1, action: 'b', propensity: 0.5, reward: 0 },
  { context: 2, action: 'a', propensity: 0.25, reward: 1 },
  { context: 3, action: 'b', propensity: 0.75, reward: 0.5 },
];
const ALWAYS_A = { kind: 'deterministic' as const, choose: () => 'a' };
const HALF = { kind: 'stochastic' as const, probs: () => ({ a: 0.5, b: 0.5 }) };

describe('off-policy estimates (hand-computed)', () => {
  it('deterministic target: IPS, SNIPS, DR, ESS', () => {
    // w = [2, 0, 4, 0]; IPS = (2 + 4) / 4; SNIPS = 6 / 6; ESS = 36 / 20.
    const r = offPolicyEstimate(LOGS, ALWAYS_A, { rewardModel: () => 0.5 });
    expect(r.weights).toEqual([2, 0, 4, 0]);
    expect(r.ips).toBe(1.5);
    expect(r.snips).toBe(1);
    expect(r.ess).toBeCloseTo(1.8, 12);
    expect(r.matched).toBe(2);
    expect(r.maxWeight).toBe(4);
    // DR terms: .5 + w (r - .5) = [1.5, .5, 2.5, .5] -> 1.25.
    expect(r.drTerms).toEqual([1.5, 0.5, 2.5, 0.5]);
    expect(r.dr).toBe(1.25);
    expect(ips(LOGS, ALWAYS_A)).toBe(1.5);
    expect(snips(LOGS, ALWAYS_A)).toBe(1);
    expect(doublyRobust(LOGS, ALWAYS_A, () => 0.5)).toBe(1.25);
    expect(effectiveSampleSize(r.weights)).toBeCloseTo(1.8, 12);
  });

  it('stochastic target: weights pi(a|x) / p', () => {
    // w = [1, 1, 2, 2/3]; IPS = (1 + 0 + 2 + 1/3) / 4; SNIPS = (10/3) / (14/3).
    const r = offPolicyEstimate(LOGS, HALF);
    expect(r.weights.map((w) => Number(w.toFixed(12)))).toEqual([1, 1, 2, Number((2 / 3).toFixed(12))]);
    expect(r.ips).toBeCloseTo(10 / 12, 12);
    expect(r.snips).toBeCloseTo(10 / 14, 12);
    expect(r.dr).toBeUndefined();
    // DR with rhat(x, a) = 1, rhat(x, b) = 0: direct = .5; corrections w (r - rhat(x, a_i)):
    // [1 * 0, 1 * 0, 2 * 0, 2/3 * .5] -> terms [.5, .5, .5, .5 + 1/3].
    const dr = offPolicyEstimate(LOGS, HALF, { rewardModel: (_x, a) => (a === 'a' ? 1 : 0) });
    expect(dr.dr).toBeCloseTo((2 + 1 / 3) / 4, 12);
  });

  it('a one-hot stochastic target equals the deterministic one', () => {
    const oneHot = { kind: 'stochastic' as const, probs: () => ({ a: 1, b: 0 }) };
    const rm = { rewardModel: (x: number, a: string) => (a === 'a' ? 0.3 * x : 0.1) };
    const s = offPolicyEstimate(LOGS, oneHot, rm);
    const d = offPolicyEstimate(LOGS, ALWAYS_A, rm);
    expect([s.ips, s.snips, s.dr, s.ess]).toEqual([d.ips, d.snips, d.dr, d.ess]);
  });

  it('SNIPS is undefined when no logged action matches', () => {
    const r = offPolicyEstimate(LOGS, { kind: 'deterministic', choose: () => 'c' });
    expect(r.ips).toBe(0);
    expect(r.snips).toBeUndefined();
    expect(r.ess).toBe(0);
  });

  it('DR with a perfect reward model has no variance; IPS is unbiased under uniform logging', () => {
    const rand = mulberry32(11);
    const mean = { a: 0.2, b: 0.5, c: 0.8 } as Record<string, number>;
    const logs: LoggedSample<number>[] = Array.from({ length: 20_000 }, (_, i) => {
      const action = ['a', 'b', 'c'][Math.floor(rand() * 3)]!;
      return { context: i, action, propensity: 1 / 3, reward: rand() < mean[action]! ? 1 : 0 };
    });
    const pi = { kind: 'deterministic' as const, choose: () => 'c' };
    const r = offPolicyEstimate(logs, pi, { rewardModel: (_x, a) => mean[a]! });
    expect(r.ips).toBeCloseTo(0.8, 1);
    expect(r.snips).toBeCloseTo(0.8, 1);
    expect(r.dr).toBeCloseTo(0.8, 1);
    expect(r.ess).toBeCloseTo(r.matched, 6);
  });
});

describe('invalid propensities', () => {
  const bad: LoggedSample<number>[] = [
    ...LOGS,
    { context: 4, action: 'a', propensity: 0, reward: 1 },
    { context: 5, action: 'a', propensity: 1.5, reward: 1 },
    { context: 6, action: 'a', propensity: Number.NaN, reward: 1 },
    { context: 7, action: 'a', propensity: 0.5, reward: Number.NaN },
  ];

  it('throws an OpeError with the counts by default', () => {
    let err: unknown;
    try {
      offPolicyEstimate(bad, ALWAYS_A);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OpeError);
    const e = err as OpeError;
    expect(e.message).toMatch(/4 of 8 logged rows are invalid.*zeroPropensity: 1.*propensityAboveOne: 1/);
    expect(e.invalid).toMatchObject({
      zeroPropensity: 1,
      propensityAboveOne: 1,
      nonFinitePropensity: 1,
      nonFiniteReward: 1,
      examples: [4, 5, 6, 7],
    });
  });

  it('skipInvalid leaves them out and reports them', () => {
    const r = offPolicyEstimate(bad, ALWAYS_A, { skipInvalid: true });
    expect(r.logged).toBe(8);
    expect(r.n).toBe(4);
    expect(r.ips).toBe(1.5);
    expect(r.invalid.zeroPropensity).toBe(1);
    expect(() => offPolicyEstimate(bad.slice(4, 6), ALWAYS_A, { skipInvalid: true })).toThrow(/no valid logged rows/);
  });

  it('rejects a target whose probabilities do not sum to 1', () => {
    expect(() => offPolicyEstimate(LOGS, { kind: 'stochastic', probs: () => ({ a: 0.5, b: 0.4 }) })).toThrow(
      /sum to 0.9/,
    );
  });
});
