import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../harness/runner/config.ts';
import { makeCtx } from '../bandits/testing.ts';
import { routerModelNames } from './features.ts';
import { KnnPolicy } from './knn-policy.ts';
import { cholesky } from './model-linear.ts';
import { backendOf, multiFactor, ranked } from './router-config.ts';
import { seedFromBeta } from './seed-pack.ts';

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

describe('KnnPolicy (the router knn semantics)', () => {
  it('votes 0.9 quality + 0.1 speed over the k nearest, ties by index; equal totals go to the first model name', () => {
    const p = new KnnPolicy(actions, layout, 2);
    const a = [1, 1, 0, 0];
    p.add(a, 0, 1, 0); // weight 1
    p.add(a, 1, 1, 0); // same point: tie, later index
    p.add(a, 1, 1, 0); // beyond k = 2
    expect(p.neighbours(a)).toEqual([0, 1]);
    const ctx = makeCtx({ category: 'a' });
    expect(p.scores(ctx)).toEqual([1, 1]);
    expect(p.choose(ctx).action).toBe('p2'); // "alpha" < "zeta"
    expect(p.weight(0)).toBe(1);
    p.add([0, 0, 1, 0], 0, 0.5, 10_000_000_000);
    expect(p.weight(3)).toBeCloseTo(0.9 * 0.5 + 0.1 * 0.5);
  });

  it('normalises (scale does not matter), keeps a zero vector zero, and round-trips through save/load', () => {
    const p = new KnnPolicy(actions, layout, 1);
    p.add([0, 0, 10, 0], 0, 0.2, 5);
    p.add([0, 0, 0, 3], 1, 0.9, 7);
    expect(p.neighbours([0, 0, 0.001, 0])).toEqual([0]);
    expect(p.neighbours([0, 0, 0, 0])).toEqual([0]); // every point at distance 1: index order
    p.update(makeCtx({ category: 'b' }), 'p2', 0.75);
    const q = KnnPolicy.load(p.save());
    expect(q.size).toBe(3);
    expect(q.points()).toEqual(p.points());
    expect(q.scores(makeCtx({ category: 'b' }))).toEqual(p.scores(makeCtx({ category: 'b' })));
  });
});

describe('export parts', () => {
  it('seed mapping: the router prior Beta(w q + 1, w (1 - q) + 1) is the posterior', () => {
    expect(seedFromBeta(1, 1)).toEqual({ quality_seed: 0.5, seed_weight: 0 });
    const s = seedFromBeta(7.5, 3.5);
    expect(s.seed_weight).toBe(9);
    expect(s.seed_weight * s.quality_seed + 1).toBeCloseTo(7.5);
  });

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
    // Energy has no router factor: quality 2 and cost 1 renormalise; no SLOs configured.
    expect(multiFactor(e)).toEqual({
      type: 'multi_factor',
      multi_factor: { weights: { quality: 0.6667, latency: 0, cost: 0.3333, load: 0 } },
    });
  });

  it('ranked: by value, ties in action order, NaN last', () => {
    expect(ranked([0.5, 0.9, 0.5, Number.NaN])).toEqual([1, 0, 2, 3]);
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
