import { afterAll, describe, expect, it } from 'vitest';
import type { RoutingContext } from '../../harness/types.ts';
import type { FeatureLayout } from '../types.ts';
import { initTf } from './backend.ts';
import { forwardLayers } from './mlp-export.ts';
import { NeuralPolicy, type NeuralPolicyOptions } from './neural-policy.ts';
import { categoryFeaturizer, makeCtx } from './testing.ts';
import { Rng } from '../../core/rng.ts';

const CATS = ['A', 'B'];
const POOLS = ['p0', 'p1', 'p2'];
const RULE: Record<string, string> = { A: 'p0', B: 'p1' };
const { featurize, dim } = categoryFeaturizer(CATS);
const layout: FeatureLayout = {
  blocks: [
    { kind: 'category_onehot', categories: CATS, dim: 2 },
    { kind: 'bias', dim: 1 },
  ],
  dim,
};
const base: NeuralPolicyOptions = {
  actions: POOLS.map((p) => ({ pool: p, model: `${p}-model` })),
  featurize,
  layout,
  learningRate: 0.05,
  batchSize: 16,
  seed: 7,
};
const created: NeuralPolicy[] = [];

async function policy(extra: Partial<NeuralPolicyOptions> = {}): Promise<NeuralPolicy> {
  const p = await NeuralPolicy.create({ ...base, ...extra });
  created.push(p);
  return p;
}

/** Random contexts with random pool load (the pool state is noise for the category rule). */
function contexts(n: number, seed: number): RoutingContext[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () =>
    makeCtx({
      category: CATS[rng.int(2)]!,
      pools: POOLS,
      state: { p0: { running: rng.int(20), kvCacheUsage: rng.next() }, p1: { recentTtftMs: 2000 * rng.next() } },
    }),
  );
}

function greedyAccuracy(p: NeuralPolicy, ctxs: RoutingContext[]): number {
  const hits = ctxs.filter((c) => {
    const s = p.scores(c);
    return POOLS[s.indexOf(Math.max(...s))] === RULE[c.labels.category];
  });
  return hits.length / ctxs.length;
}

/** Online bandit loop: only the chosen action's reward is seen. */
function train(p: NeuralPolicy, ctxs: RoutingContext[]): number[] {
  return ctxs.map((c) => {
    const d = p.choose(c);
    const r = d.action === RULE[c.labels.category] ? 1 : 0;
    p.update(c, d.action, r);
    return r;
  });
}

afterAll(() => created.forEach((p) => p.dispose()));

describe('NeuralPolicy', () => {
  it('learns a contextual rule from bandit feedback (>= 90% within 320 updates)', async () => {
    const p = await policy();
    const rewards = train(p, contexts(320, 1));
    expect(greedyAccuracy(p, contexts(200, 2))).toBeGreaterThanOrEqual(0.9);
    const lastHits = rewards.slice(-100).reduce((a, b) => a + b, 0);
    expect(lastHits).toBeGreaterThanOrEqual(90); // sampled decisions, not just the argmax
    expect(p.save().training['steps']).toBe(20);
  }, 60_000);

  it('propensity is the softmax probability of the chosen action', async () => {
    const p = await policy({ temperature: 2 });
    const c = contexts(1, 3)[0]!;
    const probs = p.probabilities(c);
    const d = p.choose(c);
    expect(d.propensity).toBe(probs[POOLS.indexOf(d.action)]);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('is deterministic for a seed', async () => {
    const [a, b] = [await policy(), await policy()];
    const ctxs = contexts(100, 4);
    expect(train(a, ctxs)).toEqual(train(b, ctxs));
    expect(a.save().parameters).toEqual(b.save().parameters);
  }, 60_000);

  it('save/load round trip is exact: same scores, same decisions, same training after', async () => {
    const p = await policy();
    train(p, contexts(101, 5)); // 6 steps and 5 samples left in the buffer
    expect(p.pending).toBe(5);
    const file = JSON.parse(JSON.stringify(p.save()));
    const q = await NeuralPolicy.load(file, featurize);
    created.push(q);
    expect(q.pending).toBe(5);
    const probe = contexts(50, 6);
    for (const c of probe) expect(q.scores(c)).toEqual(p.scores(c));
    expect(probe.map((c) => q.choose(c))).toEqual(probe.map((c) => p.choose(c)));
    // Adam moments and the buffer came along: training continues identically.
    const more = contexts(64, 17);
    expect(train(q, more)).toEqual(train(p, more));
    expect(JSON.parse(JSON.stringify(q.save()))).toEqual(JSON.parse(JSON.stringify(p.save())));
  }, 60_000);

  it('toLayers (mlp_model.json) forward pass equals the tfjs output within 1e-5', async () => {
    const p = await policy({ hiddenSizes: [32, 16] });
    train(p, contexts(64, 7));
    const layers = p.toLayers();
    expect(layers.map((l) => l.type)).toEqual(['linear', 'relu', 'linear', 'relu', 'linear']);
    for (const c of contexts(30, 8)) {
      const ref = forwardLayers(layers, p.inputVector(c));
      p.scores(c).forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThan(1e-5));
    }
    const model = p.toMlpModel();
    expect(model).toMatchObject({
      algorithm: 'mlp',
      feature_dim: p.inputDim,
      n_classes: 3,
      hidden_sizes: [32, 16],
      model_names: ['p0-model', 'p1-model', 'p2-model'],
    });
  }, 60_000);

  it('trains off-policy from uniformly logged data (trainBatch)', async () => {
    const p = await policy();
    const rng = new Rng(9);
    const ctxs = contexts(400, 10);
    const actions = ctxs.map(() => POOLS[rng.int(3)]!);
    const rewards = ctxs.map((c, i) => (actions[i] === RULE[c.labels.category] ? 1 : 0));
    const stats = p.trainBatch(
      ctxs,
      actions,
      rewards,
      ctxs.map(() => 1 / 3),
      { epochs: 2 },
    );
    expect(stats.steps).toBe(50);
    expect(greedyAccuracy(p, contexts(200, 11))).toBeGreaterThanOrEqual(0.9);
  }, 60_000);

  it('uses pool state: learns to avoid the pool with the longer queue', async () => {
    const pools = ['p0', 'p1'];
    const p = await policy({ actions: pools.map((x) => ({ pool: x, model: x })) });
    const rng = new Rng(12);
    const make = () => {
      const busy = rng.int(2);
      return { busy, ctx: makeCtx({ category: 'A', pools, state: { [pools[busy]!]: { running: 60, waiting: 40 } } }) };
    };
    for (let i = 0; i < 480; i++) {
      const { busy, ctx } = make();
      const d = p.choose(ctx);
      p.update(ctx, d.action, d.action === pools[busy] ? 0 : 1);
    }
    let hits = 0;
    for (let i = 0; i < 100; i++) {
      const { busy, ctx } = make();
      const s = p.scores(ctx);
      if (s.indexOf(Math.max(...s)) !== busy) hits++;
    }
    expect(hits).toBeGreaterThanOrEqual(90);
  }, 60_000);

  it('frees its tensors: choose/update/train leave the tensor count unchanged', async () => {
    const p = await policy();
    const { tf } = await initTf();
    train(p, contexts(32, 13)); // the optimizer creates its slots on the first step
    const before = tf.memory().numTensors;
    train(p, contexts(64, 14));
    p.scores(contexts(1, 15)[0]!);
    p.trainBatch(contexts(32, 16), Array(32).fill('p0'), Array(32).fill(1), Array(32).fill(0.5));
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('adds pool state only when the layout has none, and builds synchronously after initTf', async () => {
    const handle = await initTf();
    const withBlock: FeatureLayout = {
      blocks: [
        ...layout.blocks,
        { kind: 'pool_state', pools: POOLS, dim: 12, scale: { running: 64, waiting: 64, ttftMs: 10_000 } },
      ],
      dim: dim + 12,
    };
    const a = NeuralPolicy.withTf(handle, { ...base, layout: withBlock, featurize: () => new Float64Array(dim + 12) });
    const b = NeuralPolicy.withTf(handle, base);
    created.push(a, b);
    expect([a.hp.poolState, a.inputDim]).toEqual([false, dim + 12]);
    expect([b.hp.poolState, b.inputDim]).toEqual([true, dim + 9]);
  });
});
