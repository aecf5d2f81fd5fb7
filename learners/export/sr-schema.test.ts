import { describe, expect, it } from 'vitest';
import { routerConfigProblems, validateRouterConfig } from './sr-schema.ts';
import { ConfigError } from '../../core/errors.ts';

/** A small valid v0.3 config; each test breaks one thing. */
type Cfg = Record<string, unknown> & { routing: Record<string, unknown> & { decisions: Record<string, unknown>[] } };

function valid(): Cfg {
  return {
    version: 'v0.3',
    listeners: [{ name: 'http', address: '0.0.0.0', port: 8801, timeout: '300s' }],
    providers: {
      defaults: { default_model: 'small' },
      models: [
        {
          name: 'small',
          provider_model_id: 'llama-3.2-3b',
          pricing: { currency: 'USD', prompt_per_1m: 0.06, completion_per_1m: 0.06 },
          backend_refs: [{ name: 'b', endpoint: 'host:8000', protocol: 'http', weight: 100 }],
        },
        {
          name: 'large',
          provider_model_id: 'llama-3.1-70b',
          backend_refs: [{ name: 'c', endpoint: '10.0.0.2:8000', protocol: 'https', weight: 100 }],
        },
      ],
    },
    routing: {
      strategy: 'priority',
      modelCards: [{ name: 'small', quality_score: 0.6, modality: 'ar' }],
      signals: {
        domains: [
          {
            name: 'math',
            mmlu_categories: ['math'],
            model_scores: [{ model: 'large', score: 0.9, use_reasoning: false }],
          },
        ],
      },
      decisions: [
        {
          name: 'route-math',
          description: 'math requests',
          priority: 100,
          rules: { operator: 'OR', conditions: [{ type: 'domain', name: 'math' }] },
          modelRefs: [
            { model: 'small', use_reasoning: false },
            { model: 'large', weight: 0.5 },
          ],
          algorithm: {
            type: 'confidence',
            confidence: {
              confidence_method: 'hybrid',
              threshold: 0.7,
              escalation_order: 'small_to_large',
              cost_quality_tradeoff: 0.3,
            },
          },
        },
      ],
    },
    global: {
      router: {
        learning: {
          enabled: true,
          adaptation: { enabled: true, strategy: 'routing_sampling', candidate_set: 'decision' },
        },
      },
    },
  };
}

const first = (raw: unknown) => routerConfigProblems(raw).join('\n');

describe('the v0.3 router config schema', () => {
  it('accepts a valid config', () => {
    expect(routerConfigProblems(valid())).toEqual([]);
    expect(validateRouterConfig(valid()).version).toBe('v0.3');
  });

  it.each([
    ['vllm_endpoints', [{ name: 'x', address: '1.2.3.4', port: 8000 }], 'providers.models[].backend_refs'],
    ['model_config', { small: { preferred_endpoints: ['x'] } }, 'routing.modelCards'],
    ['categories', [{ name: 'math' }], 'routing.signals.domains'],
    ['default_model', 'small', 'providers.defaults.default_model'],
  ])('rejects the removed flat key %s, saying where it lives now', (key, value, now) => {
    const problems = routerConfigProblems({ ...valid(), [key]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${key}: removed in v0.3`);
    expect(problems[0]).toContain(now);
  });

  it('rejects unknown keys at any depth, naming the path', () => {
    expect(first({ ...valid(), extra: 1 })).toContain("(top level): unknown key(s) 'extra'");
    const c = valid();
    (c.providers as { models: Record<string, unknown>[] }).models[0]!.endpoint = 'x';
    expect(first(c)).toContain("providers.models[0]: unknown key(s) 'endpoint'");
    const d = valid();
    d.routing.decisions[0]!.algorithm = { type: 'static', static: {} };
    expect(first(d)).toContain("routing.decisions[0].algorithm: unknown key(s) 'static'");
  });

  it.each(['bandit', 'elo', 'rl_driven'])('rejects decision-level online learning (%s)', (type) => {
    const c = valid();
    c.routing.decisions[0]!.algorithm = { type };
    expect(first(c)).toContain(
      `routing.decisions[0].algorithm.type: "${type}" is rejected at decision level (online learning lives in global.router.learning)`,
    );
  });

  it('rejects bad values: version, endpoint, threshold 0, quality_score > 1, strategy', () => {
    expect(first({ ...valid(), version: 'v0.2' })).toContain('version');
    const e = valid();
    (e.providers as { models: { backend_refs: { endpoint: string }[] }[] }).models[0]!.backend_refs[0]!.endpoint =
      'http://host:8000';
    expect(first(e)).toContain('providers.models[0].backend_refs[0].endpoint: expected "host:port"');
    const t = valid();
    (t.routing.decisions[0]!.algorithm as { confidence: { threshold: number } }).confidence.threshold = 0;
    expect(first(t)).toContain('routing.decisions[0].algorithm.confidence.threshold');
    const q = valid();
    (q.routing as unknown as { modelCards: { quality_score: number }[] }).modelCards[0]!.quality_score = 1.5;
    expect(first(q)).toContain('routing.modelCards[0].quality_score');
    expect(first({ ...valid(), routing: { ...valid().routing, strategy: 'round_robin' } })).toContain(
      'routing.strategy',
    );
  });

  it('checks cross-references: models, signals, ML artifacts, duplicates', () => {
    const c = valid();
    c.routing.decisions[0]!.modelRefs = [{ model: 'medium' }];
    expect(first(c)).toContain('routing.decisions[0].modelRefs[0].model: "medium" is not in providers.models');
    const s = valid();
    s.routing.decisions[0]!.rules = { operator: 'OR', conditions: [{ type: 'domain', name: 'law' }] };
    expect(first(s)).toContain('no domain signal "law"');
    const m = valid();
    m.routing.decisions[0]!.algorithm = { type: 'mlp' };
    expect(first(m)).toContain('type mlp needs global.router.model_selection.ml.mlp');
    const d = valid();
    d.routing.decisions.push({ ...d.routing.decisions[0]! });
    expect(first(d)).toContain('routing.decisions[1].name: "route-math" twice');
    const def = valid();
    (def.providers as { defaults: { default_model: string } }).defaults.default_model = 'nope';
    expect(first(def)).toContain('providers.defaults.default_model: "nope" is not in providers.models');
  });

  it('what exports write: a catch-all decision without rules, Router Replay, the remote embedding backend', () => {
    const c = valid();
    c.routing.decisions.push({
      name: 'wrp-other',
      description: 'no route matched',
      priority: 0,
      modelRefs: [{ model: 'small' }],
      algorithm: { type: 'mlp' },
    });
    c.global = {
      router: {
        model_selection: {
          ml: { models_path: '.', embedding_dim: 768, mlp: { device: 'cpu', pretrained_path: 'mlp_model.json' } },
        },
        learning: { enabled: true, protection: { enabled: false } },
      },
      services: { router_replay: { enabled: true } },
      model_catalog: {
        embeddings: {
          semantic: {
            embedding_config: { backend: 'openai_compatible', model_type: 'remote', target_dimension: 768 },
            endpoint: { base_url: 'http://emb:8000/v1/embeddings', model: 'mmbert' },
          },
        },
      },
    };
    expect(routerConfigProblems(c)).toEqual([]);
    const noDescription = valid();
    delete noDescription.routing.decisions[0]!.description;
    expect(first(noDescription)).toContain('routing.decisions[0].description');
    const dims = structuredClone(c) as Cfg & {
      global: { router: { model_selection: { ml: { embedding_dim: number } } } };
    };
    dims.global.router.model_selection.ml.embedding_dim = 1024;
    expect(first(dims)).toContain("embedding_dim: 1024, but the embedding backend's target_dimension is 768");
  });

  it('validateRouterConfig throws a ConfigError listing every problem', () => {
    const c = { ...valid(), vllm_endpoints: [], default_model: 'small' };
    expect(() => validateRouterConfig(c, 'x.yaml')).toThrow(ConfigError);
    expect(() => validateRouterConfig(c, 'x.yaml')).toThrow(
      /^x\.yaml: vllm_endpoints: removed in v0\.3.*; default_model: removed in v0\.3/,
    );
  });
});
