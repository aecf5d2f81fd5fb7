import { describe, expect, it } from 'vitest';
import { BetaThompson, betaThompsonHyperSchema } from './beta-thompson.ts';
import { ACTIONS, makeCtx } from './testing.ts';

const math = makeCtx({ category: 'math' });
const code = makeCtx({ category: 'code' });

describe('beta_thompson posterior (Semantic Router routing_sampling)', () => {
  it('no seeds: alpha = successes + 1, beta = failures + 1, fractional rewards split', () => {
    const l = new BetaThompson(ACTIONS, betaThompsonHyperSchema.parse({}));
    for (const r of [1, 0, 0.25]) l.update(math, 'small', r);
    const p = l.posterior(math);
    expect(p.alpha).toEqual([1 + 1.25, 1, 1]);
    expect(p.beta).toEqual([1 + 1.75, 1, 1]);
    expect(l.scores(math)[0]).toBeCloseTo(2.25 / 5, 12);
  });

  it('seeds: alpha = w q + s + 1, beta = w (1 - q) + f + 1; category seeds beat "*"', () => {
    const l = new BetaThompson(ACTIONS, betaThompsonHyperSchema.parse({ seed_weight: 10 }), {
      '*': { small: 0.8, large: 0.5 },
      code: { small: 0.2 },
    });
    for (const r of [1, 0, 0.5]) l.update(math, 'small', r);
    l.update(math, 'large', 1);
    // math: small q=0.8 -> alpha 8 + 1.5 + 1, beta 2 + 1.5 + 1; medium unseeded; large q=0.5.
    expect(l.posterior(math)).toEqual({ alpha: [10.5, 1, 5 + 1 + 1], beta: [4.5, 1, 5 + 0 + 1] });
    // code: its own seed for small, "*" for large, no data yet (scopes are separate).
    expect(l.posterior(code)).toEqual({ alpha: [2 + 1, 1, 6], beta: [8 + 1, 1, 6] });
  });

  it('global scope pools every category', () => {
    const l = new BetaThompson(ACTIONS, betaThompsonHyperSchema.parse({ scope: 'global' }));
    l.update(math, 'medium', 1);
    l.update(code, 'medium', 0);
    expect(l.posterior(code).alpha[1]).toBe(2);
    expect(l.posterior(math).beta[1]).toBe(2);
  });

  it('rejects rewards outside [0, 1] and seeds naming unknown pools', () => {
    const l = new BetaThompson(ACTIONS, betaThompsonHyperSchema.parse({}));
    expect(() => l.update(math, 'small', 1.5)).toThrow(/\[0, 1\]/);
    expect(() => new BetaThompson(ACTIONS, betaThompsonHyperSchema.parse({}), { '*': { tiny: 0.5 } })).toThrow(
      /"tiny" is not one of its actions/,
    );
  });

  it('Monte Carlo propensity tracks the true choice probability', () => {
    // Posteriors Beta(30, 10), Beta(10, 30), Beta(1, 1): arm 0 wins when the uniform draw is
    // below its draw (and arm 1 almost never wins), so P(arm 0) ~ E[Beta(30, 10)] = 0.75.
    const l = new BetaThompson(ACTIONS, betaThompsonHyperSchema.parse({ propensity_samples: 400, seed: 2 }));
    for (let i = 0; i < 29; i++) l.update(math, 'small', 1);
    for (let i = 0; i < 9; i++) l.update(math, 'small', 0);
    for (let i = 0; i < 9; i++) l.update(math, 'medium', 1);
    for (let i = 0; i < 29; i++) l.update(math, 'medium', 0);
    let counted = 0;
    const n = 400;
    for (let i = 0; i < n; i++) {
      const d = l.choose(math);
      if (d.action === 'small') {
        counted++;
        expect(d.propensity).toBeGreaterThan(0.68);
        expect(d.propensity).toBeLessThan(0.82);
      } else expect(d.propensity).toBeLessThan(0.35);
    }
    expect(Math.abs(counted / n - 0.75)).toBeLessThan(0.06);
  });
});
