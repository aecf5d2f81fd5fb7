import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../harness/runner/config.ts';
import { makeCtx } from '../bandits/testing.ts';
import { routerModelNames } from './features.ts';
import { KnnPolicy } from './knn-policy.ts';
import { cholesky } from './model-linear.ts';
import { backendOf } from './router-config.ts';
import { argmaxFirst } from '../bandits/base.ts';
import { CascadePolicy } from '../rl/cascade-policy.ts';

const layout = {
  blocks: [
    { kind: 'bias' as const, dim: 1 as const },
    { kind: 'category_onehot' as const, categories: ['a', 'b'], dim: 3 },
  ],
  dim: 4,
};
const actions = [
  { pool: 'p1', model: 'zeta' },
  { pool: 'p2', model: 'alpha' },
];

describe('KnnPolicy (the router knn rule)', () => {
  it('one point per vector labelled with its best mean reward; raw L2; votes 0.9 max(q, 0.01) + 0.1 speed', () => {
    const p = new KnnPolicy(actions, layout, { k: 2, max_points: 100 });
    p.add([1, 1, 0, 0], 0, 1, 0);
    p.add([1, 1, 0, 0], 1, 0, 0); // the same vector: one point, still labelled with action 0
    p.add([1, 0, 0, 0], 1, 0, 1000);
    expect(p.size).toBe(2);
    expect(p.stored().labels).toEqual([0, 1]);
    const w = p.voteWeights();
    expect(w[0]).toBeCloseTo(0.9 + 0.1, 5); // quality 1, the fastest point
    expect(w[1]).toBeCloseTo(0.9 * 0.01, 5); // quality floored at 0.01, the slowest point
    // Equal rewards never give equal totals (the router would break such a tie at random).
    const t = new KnnPolicy(actions, layout, { k: 2, max_points: 10 });
    t.add([1, 0, 0, 0], 0, 1, 0);
    t.add([0, 1, 0, 0], 1, 1, 0);
    const [a, b] = t.scores(makeCtx({ category: 'zz' }));
    expect(a).not.toBe(b);
    expect(Math.abs(a! - b!)).toBeLessThan(1e-6);
    // Scale matters: [10, 0, ...] is far from [1, 0.1, ...] in raw L2.
    const q = new KnnPolicy(actions, layout, { k: 1, max_points: 10 });
    q.add([10, 0, 0, 0], 0, 1, 0);
    q.add([0.5, 0.5, 0, 0], 1, 1, 0);
    expect(q.neighbours([1, 0.1, 0, 0])).toEqual([1]);
  });

  it('equal totals go to the lexicographically first model; the store is a ring of max_points', () => {
    const p = new KnnPolicy(actions, layout, { k: 2, max_points: 2 });
    expect(p.best([1, 1])).toBe(1); // "alpha" < "zeta"
    p.add([1, 0, 0, 0], 0, 1, 0);
    p.add([0, 1, 0, 0], 1, 1, 0);
    p.add([0, 0, 1, 0], 0, 0.5, 0); // overwrites the oldest point
    expect(p.size).toBe(2);
    expect(p.stored().embeddings[0]).toEqual([0, 0, 1, 0]);
    p.update(makeCtx({ category: 'b' }), 'p2', 0.75);
    const r = KnnPolicy.load(p.save());
    expect(r.stored()).toEqual(p.stored());
    expect(r.scores(makeCtx({ category: 'b' }))).toEqual(p.scores(makeCtx({ category: 'b' })));
  });
});

describe('cascade ties', () => {
  it('start levels equal in float32 go to the smaller model, as policy.onnx (float32 scores) says', () => {
    class Tied extends CascadePolicy {
      override values(): number[] {
        return [0.49999999999999994, 0.5];
      }
    }
    const p = new Tied({
      levels: actions,
      costQualityTradeoff: 0.3,
      bins: 2,
      explore: false,
      confidenceMethod: 'hybrid',
    });
    expect(p.bestStart('x', [1, 1])).toBe(0);
    expect(argmaxFirst(p.values().map(Math.fround))).toBe(0);
  });
});

describe('export parts', () => {
  it('router model names: served names, or pool names when two pools serve one model', () => {
    expect(routerModelNames(actions)).toEqual(['zeta', 'alpha']);
    expect(
      routerModelNames([
        { pool: 'warm', model: 'm' },
        { pool: 'cold', model: 'm' },
      ]),
    ).toEqual(['warm', 'cold']);
  });

  it('backends: host:port and protocol from an endpoint URL (default ports), a marked placeholder for sim pools', () => {
    const e = parseExperiment({
      name: 'x',
      pools: [
        { name: 'a', model: 'm', endpoint: 'http://gpu:8000/v1', pricing: { input_per_1m: 0, output_per_1m: 0 } },
        { name: 'b', model: 'm', endpoint: 'https://api.example', pricing: { input_per_1m: 0, output_per_1m: 0 } },
        { name: 'Sim_1', model: 'm', sim: { model: 'qwen3-8b' }, pricing: { input_per_1m: 0, output_per_1m: 0 } },
      ],
      workload: { sources: [{ type: 'synthetic' }], arrival: { type: 'poisson', rate: 1 } },
      router: { type: 'random' },
      stop: { requests: 1 },
      feedback: { reward: { quality: 2, cost: 1, energy: 1 } },
    });
    expect(backendOf(e.pools[0]!)).toEqual({ endpoint: 'gpu:8000', protocol: 'http', placeholder: false });
    expect(backendOf(e.pools[1]!)).toEqual({ endpoint: 'api.example:443', protocol: 'https', placeholder: false });
    expect(backendOf(e.pools[2]!)).toEqual({
      endpoint: 'wrp-sim-sim-1.placeholder.invalid:8000',
      protocol: 'http',
      placeholder: true,
    });
  });

  it('cholesky: L L^T reproduces the matrix; a singular direction gives a zero column', () => {
    const m = Float64Array.from([4, 2, 2, 3]);
    const l = cholesky(m, 2);
    [l[0]! * l[0]!, l[0]! * l[2]!, l[2]! * l[2]! + l[3]! * l[3]!].forEach((v, i) =>
      expect(v).toBeCloseTo([4, 2, 3][i]!, 12),
    );
    expect(l[1]).toBe(0);
    expect(Array.from(cholesky(Float64Array.from([1, 1, 1, 1]), 2))).toEqual([1, 0, 1, 0]);
  });
});
