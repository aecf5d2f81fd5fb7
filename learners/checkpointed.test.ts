import { describe, expect, it } from 'vitest';
import type { Policy, RoutingContext } from '../harness/types.ts';
import { makeCtx } from './bandits/testing.ts';
import { POLICY_FACTORIES } from './policy-factories.ts';
import { checkpointable } from './checkpointed.ts';

const factories = checkpointable(POLICY_FACTORIES);
const ctx = { pools: ['a', 'b', 'c'], models: ['m1', 'm2', 'm3'], seed: 3, file: 'x.yaml' };
const contexts: RoutingContext[] = Array.from({ length: 60 }, (_, i) =>
  makeCtx({
    id: `s${i}/0`,
    category: ['math', 'code', 'chitchat'][i % 3]!,
    text: `question ${i} about ${['sums', 'loops', 'weather'][i % 3]}`,
  }),
);
// Sessions decide the split's sub-policy: give each context its own.
for (const [i, c] of contexts.entries()) c.labels.sessionId = `s${i}`;

function train(p: Policy, from: number, to: number): string[] {
  const actions: string[] = [];
  for (const c of contexts.slice(from, to)) {
    const d = p.choose(c);
    actions.push(d.action);
    p.update(c, d.action, d.action === 'b' ? 0.9 : 0.2);
  }
  return actions;
}

describe('learner checkpoints through the Policy hooks', () => {
  for (const spec of [
    { type: 'linucb', alpha: 0.5, features: { text: { dim: 16 } } },
    { type: 'beta_thompson' },
    // The harness's random baseline has no hooks: a split of learners restores exactly.
    { type: 'split', policies: [{ type: 'epsilon_greedy', epsilon: 0.3 }, { type: 'lin_thompson' }, { type: 'ucb1' }] },
  ]) {
    it(`a restored ${spec.type} continues exactly as the original`, () => {
      const original = factories[spec.type]!(spec, ctx);
      train(original, 0, 30);
      const state = JSON.parse(JSON.stringify(original.checkpoint!())) as unknown;
      const restored = factories[spec.type]!(spec, ctx);
      restored.restore!(state);
      expect(train(restored, 30, 60)).toEqual(train(original, 30, 60));
      expect(JSON.parse(JSON.stringify(restored.checkpoint!()))).toEqual(
        JSON.parse(JSON.stringify(original.checkpoint!())),
      );
    });
  }

  it('baselines without state and frozen policies get no hooks; a mismatched checkpoint is refused', () => {
    expect(factories.static!({ type: 'static', default: 'a' }, ctx).checkpoint).toBeUndefined();
    const lin = factories.linucb!({ type: 'linucb' }, ctx);
    const ucb = factories.ucb1!({ type: 'ucb1' }, ctx);
    expect(() => lin.restore!(ucb.checkpoint!())).toThrow(/checkpoint is of ucb1, the router is linucb/);
    expect(() => lin.restore!({ nope: 1 })).toThrow(/checkpoint of linucb: version: .*got none/);
  });
});
