import { describe, expect, it } from 'vitest';
import { buildLayout } from '../features/spec.ts';
import { RandomLearner } from '../baselines.ts';
import { BetaThompson, betaThompsonHyperSchema } from './beta-thompson.ts';
import { EpsilonGreedy, epsilonGreedyHyperSchema } from './epsilon-greedy.ts';
import { LinThompson, linThompsonHyperSchema } from './lin-thompson.ts';
import { LinUcb, linucbHyperSchema } from './linucb.ts';
import { ACTIONS, bernoulliProblem, LINEAR_FEATURES, linearProblem, quarterIncrements, runRegret } from './testing.ts';
import { Ucb1, ucb1HyperSchema } from './ucb1.ts';

// Stationary per-category Bernoulli problem; the best arm differs by category.
const bernoulli = bernoulliProblem({ math: [0.2, 0.5, 0.8], chitchat: [0.75, 0.45, 0.3] });
const T = 4000;

describe('regret is sublinear on a stationary problem (fixed seeds)', () => {
  const cases = [
    [
      'epsilon_greedy (decaying)',
      () => new EpsilonGreedy(ACTIONS, epsilonGreedyHyperSchema.parse({ epsilon: 1, epsilon_decay: 10, seed: 3 })),
    ],
    ['ucb1', () => new Ucb1(ACTIONS, ucb1HyperSchema.parse({ seed: 3 }))],
    [
      'beta_thompson',
      () => new BetaThompson(ACTIONS, betaThompsonHyperSchema.parse({ seed: 3, propensity_samples: 4 })),
    ],
  ] as const;
  for (const [name, make] of cases) {
    it(name, () => {
      const curve = runRegret(make(), bernoulli, T, 11, 3);
      const { first, last } = quarterIncrements(curve);
      // Linear regret would add as much in the last quarter as in the first.
      expect(last).toBeLessThan(0.35 * first);
      expect(curve[T - 1]!).toBeLessThan(0.1 * T * 0.3); // well under a random router's ~0.27 per step
    });
  }

  it('constant epsilon is linear (the slope check can tell)', () => {
    const curve = runRegret(
      new EpsilonGreedy(ACTIONS, epsilonGreedyHyperSchema.parse({ epsilon: 0.3, seed: 3 })),
      bernoulli,
      T,
      11,
      3,
    );
    const { first, last } = quarterIncrements(curve);
    expect(last).toBeGreaterThan(0.6 * first);
  });
});

describe('linear contextual problem', () => {
  const problem = linearProblem();
  const layout = buildLayout(LINEAR_FEATURES);
  const N = 3000;
  const random = runRegret(new RandomLearner(ACTIONS, 5), problem, N, 11, 3);

  for (const [name, make] of [
    ['linucb', () => new LinUcb(ACTIONS, layout, linucbHyperSchema.parse({ alpha: 0.5 }))],
    [
      'lin_thompson',
      () => new LinThompson(ACTIONS, layout, linThompsonHyperSchema.parse({ v: 0.2, seed: 5, propensity_samples: 4 })),
    ],
  ] as const) {
    it(`${name} beats random and its regret is sublinear`, () => {
      const curve = runRegret(make(), problem, N, 11, 3);
      expect(curve[N - 1]!).toBeLessThan(0.25 * random[N - 1]!);
      const { first, last } = quarterIncrements(curve);
      expect(last).toBeLessThan(0.5 * first);
    });
  }
});
