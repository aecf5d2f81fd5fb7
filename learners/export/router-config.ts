/**
 * Renders decision plans (decision-plan.ts) as the Semantic Router v0.3 config: providers
 * from the experiment's pools (pricing, backend_refs), model cards (quality = the policy's
 * mean learned value, sizes from the simulator's profiles), one keyword signal per route,
 * the decisions with their algorithms, and the global blocks that make the router do what
 * the policy does:
 *
 * - Router Learning on (outcomes are accepted) with adaptation and protection off, so the
 *   router serves the selector's choice; `online: true` turns adaptation (routing_sampling)
 *   on instead, seeded by the model cards' quality_score, the only prior it reads
 *   (pkg/extproc/router_learning_adaptation.go);
 * - Router Replay on (every routed response carries x-vsr-replay-id, which `wrp outcomes`
 *   needs; pkg/config/plugin_router_replay_support.go);
 * - for mlp/knn: the ML selector paths and the router's embedding backend pointed at the
 *   endpoint the policy was trained on (openai_compatible, pkg/extproc/router_selection.go
 *   resolveSelectionEmbeddingProvider), so both embed the same text the same way.
 */
import type { ExperimentConfig, PoolConfig } from '../../harness/runner/config.ts';
import { MODEL_PROFILES } from '../../harness/pool/sim/profiles.ts';
import { UNSEEN_CATEGORY } from './contexts.ts';
import type { DecisionPlan } from './decision-plan.ts';
import type { RouterEmbedding } from './ml-artifacts.ts';
import { escalationOrder } from './router-model/select-confidence.ts';
import type { RouterConfig } from './sr-schema.ts';
import type { ExportModel } from './types.ts';

/** vLLM's default port: where a simulated pool would listen if served with `wrp pool serve`. */
export const PLACEHOLDER_PORT = 8000;
/** `.invalid` never resolves (RFC 2606): a deployment that forgets to replace it fails loudly. */
export const placeholderHost = (pool: string) =>
  `wrp-sim-${pool.toLowerCase().replace(/[^a-z0-9-]/g, '-')}.placeholder.invalid`;

export interface RouterConfigInput {
  experiment: ExperimentConfig;
  model: ExportModel;
  /** Router model name per action. */
  names: string[];
  plans: DecisionPlan[];
  /** Per action, the policy's mean learned value over held-out contexts. */
  overall: number[];
  defaultAction: number;
  listenPort: number;
  /** Let Router Learning keep adapting online (routing_sampling) instead of serving the policy's choice. */
  online?: boolean;
  /** Environment variable holding the management API's bearer token (operator role). */
  managementTokenEnv?: string;
  embedding?: RouterEmbedding;
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : x > 0 ? 1 : 0);

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

type Decision = RouterConfig['routing']['decisions'][number];

function algorithmOf(
  x: RouterConfigInput,
  plan: DecisionPlan,
  cards: Map<string, { param_size?: string }>,
): Decision['algorithm'] {
  const m = x.model;
  if (m.kind === 'mlp' || m.kind === 'linear') return { type: 'mlp' };
  if (m.kind === 'knn') return { type: 'knn' };
  if (m.kind !== 'cascade') return { type: 'static' };
  const c = m.confidence!(m.categories.includes(plan.category) ? plan.category : UNSEEN_CATEGORY);
  const refs = plan.order.map((i) => x.names[i]!);
  // small_to_large sorts by param_size (v0.3.0 knows it); `declared` only where sizes would reorder the levels.
  const bySize = escalationOrder(refs, 'small_to_large', cards).every((r, i) => r === refs[i]);
  return {
    type: 'confidence',
    confidence: {
      confidence_method: c.confidence_method as 'hybrid',
      threshold: c.threshold,
      escalation_order: bySize ? 'small_to_large' : 'declared',
      cost_quality_tradeoff: c.cost_quality_tradeoff,
    },
  };
}

export function buildRouterConfig(x: RouterConfigInput): RouterConfig {
  const { experiment: e, model: m, names } = x;
  const pools = m.actions.map((a) => e.pools.find((p) => p.name === a.pool)!);
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
  const cards = new Map(modelCards.map((c) => [c.name, c]));
  const keywords = x.plans.flatMap((p) =>
    p.keyword
      ? [
          {
            name: p.keyword.signal,
            operator: p.keyword.operator,
            keywords: [...p.keyword.keywords],
            case_sensitive: p.keyword.case_sensitive,
          },
        ]
      : [],
  );
  const decisions: Decision[] = x.plans.map((p) => ({
    name: p.name,
    description: p.description,
    priority: p.priority,
    ...(p.keyword
      ? { rules: { operator: 'OR' as const, conditions: [{ type: 'keyword' as const, name: p.keyword.signal }] } }
      : {}),
    modelRefs: p.order.map((i) => ({ model: names[i]!, use_reasoning: false, weight: r4(clamp01(p.values[i]!)) })),
    algorithm: algorithmOf(x, p, cards),
  }));
  const ml =
    x.embedding && (m.kind === 'mlp' || m.kind === 'linear' || m.kind === 'knn')
      ? {
          models_path: '.',
          embedding_dim: x.embedding.dim,
          ...(m.kind === 'knn'
            ? { knn: { k: m.knn!.k, pretrained_path: 'knn_model.json' } }
            : { mlp: { device: 'cpu' as const, pretrained_path: 'mlp_model.json' } }),
        }
      : m.kind === 'knn'
        ? { models_path: '.', embedding_dim: m.layout.dim, knn: { k: m.knn!.k, pretrained_path: 'knn_model.json' } }
        : m.kind === 'mlp' || m.kind === 'linear'
          ? {
              models_path: '.',
              embedding_dim: m.layout.dim,
              mlp: { device: 'cpu' as const, pretrained_path: 'mlp_model.json' },
            }
          : undefined;
  const emb = x.embedding;
  return {
    version: 'v0.3',
    listeners: [{ name: 'http', address: '0.0.0.0', port: x.listenPort, timeout: '300s' }],
    providers: { defaults: { default_model: names[x.defaultAction]! }, models },
    routing: {
      strategy: 'priority',
      modelCards,
      signals: keywords.length > 0 ? { keywords } : {},
      decisions,
    },
    global: {
      router: {
        ...(ml ? { model_selection: { ml } } : {}),
        learning: {
          enabled: true,
          adaptation: { enabled: x.online ?? false, strategy: 'routing_sampling', candidate_set: 'decision' },
          protection: { enabled: false },
        },
      },
      services: {
        router_replay: { enabled: true },
        ...(x.managementTokenEnv
          ? {
              management_api: {
                auth: { mode: 'bearer' as const, tokens: [{ env: x.managementTokenEnv, role: 'operator' as const }] },
              },
            }
          : {}),
      },
      ...(emb
        ? {
            model_catalog: {
              embeddings: {
                semantic: {
                  embedding_config: {
                    backend: 'openai_compatible' as const,
                    model_type: 'remote' as const,
                    target_dimension: emb.dim,
                  },
                  endpoint: {
                    base_url: emb.url,
                    model: emb.model,
                    ...(emb.apiKeyEnv ? { api_key_env: emb.apiKeyEnv } : {}),
                  },
                },
              },
            },
          }
        : {}),
    },
  };
}
