/**
 * wrp export end to end: every exportable learner becomes a config the router model (built
 * from Semantic Router's source, router-model/) serves the policy's greedy choice with, on
 * >= 10,000 held-out contexts; exports that would not do so are refused with the figure and
 * the cause, or written with --allow-low-fidelity and the figure recorded.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { LEARNERS } from '../registry.ts';
import { initTf } from '../rl/backend.ts';
import type { PolicyFile } from '../types.ts';
import { ExportError, exportPolicy, type ExportOptions, type ExportResult } from './export.ts';
import { sha256 } from './manifest.ts';
import { loadSignalMap } from './signal-map.ts';
import type { RouterConfig } from './sr-schema.ts';
import {
  ACTIONS,
  cascadePolicy,
  embeddingServer,
  knnPolicy,
  routerFeatures,
  tempDir,
  trainPolicy,
  writeExperiment,
  writePolicy,
} from './testing.ts';
import type { KnnModelJson } from './types.ts';

let dir: string;
let experiment: string;
let server: Awaited<ReturnType<typeof embeddingServer>>;
beforeAll(async () => {
  dir = tempDir();
  experiment = writeExperiment(dir, { live: true });
  server = await embeddingServer(48);
  await initTf({ log: () => {} });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Exported extends ExportResult {
  config: RouterConfig;
  manifest: Record<string, unknown> & { artifacts: Record<string, { sha256: string }> };
}

async function run(file: PolicyFile, name: string, extra: Partial<ExportOptions> = {}): Promise<Exported> {
  const out = join(dir, `out-${name}`);
  const r = await exportPolicy({ policy: writePolicy(dir, file, name), experiment, out, ...extra });
  const read = (f: string) => readFileSync(join(out, f), 'utf8');
  return { ...r, config: parseYaml(read('config.yaml')) as RouterConfig, manifest: JSON.parse(read('manifest.json')) };
}

function expectDeployed(e: Exported): void {
  expect(e.deployed.contexts).toBeGreaterThanOrEqual(10_000);
  expect(e.deployed.agreement).toBeGreaterThanOrEqual(0.99);
  expect(e.deployed.unreachable).toEqual([]);
  expect(e.deployed.decisions.every((d) => d.reachable && d.contexts > 0)).toBe(true);
  expect(e.deployed.pass).toBe(true);
}

const decision = (c: RouterConfig, name: string) => c.routing.decisions.find((d) => d.name === name)!;
const SYNTHETIC = loadSignalMap('builtin:synthetic');

describe('wrp export: what the router does is what the policy does', () => {
  it('a policy trained on workload labels is refused with the figure and the cause; --allow-low-fidelity writes it and records both', async () => {
    const file = (await trainPolicy('beta_thompson')).save();
    const out = join(dir, 'out-labels');
    const err = await exportPolicy({ policy: writePolicy(dir, file, 'labels'), experiment, out }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ExportError);
    expect((err as Error).message).toMatch(/deployed agreement \d+\.\d\d% on 10000 held-out contexts \(goal 99\.00%/);
    expect((err as Error).message).toMatch(
      /keyword signals put the request in "other", the policy decides on its category/,
    );
    expect(existsSync(out)).toBe(false);
    const e = await run(file, 'labels-low', { allowLowFidelity: true });
    expect(e.deployed.pass).toBe(false);
    expect(e.manifest.deployed_agreement).toMatchObject({ written_below_goal: true, agreement: e.deployed.agreement });
    expect(e.warnings.join('\n')).toMatch(/builtin:synthetic keyword routes/);
  }, 180_000);

  it('beta_thompson on builtin:synthetic: one keyword decision per route, the greedy model first, adaptation and protection off, Router Replay on', async () => {
    const learner = await trainPolicy('beta_thompson', {}, { signals: 'builtin:synthetic' });
    const e = await run(learner.save(), 'beta', { verify: true });
    expectDeployed(e);
    expect(e.deployed.agreement).toBe(1);
    expect(e.verification!.pass).toBe(true);
    expect(e.config.routing.signals!.keywords!.map((k) => k.name)).toEqual(
      SYNTHETIC.routes.map((r) => `wrp-${r.name}`),
    );
    expect(e.config.routing.decisions.map((d) => d.name)).toEqual([
      ...SYNTHETIC.routes.map((r) => `wrp-${r.name}`),
      'wrp-other',
    ]);
    const other = decision(e.config, 'wrp-other');
    expect(other.rules).toBeUndefined();
    expect(other.priority).toBe(0);
    expect(decision(e.config, 'wrp-math').priority).toBeGreaterThan(decision(e.config, 'wrp-code').priority);
    // The greedy (posterior-mean) choice per route is the first modelRef.
    const ctx = (text: string) => ({ ...learnerCtx(text) });
    expect(decision(e.config, 'wrp-code').modelRefs[0]!.model).toBe(
      ACTIONS[argmax(learner.scores!(ctx('Write a function that counts vowels.')))]!.model,
    );
    expect(e.config.global?.router?.learning).toEqual({
      enabled: true,
      adaptation: { enabled: false, strategy: 'routing_sampling', candidate_set: 'decision' },
      protection: { enabled: false },
    });
    expect(e.config.global?.services?.router_replay).toEqual({ enabled: true });
    expect(e.files).not.toContain('seed_pack.json');
    expect(e.config.providers.defaults.default_model).toBe(other.modelRefs[0]!.model);
  }, 180_000);

  it('online learning: routing_sampling explores from the model cards, so the export is refused with that cause', async () => {
    const file = (await trainPolicy('beta_thompson', {}, { signals: 'builtin:synthetic' })).save();
    const err = await exportPolicy({
      policy: writePolicy(dir, file, 'online'),
      experiment,
      out: join(dir, 'out-online'),
      onlineLearning: true,
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/routing_sampling adaptation replaced the selector's model/);
    const e = await run(file, 'online-low', { onlineLearning: true, allowLowFidelity: true });
    expect(e.config.global?.router?.learning?.adaptation?.enabled).toBe(true);
    expect(e.deployed.meanChoiceAgreement).toBeDefined();
    expect(e.config.routing.modelCards!.every((c) => (c.quality_score ?? 0) > 0)).toBe(true);
  }, 180_000);

  it('static, ucb1, epsilon_greedy and best_single deploy at >= 99%', async () => {
    const staticFile = {
      ...LEARNERS.static!.create(
        { type: 'static', map: { math: 'medium', code: 'large' }, default: 'small' },
        { pools: ACTIONS.map((a) => a.pool), seed: 1, file: 't', actions: ACTIONS },
      ).save(),
      signals: SYNTHETIC,
    };
    const s = await run(staticFile, 'static');
    expectDeployed(s);
    expect(decision(s.config, 'wrp-math').modelRefs[0]!.model).toBe('qwen3-8b');
    expect(decision(s.config, 'wrp-code').modelRefs[0]!.model).toBe('llama-3.1-70b');
    expect(decision(s.config, 'wrp-chitchat').modelRefs[0]!.model).toBe('llama-3.2-3b');
    for (const type of ['ucb1', 'epsilon_greedy'])
      expectDeployed(await run((await trainPolicy(type, {}, { signals: 'builtin:synthetic' })).save(), type));
    const best = await run((await trainPolicy('best_single')).save(), 'best');
    expectDeployed(best);
    expect(best.config.routing.decisions.map((d) => d.name)).toEqual(['wrp-all']);
  }, 240_000);

  it('linucb and lin_thompson on the router layout: an mlp decision, a linear mlp_model.json, the router embedding the same endpoint', async () => {
    for (const type of ['linucb', 'lin_thompson']) {
      const e = await run((await trainPolicy(type, { features: routerFeatures(server.url, 48) })).save(), type, {
        verify: true,
      });
      expectDeployed(e);
      expect(decision(e.config, 'wrp-all').algorithm).toEqual({ type: 'mlp' });
      const mlp = JSON.parse(readFileSync(join(e.out, 'mlp_model.json'), 'utf8')) as {
        feature_dim: number;
        layers: { type: string }[];
        model_names: string[];
      };
      expect(mlp.layers.map((l) => l.type)).toEqual(['linear']);
      expect(mlp.feature_dim).toBe(48 + 14);
      expect(mlp.model_names).toEqual(ACTIONS.map((a) => a.model));
      expect(e.config.global?.model_catalog?.embeddings.semantic).toEqual({
        embedding_config: { backend: 'openai_compatible', model_type: 'remote', target_dimension: 48 },
        endpoint: { base_url: `${server.url}/embeddings`, model: 'stand-in-embedding' },
      });
      expect(e.config.global?.router?.model_selection?.ml).toMatchObject({
        embedding_dim: 48,
        mlp: { pretrained_path: 'mlp_model.json' },
      });
    }
  }, 240_000);

  it('a linear policy on features the router cannot compute is refused: its selector falls back', async () => {
    const file = (await trainPolicy('linucb', { features: { text: { dim: 16 } } })).save();
    const err = await exportPolicy({
      policy: writePolicy(dir, file, 'hashed'),
      experiment,
      out: join(dir, 'out-hashed'),
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/mlp selector fell back to the first modelRef/);
  }, 120_000);

  it('neural on the router layout: the network as mlp_model.json, no pool state', async () => {
    const learner = await trainPolicy(
      'neural',
      { hidden_sizes: [16], features: routerFeatures(server.url, 48) },
      { steps: 300 },
    );
    const e = await run(learner.save(), 'neural');
    expectDeployed(e);
    const mlp = JSON.parse(readFileSync(join(e.out, 'mlp_model.json'), 'utf8')) as {
      feature_dim: number;
      layers: { type: string }[];
    };
    expect(mlp.layers.map((l) => l.type)).toEqual(['linear', 'relu', 'linear']);
    expect(mlp.feature_dim).toBe(62);
  }, 240_000);

  it('knn: knn_model.json in the router format, scored by its rule', async () => {
    const e = await run((await knnPolicy({ k: 7, features: routerFeatures(server.url, 48) })).save(), 'knn');
    expectDeployed(e);
    const knn = JSON.parse(readFileSync(join(e.out, 'knn_model.json'), 'utf8')) as KnnModelJson;
    expect(knn).toMatchObject({ algorithm: 'knn', trained: true, k: 7, feature_dim: 62 });
    expect(knn.embeddings).toHaveLength(knn.labels.length);
    expect(knn.latencies.every((l) => Number.isInteger(l))).toBe(true);
    expect(e.config.global?.router?.model_selection?.ml.knn).toEqual({ k: 7, pretrained_path: 'knn_model.json' });
  }, 240_000);

  it('cascade: a confidence decision per route whose modelRefs start at the greedy start level', async () => {
    const e = await run(cascadePolicy(), 'cascade', { verify: true });
    expectDeployed(e);
    for (const d of e.config.routing.decisions) {
      expect(d.algorithm.type).toBe('confidence');
      const levels = d.modelRefs.map((r) => ACTIONS.findIndex((a) => a.model === r.model));
      expect(levels).toEqual(levels.map((_, i) => levels[0]! + i));
    }
  }, 180_000);

  it('manifest: the router release, sha256 of every artifact, the signal map and the decisions', async () => {
    const e = await run((await trainPolicy('ucb1', {}, { signals: 'builtin:synthetic' })).save(), 'manifest');
    for (const [name, { sha256: sum }] of Object.entries(e.manifest.artifacts))
      expect(sha256(readFileSync(join(e.out, name)))).toBe(sum);
    expect(Object.keys(e.manifest.artifacts).sort()).toEqual(['config.yaml', 'policy.onnx']);
    expect(e.manifest).toMatchObject({
      exporter: 'wrp',
      router_release: { tag: 'v0.3.0', commit: expect.stringMatching(/^3d48f8c9c/) },
      signals: { source: 'policy', map: { name: 'builtin:synthetic' } },
      deployed_agreement: { pass: true, written_below_goal: false },
    });
    expect((e.manifest.actions as { map: { placeholder: boolean }[] }).map.map((a) => a.placeholder)).toEqual([
      true,
      true,
      false,
    ]);
  }, 180_000);

  it('categories no router signal computes, without a map, are refused before anything is written', async () => {
    const learner = LEARNERS.beta_thompson!.create(
      { type: 'beta_thompson' },
      { pools: ACTIONS.map((a) => a.pool), seed: 1, file: 't', actions: ACTIONS },
    );
    learner.update(learnerCtx('q', 'arc_challenge'), 'small', 1);
    const err = await exportPolicy({
      policy: writePolicy(dir, learner.save(), 'arc'),
      experiment,
      out: join(dir, 'out-arc'),
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /arc_challenge\) that are no signal vLLM Semantic Router computes: retrain with --signals FILE/,
    );
  });
});

function learnerCtx(text: string, category = 'code') {
  return {
    labels: {
      id: 'x/0',
      source: 't',
      category,
      archetype: 'chat',
      sessionId: 'x',
      turn: 0,
      warm: false,
      lengthClass: 'balanced' as const,
    },
    text,
    messages: [{ role: 'user' as const, content: text }],
    promptTokensEstimate: 10,
    pools: [],
  };
}

function argmax(v: number[]): number {
  return v.reduce((b, x, i) => (x > v[b]! ? i : b), 0);
}
