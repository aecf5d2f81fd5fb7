import { describe, expect, it } from 'vitest';
import { RandomPolicy } from '../harness/router/policies.ts';
import { ACTIONS, makeCtx } from './bandits/testing.ts';
import { BestSingleLearner, OracleLearner, RandomLearner, RoundRobinLearner, StaticLearner } from './baselines.ts';

const price = (name: string, p: number) => ({ name, model: name, pricing: { inputPer1M: p, outputPer1M: p } });
const pools = [price('small', 0.1), price('medium', 1), price('large', 5)];

describe('baselines', () => {
  it('static routes by category with a default', () => {
    const l = new StaticLearner(ACTIONS, { math: 'large' }, 'small');
    expect(l.choose(makeCtx({ category: 'math' }))).toEqual({ action: 'large', propensity: 1 });
    expect(l.choose(makeCtx({ category: 'poetry' })).action).toBe('small');
  });

  it('random matches the harness RandomPolicy decision for decision', () => {
    const a = new RandomLearner(ACTIONS, 99);
    const b = new RandomPolicy(
      ACTIONS.map((x) => x.pool),
      99,
    );
    for (let i = 0; i < 50; i++) expect(a.choose()).toEqual(b.choose());
  });

  it('round robin cycles', () => {
    const l = new RoundRobinLearner(ACTIONS);
    expect([0, 1, 2, 3].map(() => l.choose().action)).toEqual(['small', 'medium', 'large', 'small']);
  });

  it('best_single tries each action once, then keeps the best global mean', () => {
    const l = new BestSingleLearner(ACTIONS);
    const ctx = makeCtx();
    const rewards: Record<string, number> = { small: 0.2, medium: 0.9, large: 0.5 };
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const d = l.choose();
      seen.push(d.action);
      l.update(ctx, d.action, rewards[d.action]!);
    }
    expect(seen).toEqual(['small', 'medium', 'large', 'medium', 'medium', 'medium']);
    expect(l.scores()).toEqual([0.2, 0.9, 0.5]);
  });

  it('oracle: argmax of labels.scores over mapped models, cheapest among ties', () => {
    const l = new OracleLearner(ACTIONS, { large: 'gpt-4' });
    const scores = { 'm-small': 0, 'm-medium': 1, 'gpt-4': 1 };
    expect(l.choose(makeCtx({ scores, pools })).action).toBe('medium'); // tie: pool price
    expect(l.choose(makeCtx({ scores, pools, costs: { 'm-small': 0, 'm-medium': 0.5, 'gpt-4': 0.1 } })).action).toBe(
      'large',
    ); // tie: dataset cost
    expect(l.choose(makeCtx({ scores: { ...scores, 'gpt-4': 0.5 }, pools })).action).toBe('medium');
    expect(() => l.choose(makeCtx())).toThrow(/no labels\.scores/);
    expect(() => l.choose(makeCtx({ scores: { 'm-small': 1 } }))).toThrow(/no model "m-medium"/);
  });
});
