import { beforeAll, describe, expect, it } from 'vitest';
import { initTf } from '../rl/backend.ts';
import type { RoutingContext } from '../../harness/types.ts';
import { LEARNERS } from '../registry.ts';
import type { Learner } from '../types.ts';
import { ACTIONS, makeCtx } from './testing.ts';
import { Rng } from '../../core/rng.ts';

const WORDS =
  'solve the integral of x squared write a python function summarize this article hello how are you classify sentiment'.split(
    ' ',
  );
const CATS = ['math', 'code', 'chitchat', 'summarize', 'unlisted-category'];

function contexts(n: number, seed: number): RoutingContext[] {
  const r = new Rng(seed);
  return Array.from({ length: n }, (_, t) => {
    const text = Array.from({ length: 3 + r.int(40) }, () => WORDS[r.int(WORDS.length)]).join(' ');
    return makeCtx({
      id: `s${t}/0`,
      text,
      category: CATS[r.int(CATS.length)]!,
      turn: r.int(4),
      tokens: 5 + r.int(3000),
      pools: ACTIONS.map((a, i) => ({
        name: a.pool,
        model: a.model,
        running: r.int(20),
        waiting: r.int(5),
        kvCacheUsage: r.next(),
        recentTtftMs: 100 * (i + 1),
        pricing: { inputPer1M: i + 1, outputPer1M: 2 * (i + 1) },
      })),
      scores: { 'm-small': r.int(2), 'm-medium': r.int(2), 'm-large': r.int(2) },
    });
  });
}

/** Choose + update over `ctxs`, rewards a fixed function of (context index, action). */
function drive(
  l: Learner,
  ctxs: RoutingContext[],
  onStep?: (ctx: RoutingContext, d: { action: string; propensity: number }) => void,
): void {
  ctxs.forEach((ctx, t) => {
    const d = l.choose(ctx);
    onStep?.(ctx, d);
    l.update(ctx, d.action, ((t * 7 + d.action.length) % 5) / 4);
  });
}

const SPECS: Record<string, Record<string, unknown>> = {
  epsilon_greedy: { type: 'epsilon_greedy', epsilon: 0.2, epsilon_decay: 50 },
  ucb1: { type: 'ucb1', c: 0.5 },
  beta_thompson: {
    type: 'beta_thompson',
    seed_weight: 4,
    quality_seeds: { '*': { large: 0.9 }, math: { small: 0.6 } },
    propensity_samples: 8,
  },
  linucb: { type: 'linucb', alpha: 0.7, features: { pool_state: true } },
  lin_thompson: {
    type: 'lin_thompson',
    v: 0.3,
    propensity_samples: 8,
    features: { pool_state: true, text: { dim: 64 } },
  },
  static: { type: 'static', map: { math: 'large', code: 'medium' }, default: 'small' },
  random: { type: 'random' },
  round_robin: { type: 'round_robin' },
  best_single: { type: 'best_single' },
  oracle: { type: 'oracle' },
  neural: { type: 'neural', batch_size: 16, features: { text: { dim: 32 } } },
};

describe('save/load is an exact round trip', () => {
  beforeAll(async () => {
    await initTf(); // the neural learner builds synchronously once tfjs is up
  });
  const ctx = { pools: ACTIONS.map((a) => a.pool), seed: 123, file: 'test.yaml', actions: ACTIONS };
  it('covers every registered learner', () => {
    expect(Object.keys(SPECS).sort()).toEqual(Object.keys(LEARNERS).sort());
  });
  for (const [name, spec] of Object.entries(SPECS)) {
    it(name, () => {
      const entry = LEARNERS[name]!;
      const a = entry.create(spec, ctx);
      drive(a, contexts(150, 1));
      const file = JSON.parse(JSON.stringify(a.save()));
      expect(file.learner).toBe(name);
      const b = entry.load(file);
      expect(JSON.parse(JSON.stringify(b.save()))).toEqual(file);
      // Same decisions, propensities and scores afterwards, learning as they go.
      const after = contexts(80, 2);
      const got: unknown[] = [];
      drive(b, after, (c, d) => got.push([d, b.scores!(c)]));
      const want: unknown[] = [];
      drive(a, after, (c, d) => want.push([d, a.scores!(c)]));
      expect(got).toEqual(want);
      expect(JSON.stringify(b.save())).toBe(JSON.stringify(a.save()));
    });
  }
});
