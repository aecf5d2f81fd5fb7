import { describe, expect, it } from 'vitest';
import { EpsilonGreedy, epsilonGreedyHyperSchema } from './epsilon-greedy.ts';
import { ACTIONS, makeCtx } from './testing.ts';

const ctx = makeCtx({ category: 'math' });

describe('epsilon_greedy', () => {
  it('logs the exact propensity, and choices follow it', () => {
    const l = new EpsilonGreedy(ACTIONS, epsilonGreedyHyperSchema.parse({ epsilon: 0.3, seed: 4 }));
    l.update(ctx, 'small', 0.2);
    l.update(ctx, 'medium', 0.9);
    l.update(ctx, 'large', 0.5);
    l.probabilities(ctx).forEach((p, i) => expect(p).toBeCloseTo([0.1, 0.8, 0.1][i]!, 12));
    const counts = [0, 0, 0];
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const d = l.choose(ctx);
      const a = ACTIONS.findIndex((x) => x.pool === d.action);
      counts[a]!++;
      expect(d.propensity).toBeCloseTo(l.probabilities(ctx)[a]!, 12);
    }
    expect(counts[1]! / n).toBeCloseTo(0.8, 1);
    expect(counts[0]! / n).toBeCloseTo(0.1, 1);
  });

  it('splits the greedy share across tied actions', () => {
    const l = new EpsilonGreedy(ACTIONS, epsilonGreedyHyperSchema.parse({ epsilon: 0.3, initial_value: 1 }));
    // Nothing tried: all three tie on the optimistic initial value.
    expect(l.probabilities(ctx).map((p) => p.toFixed(6))).toEqual(['0.333333', '0.333333', '0.333333']);
    l.update(ctx, 'small', 0);
    l.probabilities(ctx).forEach((p, i) => expect(p).toBeCloseTo([0.1, 0.45, 0.45][i]!, 12));
  });

  it('decays epsilon with the scope update count', () => {
    const l = new EpsilonGreedy(
      ACTIONS,
      epsilonGreedyHyperSchema.parse({ epsilon: 0.5, epsilon_decay: 10, epsilon_min: 0.01 }),
    );
    for (let i = 0; i < 10; i++) l.update(ctx, 'small', 1);
    expect(l.epsilon(ctx)).toBe(0.25);
    expect(l.epsilon(makeCtx({ category: 'code' }))).toBe(0.5); // per-category scope
    for (let i = 0; i < 10_000; i++) l.update(ctx, 'small', 1);
    expect(l.epsilon(ctx)).toBe(0.01);
  });
});
