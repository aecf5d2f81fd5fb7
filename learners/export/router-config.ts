/**
 * Builds the Semantic Router v0.3 config from a policy (ExportModel plus its per-category
 * learned values) and the experiment it was trained for: providers from the pools (pricing,
 * backend_refs), model cards with learned quality, one domain signal and one decision per
 * category (modelRefs ordered by learned value) with the algorithm that fits the policy, the
 * ML-selector settings, and online learning.
 */
import type { ExperimentConfig, PoolConfig } from '../../harness/runner/config.ts';
import { MODEL_PROFILES } from '../../harness/pool/sim/profiles.ts';
import { ROUTER_CATEGORIES, ROUTER_EMBEDDING_DIM } from './ml-artifacts.ts';
import type { RouterConfig } from './sr-schema.ts';
import type { ExportModel } from './types.ts';

/** vLLM's default port: where a simulated pool would listen if served with `wrp pool serve`. */
export const PLACEHOLDER_PORT = 8000;
/** `.invalid` never resolves (RFC 2606): a deployment that forgets to replace it fails loudly. */
export const placeholderHost = (pool: string) =>
  `wrp-sim-${pool.toLowerCase().replace(/[^a-z0-9-]/g, '-')}.placeholder.invalid`;

/** Harness categories -> the router's MMLU-Pro domain categories (its domain classifier's labels). */
const MMLU_OF: Record<string, string> = { math: 'math', code: 'computer science', reasoning: 'math' };

export interface CategoryValues {
  category: string;
  /** Mean learned value per action over the category's held-out contexts. */
  values: number[];
}

export interface RouterConfigInput {
  experiment: ExperimentConfig;
  model: ExportModel;
  /** Router model name per action. */
  names: string[];
  perCategory: CategoryValues[];
  /** Per action, over all categories. */
  overall: number[];
  listenPort: number;
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : x > 0 ? 1 : 0);
export const decisionName = (category: string) =>
  `route-${
    category
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'category'
  }`;

/** host:port and protocol of a pool (a placeholder for a simulated pool without a fixed address). */
export function backendOf(pool: PoolConfig): { endpoint: string; protocol: 'http' | 'https'; placeholder: boolean } {
  if (pool.endpoint) {
    const u = new URL(pool.endpoint);
    const https = u.protocol === 'https:';
    return {
      endpoint: `${u.hostname}:${u.port || (https ? 443 : 80)}`,
      protocol: https ? 'https' : 'http',
      placeholder: false,
    };
  }
  // Forward-compatible: a sim block that pins its address (the schema has none today).
  const sim = (pool.sim ?? {}) as { host?: unknown; port?: unknown };
  if (typeof sim.host === 'string' && typeof sim.port === 'number')
    return { endpoint: `${sim.host}:${sim.port}`, protocol: 'http', placeholder: false };
  return { endpoint: `${placeholderHost(pool.name)}:${PLACEHOLDER_PORT}`, protocol: 'http', placeholder: true };
}

/** Action indices by decreasing value (ties keep action order). */
export function ranked(values: number[]): number[] {
  return values
    .map((v, i) => ({ v: Number.isNaN(v) ? -Infinity : v, i }))
    .sort((a, b) => b.v - a.v || a.i - b.i)
    .map((x) => x.i);
}

/** The router's multi_factor block from the experiment's reward weights and SLOs. */
export function multiFactor(e: ExperimentConfig) {
  const r = e.feedback.reward;
  // The router has no energy factor: the energy weight is left out and the rest renormalised.
  const total = r.quality + r.cost + r.slo;
  const w =
    total > 0
      ? { quality: r4(r.quality / total), latency: r4(r.slo / total), cost: r4(r.cost / total), load: 0 }
      : { quality: 1, latency: 0, cost: 0, load: 0 };
  const slo = {
    ...(e.slo.ttft_ms ? { max_ttft_ms: e.slo.ttft_ms } : {}),
    ...(e.slo.tpot_ms ? { max_tpot_ms: e.slo.tpot_ms } : {}),
  };
  return {
    type: 'multi_factor' as const,
    multi_factor: { weights: w, ...(Object.keys(slo).length > 0 ? { slo } : {}) },
  };
}

function algorithmFor(
  m: ExportModel,
  e: ExperimentConfig,
  category: string,
): RouterConfig['routing']['decisions'][number]['algorithm'] {
  switch (m.kind) {
    case 'static':
    case 'table':
      return { type: 'static' };
    case 'linear':
      return multiFactor(e);
    case 'mlp':
      return { type: 'mlp' };
    case 'knn':
      return { type: 'knn' };
    case 'cascade': {
      const c = m.confidence!(category);
      return {
        type: 'confidence',
        confidence: {
          confidence_method: c.confidence_method as 'hybrid',
          threshold: c.threshold,
          escalation_order: 'small_to_large',
          cost_quality_tradeoff: c.cost_quality_tradeoff,
        },
      };
    }
  }
}

/** Bandits keep learning in the router (routing_sampling); learned selectors keep their own algorithm. */
export const ADAPTIVE_LEARNERS = ['beta_thompson', 'ucb1', 'epsilon_greedy', 'best_single'];

export function buildRouterConfig(x: RouterConfigInput): RouterConfig {
  const { experiment: e, model: m, names } = x;
  const pools = m.actions.map((a) => e.pools.find((p) => p.name === a.pool)!);
  const best = ranked(x.overall)[0]!;
  const models = pools.map((p, i) => {
    const b = backendOf(p);
    return {
      name: names[i]!,
      provider_model_id: p.model,
      pricing: { currency: 'USD', prompt_per_1m: p.pricing.input_per_1m, completion_per_1m: p.pricing.output_per_1m },
      backend_refs: [{ name: `${p.name}-backend`, endpoint: b.endpoint, protocol: b.protocol, weight: 100 }],
    };
  });
  const modelCards = pools.map((p, i) => {
    const profile = p.sim ? MODEL_PROFILES[p.sim.model] : undefined;
    const where = p.sim ? `simulated ${p.sim.gpu} x${p.sim.tp}` : `live endpoint`;
    return {
      name: names[i]!,
      description: `${p.model} on pool ${p.name} (${where}); quality_score: the policy's mean learned value`,
      capabilities: ['chat'],
      quality_score: r4(clamp01(x.overall[i]!)),
      ...(profile
        ? { param_size: `${Math.round(profile.params / 1e9)}B`, context_window_size: profile.contextWindow }
        : {}),
      modality: 'ar' as const,
    };
  });
  const domains = x.perCategory.map(({ category, values }) => ({
    name: category,
    description: `wrp workload category "${category}"`,
    mmlu_categories: [
      (ROUTER_CATEGORIES as readonly string[]).includes(category) ? category : (MMLU_OF[category] ?? 'other'),
    ],
    model_scores: ranked(values).map((i) => ({
      model: names[i]!,
      score: r4(clamp01(values[i]!)),
      use_reasoning: false,
    })),
  }));
  const decisions = x.perCategory.map(({ category, values }, j) => {
    // A cascade escalates small -> large: its levels keep their order.
    const order = m.kind === 'cascade' ? values.map((_, i) => i) : ranked(values);
    return {
      name: decisionName(category),
      description: `${m.file.learner} policy for category "${category}"`,
      priority: Math.max(0, 100 - j),
      rules: { operator: 'OR' as const, conditions: [{ type: 'domain' as const, name: category }] },
      modelRefs: order.map((i) => ({
        model: names[i]!,
        use_reasoning: false,
        weight: r4(Math.max(0, clamp01(values[i]!))),
      })),
      algorithm: algorithmFor(m, e, category),
    };
  });
  const ml =
    m.kind === 'mlp' || m.kind === 'knn'
      ? {
          models_path: '.',
          embedding_dim: m.layout.blocks.find((b) => b.kind === 'embedding_endpoint')?.dim ?? ROUTER_EMBEDDING_DIM,
          ...(m.kind === 'mlp'
            ? { mlp: { device: 'cpu' as const, pretrained_path: 'mlp_model.json' } }
            : { knn: { k: m.knn!.k, pretrained_path: 'knn_model.json' } }),
        }
      : undefined;
  const adaptive = ADAPTIVE_LEARNERS.includes(m.file.learner);
  return {
    version: 'v0.3',
    listeners: [{ name: 'http', address: '0.0.0.0', port: x.listenPort, timeout: '300s' }],
    providers: { defaults: { default_model: names[best]! }, models },
    routing: { strategy: 'priority', modelCards, signals: { domains }, decisions },
    global: {
      router: {
        ...(ml ? { model_selection: { ml } } : {}),
        learning: {
          enabled: true,
          adaptation: { enabled: adaptive, strategy: 'routing_sampling', candidate_set: 'decision' },
        },
      },
    },
  };
}
