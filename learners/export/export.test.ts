import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { LEARNERS } from '../registry.ts';
import { initTf } from '../rl/backend.ts';
import { NeuralPolicy } from '../rl/neural-policy.ts';
import type { PolicyFile } from '../types.ts';
import { categoryContext } from './contexts.ts';
import { ExportError, exportPolicy, type ExportOptions } from './export.ts';
import { sha256 } from './manifest.ts';
import { ROUTER_CATEGORIES } from './ml-artifacts.ts';
import type { RouterConfig } from './sr-schema.ts';
import {
  ACTIONS,
  cascadePolicy,
  CATS,
  embeddingServer,
  knnPolicy,
  tempDir,
  trainRegistry,
  writeExperiment,
  writePolicy,
} from './testing.ts';
import type { KnnModelJson } from './types.ts';

let dir: string;
let experiment: string;
beforeAll(async () => {
  dir = tempDir();
  experiment = writeExperiment(dir, { live: true });
  await initTf({ log: () => {} });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Exported {
  config: RouterConfig;
  manifest: Record<string, unknown> & { artifacts: Record<string, { sha256: string }> };
  seed: {
    version: number;
    records: { decision_id: string; model: string; quality_seed: number; seed_weight: number }[];
  };
  out: string;
  verification: NonNullable<Awaited<ReturnType<typeof exportPolicy>>['verification']>;
}

async function run(file: PolicyFile, name: string, extra: Partial<ExportOptions> = {}): Promise<Exported> {
  const out = join(dir, `out-${name}`);
  const r = await exportPolicy({ policy: writePolicy(dir, file, name), experiment, out, verify: true, ...extra });
  const read = (f: string) => readFileSync(join(out, f), 'utf8');
  return {
    config: parseYaml(read('config.yaml')) as RouterConfig,
    manifest: JSON.parse(read('manifest.json')),
    seed: JSON.parse(read('seed_pack.json')),
    out,
    verification: r.verification!,
  };
}

function expectVerified(v: Exported['verification']): void {
  expect(v.contexts).toBeGreaterThanOrEqual(10_000);
  expect(v.onnx.argmaxAgreement).toBe(1);
  expect(v.onnx.maxAbsDiff).toBeLessThanOrEqual(1e-5);
  expect(v.config.problems).toEqual([]);
  expect(v.pass).toBe(true);
}

const decision = (c: RouterConfig, cat: string) => c.routing.decisions.find((d) => d.name === `route-${cat}`)!;
const opsOf = (out: string) =>
  onnxProto.onnx.ModelProto.decode(readFileSync(join(out, 'policy.onnx'))).graph!.node!.map((n) => n.opType);

describe('wrp export to vLLM Semantic Router', () => {
  it('static: a static decision per category with the mapped model first; providers from the pools', async () => {
    const learner = LEARNERS.static!.create(
      { type: 'static', map: { math: 'medium', code: 'large' }, default: 'small' },
      { pools: ACTIONS.map((a) => a.pool), seed: 1, file: 't', actions: ACTIONS },
    );
    const e = await run(learner.save(), 'static');
    expectVerified(e.verification);
    expect(decision(e.config, 'math').algorithm).toEqual({ type: 'static' });
    expect(decision(e.config, 'math').modelRefs[0]!.model).toBe('qwen3-8b');
    expect(decision(e.config, 'code').modelRefs[0]!.model).toBe('llama-3.1-70b');
    const large = e.config.providers.models.find((m) => m.name === 'llama-3.1-70b')!;
    expect(large.backend_refs[0]).toMatchObject({ endpoint: 'gpu-host.example:8443', protocol: 'https' });
    expect(large.pricing).toEqual({ currency: 'USD', prompt_per_1m: 0.88, completion_per_1m: 0.88 });
    expect(e.config.providers.models[0]!.backend_refs[0]!.endpoint).toBe('wrp-sim-small.placeholder.invalid:8000');
    expect(readFileSync(join(e.out, 'config.yaml'), 'utf8')).toMatch(/PLACEHOLDER backends .*small, medium/);
    expect(e.config.global?.router?.learning?.adaptation?.enabled).toBe(false);
    expect(opsOf(e.out)).toContain('Gather');
  }, 120_000);

  it('beta_thompson: modelRefs by posterior mean, adaptation on, and a seed pack that reproduces the posterior', async () => {
    const learner = trainRegistry('beta_thompson', { seed_weight: 3, quality_seeds: { '*': { large: 0.9 } } });
    const e = await run(learner.save(), 'beta');
    expectVerified(e.verification);
    expect(e.config.global?.router?.learning).toEqual({
      enabled: true,
      adaptation: { enabled: true, strategy: 'routing_sampling', candidate_set: 'decision' },
    });
    expect(decision(e.config, 'math').modelRefs[0]!.model).toBe('qwen3-8b');
    expect(decision(e.config, 'code').modelRefs[0]!.model).toBe('llama-3.1-70b');
    const bt = learner as unknown as {
      posterior(c: ReturnType<typeof categoryContext>): { alpha: number[]; beta: number[] };
    };
    for (const cat of CATS) {
      const { alpha, beta } = bt.posterior(categoryContext(cat));
      ACTIONS.forEach((a, i) => {
        const r = e.seed.records.find((x) => x.decision_id === `route-${cat}` && x.model === a.model)!;
        // The router's prior with no outcomes: alpha = w q + 1, beta = w (1 - q) + 1.
        expect(r.seed_weight * r.quality_seed + 1).toBeCloseTo(alpha[i]!, 4);
        expect(r.seed_weight * (1 - r.quality_seed) + 1).toBeCloseTo(beta[i]!, 4);
      });
    }
  }, 120_000);

  it('ucb1 with untried arms (infinite scores) and epsilon_greedy export and verify', async () => {
    const ucb = await run(trainRegistry('ucb1', {}, 5).save(), 'ucb1');
    expectVerified(ucb.verification);
    const eps = await run(trainRegistry('epsilon_greedy').save(), 'eps');
    expectVerified(eps.verification);
    expect(decision(eps.config, 'chitchat').modelRefs[0]!.model).toBe('llama-3.2-3b');
  }, 120_000);

  it('linucb and lin_thompson: multi_factor with the reward weights and SLOs, ONNX MatMul graphs', async () => {
    for (const type of ['linucb', 'lin_thompson']) {
      const e = await run(trainRegistry(type, { features: { categories: CATS, text: { dim: 32 } } }).save(), type);
      expectVerified(e.verification);
      expect(decision(e.config, 'math').algorithm).toEqual({
        type: 'multi_factor',
        multi_factor: {
          weights: { quality: 0.6667, latency: 0.1333, cost: 0.2, load: 0 },
          slo: { max_ttft_ms: 1500, max_tpot_ms: 100 },
        },
      });
      expect(opsOf(e.out)).toContain('MatMul');
    }
  }, 120_000);

  it('neural: refuses hashed features the router cannot compute, nothing written; exports with --allow-feature-mismatch', async () => {
    const learner = trainRegistry(
      'neural',
      { hidden_sizes: [16], features: { categories: CATS, text: { dim: 32 } } },
      200,
    );
    const out = join(dir, 'out-neural');
    const policy = writePolicy(dir, learner.save(), 'neural');
    await expect(exportPolicy({ policy, experiment, out })).rejects.toThrow(ExportError);
    await expect(exportPolicy({ policy, experiment, out })).rejects.toThrow(/hashed n-gram.*--allow-feature-mismatch/);
    expect(existsSync(out)).toBe(false);
    const e = await run(learner.save(), 'neural', { allowFeatureMismatch: true });
    expectVerified(e.verification);
    expect(e.verification.mlp!.pass).toBe(true);
    expect(e.verification.mlp!.contexts).toBeGreaterThanOrEqual(10_000);
    expect(decision(e.config, 'math').algorithm).toEqual({ type: 'mlp' });
    expect(e.config.global?.router?.model_selection?.ml.mlp).toEqual({
      device: 'cpu',
      pretrained_path: 'mlp_model.json',
    });
    const mlp = JSON.parse(readFileSync(join(e.out, 'mlp_model.json'), 'utf8')) as {
      model_names: string[];
      n_classes: number;
      layers: { type: string }[];
    };
    expect(mlp.model_names).toEqual(ACTIONS.map((a) => a.model));
    expect(mlp.layers.map((l) => l.type)).toEqual(['linear', 'relu', 'linear']);
    expect(opsOf(e.out)).toEqual(expect.arrayContaining(['MatMul', 'Add', 'Relu']));
    expect((e.manifest.features as { router: { compatible: boolean } }).router.compatible).toBe(false);
  }, 180_000);

  it('neural on the router layout (1024-d Qwen3 embedding + 14-way category one-hot) exports without the flag', async () => {
    const server = await embeddingServer(1024);
    try {
      const handle = await initTf({ log: () => {} });
      const layout = {
        blocks: [
          {
            kind: 'embedding_endpoint' as const,
            dim: 1024,
            url: server.url,
            model: 'Qwen/Qwen3-Embedding-0.6B',
            normalize: true,
          },
          { kind: 'category_onehot' as const, categories: ROUTER_CATEGORIES.slice(0, -1), dim: 14 },
        ],
        dim: 1038,
      };
      const p = NeuralPolicy.withTf(handle, {
        actions: ACTIONS,
        layout,
        featurize: () => new Float64Array(1038),
        poolState: false,
        hiddenSizes: [8],
        seed: 4,
      });
      const file = p.save();
      p.dispose();
      const e = await run(file, 'neural-router');
      expectVerified(e.verification);
      expect(e.verification.mlp!.pass).toBe(true);
      expect(JSON.parse(readFileSync(join(e.out, 'mlp_model.json'), 'utf8')).feature_dim).toBe(1038);
      expect((e.manifest.features as { router: { compatible: boolean } }).router.compatible).toBe(true);
      expect(e.config.global?.router?.model_selection?.ml.embedding_dim).toBe(1024);
    } finally {
      await server.close();
    }
  }, 180_000);

  it('knn: knn_model.json in the router format; the ONNX graph and an independent pass agree with the policy', async () => {
    const e = await run(knnPolicy(300, 7).save(), 'knn', { allowFeatureMismatch: true });
    expectVerified(e.verification);
    expect(e.verification.knn!.pass).toBe(true);
    const knn = JSON.parse(readFileSync(join(e.out, 'knn_model.json'), 'utf8')) as KnnModelJson;
    expect(knn).toMatchObject({
      algorithm: 'knn',
      format_version: 2,
      trained: true,
      k: 7,
      num_samples: 300,
      feature_dim: 31,
    });
    expect(knn.model_names).toEqual([...ACTIONS.map((a) => a.model)].sort());
    expect(new Set(knn.labels)).toEqual(new Set(knn.model_names));
    expect(knn.latencies.every((l) => Number.isInteger(l))).toBe(true);
    expect(decision(e.config, 'code').algorithm).toEqual({ type: 'knn' });
    expect(e.config.global?.router?.model_selection?.ml.knn).toEqual({ k: 7, pretrained_path: 'knn_model.json' });
    expect(opsOf(e.out)).toContain('TopK');
  }, 120_000);

  it('cascade: a confidence decision with the learned threshold, levels small to large', async () => {
    const policy = cascadePolicy();
    const e = await run(policy.save(), 'cascade');
    expectVerified(e.verification);
    const pools = [
      { name: 'small', model: 'llama-3.2-3b', pricing: { inputPer1M: 0.06, outputPer1M: 0.06 } },
      { name: 'medium', model: 'qwen3-8b', pricing: { inputPer1M: 0.18, outputPer1M: 0.18 } },
      { name: 'large', model: 'llama-3.1-70b', pricing: { inputPer1M: 0.88, outputPer1M: 0.88 } },
    ];
    for (const cat of CATS) {
      const want = policy.toConfidenceAlgorithm(cat, policy.costs(categoryContext(cat, pools, 512)));
      const d = decision(e.config, cat);
      expect(d.algorithm).toEqual(want);
      expect(d.modelRefs.map((r) => r.model)).toEqual(ACTIONS.map((a) => a.model));
    }
  }, 120_000);

  it('manifest: sha256 of every artifact, the action map and the ONNX inputs', async () => {
    const e = await run(trainRegistry('ucb1').save(), 'manifest');
    for (const [name, { sha256: sum }] of Object.entries(e.manifest.artifacts))
      expect(sha256(readFileSync(join(e.out, name)))).toBe(sum);
    expect(Object.keys(e.manifest.artifacts).sort()).toEqual(['config.yaml', 'policy.onnx', 'seed_pack.json']);
    expect(e.manifest).toMatchObject({
      exporter: 'wrp',
      target: 'semantic-router',
      onnx: { inputs: [{ name: 'category_index', dtype: 'int64', shape: ['N'] }] },
    });
    expect(
      (e.manifest.actions as { map: { router_model: string; placeholder: boolean }[] }).map.map((a) => a.placeholder),
    ).toEqual([true, true, false]);
  }, 120_000);
});
