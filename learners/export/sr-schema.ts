/**
 * A zod schema of vLLM Semantic Router's v0.3 config (shared/REFERENCE.md section 4), strict:
 * unknown keys are errors, the removed flat keys (vllm_endpoints, model_config, categories,
 * top-level default_model) get a message saying where their content lives now, and
 * decision-level online learning (elo, rl_driven, bandit) is refused. validateRouterConfig
 * adds the cross-references zod cannot see (modelRefs name a provider model, conditions a
 * signal, ML algorithms their artifacts).
 */
import { z } from 'zod';
import { zodProblems } from '../../core/validate.ts';
import { ConfigError } from '../../core/errors.ts';

const name = z.string().min(1);
const unit = z.number().min(0).max(1);
const hostPort = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/, 'expected "host:port"');
const duration = z.string().regex(/^\d+(ms|s|m|h)$/, 'expected a duration such as 300s');

const pricing = z.strictObject({
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO currency code, e.g. USD'),
  prompt_per_1m: z.number().min(0),
  completion_per_1m: z.number().min(0),
  cached_input_per_1m: z.number().min(0).optional(),
});
const backendRef = z.strictObject({
  name,
  endpoint: hostPort,
  protocol: z.enum(['http', 'https']),
  weight: z.number().int().min(0).max(100),
});
const providerModel = z.strictObject({
  name,
  reasoning_family: name.optional(),
  provider_model_id: name,
  pricing: pricing.optional(),
  backend_refs: z.array(backendRef).min(1),
});
const providers = z.strictObject({
  defaults: z.strictObject({
    default_model: name,
    reasoning_families: z
      .record(name, z.strictObject({ type: z.enum(['chat_template_kwargs', 'reasoning_effort']), parameter: name }))
      .optional(),
  }),
  models: z.array(providerModel).min(1),
});

const modelCard = z.strictObject({
  name,
  description: z.string().optional(),
  capabilities: z.array(name).optional(),
  quality_score: unit.optional(),
  param_size: z.string().optional(),
  context_window_size: z.number().int().positive().optional(),
  modality: z.enum(['ar', 'diffusion', 'omni']).optional(),
});
const domain = z.strictObject({
  name,
  description: z.string().optional(),
  mmlu_categories: z.array(name).optional(),
  model_scores: z.array(z.strictObject({ model: name, score: unit, use_reasoning: z.boolean() })).optional(),
});
const keyword = z.strictObject({
  name,
  operator: z.enum(['AND', 'OR', 'NOR']),
  keywords: z.array(z.string().min(1)).min(1),
  case_sensitive: z.boolean().optional(),
});
/** Signals export never writes: accepted as named objects, not checked further. */
const namedSignal = z.looseObject({ name });
const signals = z.strictObject({
  domains: z.array(domain).optional(),
  keywords: z.array(keyword).optional(),
  context: z.array(namedSignal).optional(),
  complexity: z.array(namedSignal).optional(),
  embeddings: z.array(namedSignal).optional(),
});

const SIGNAL_TYPES = ['domain', 'keyword', 'context', 'complexity', 'embedding'] as const;
const rules = z.strictObject({
  operator: z.enum(['AND', 'OR', 'NOT']),
  conditions: z.array(z.strictObject({ type: z.enum(SIGNAL_TYPES), name })).min(1),
});
const modelRef = z.strictObject({
  model: name,
  use_reasoning: z.boolean().optional(),
  weight: z.number().min(0).optional(),
});
const bare = <T extends string>(t: T) => z.strictObject({ type: z.literal(t) });
const ONLINE = ['elo', 'rl_driven', 'bandit'];
const algorithm = z.discriminatedUnion('type', [
  bare('static'),
  bare('knn'),
  bare('kmeans'),
  bare('svm'),
  bare('mlp'),
  z.strictObject({
    type: z.literal('confidence'),
    confidence: z.strictObject({
      confidence_method: z.enum(['hybrid', 'margin', 'avg_logprob', 'self_verify']),
      // 0 would be dropped (omitempty) and replaced by the router default.
      threshold: z.number().gt(0).max(1),
      // pkg/config/confidence_config.go validateConfidenceEscalationOrder (declared: after v0.3.0).
      escalation_order: z.enum(['size', 'small_to_large', 'declared', 'cost', 'automix']),
      cost_quality_tradeoff: unit,
    }),
  }),
  z.strictObject({
    type: z.literal('automix'),
    automix: z.strictObject({
      verification_threshold: unit,
      max_escalations: z.number().int().min(0),
      cost_quality_tradeoff: unit,
    }),
  }),
  z.strictObject({
    type: z.literal('multi_factor'),
    multi_factor: z.strictObject({
      weights: z
        .strictObject({ quality: unit, latency: unit, cost: unit, load: unit })
        .refine((w) => w.quality + w.latency + w.cost + w.load > 0, 'expected at least one weight > 0'),
      slo: z
        .strictObject({
          max_ttft_ms: z.number().positive().optional(),
          max_tpot_ms: z.number().positive().optional(),
          max_cost_per_1m: z.number().positive().optional(),
        })
        .optional(),
    }),
  }),
  bare('latency_aware'),
  bare('router_dc'),
  bare('hybrid'),
]);
const mode = z.enum(['apply', 'observe', 'bypass']);
const decision = z.strictObject({
  name,
  // The Python validator (src/vllm-sr/cli/models.py Decision) requires both.
  description: z.string(),
  priority: z.number().int().min(0),
  /** Absent: the decision matches every request (pkg/config/decision_config.go RuleNode.IsEmpty). */
  rules: rules.optional(),
  modelRefs: z.array(modelRef).min(1),
  algorithm,
  adaptations: z
    .strictObject({
      mode: mode.optional(),
      adaptation: z
        .strictObject({ mode: mode.optional(), candidate_set: z.enum(['decision', 'tier', 'global']).optional() })
        .optional(),
    })
    .optional(),
});
const routing = z.strictObject({
  strategy: z.enum(['priority', 'confidence']).optional(),
  modelCards: z.array(modelCard).optional(),
  signals: signals.optional(),
  decisions: z.array(decision).min(1),
});

const mlSelector = z.strictObject({ pretrained_path: name });
const globalBlock = z.strictObject({
  router: z
    .strictObject({
      model_selection: z
        .strictObject({
          ml: z.strictObject({
            models_path: name,
            embedding_dim: z.number().int().positive(),
            knn: mlSelector.extend({ k: z.number().int().min(1) }).optional(),
            mlp: mlSelector.extend({ device: z.enum(['cpu', 'cuda', 'metal']) }).optional(),
            kmeans: mlSelector.optional(),
            svm: mlSelector.optional(),
          }),
        })
        .optional(),
      learning: z
        .strictObject({
          enabled: z.boolean(),
          adaptation: z
            .strictObject({
              enabled: z.boolean(),
              strategy: z.literal('routing_sampling'),
              candidate_set: z.enum(['decision', 'tier', 'global']),
            })
            .optional(),
          protection: z.strictObject({ enabled: z.boolean() }).optional(),
        })
        .optional(),
    })
    .optional(),
  // pkg/config/canonical_global.go CanonicalServiceGlobal: what wrp turns on.
  services: z
    .strictObject({
      router_replay: z
        .strictObject({
          enabled: z.boolean(),
          store_backend: z.enum(['memory', 'redis', 'postgres', 'milvus', 'qdrant']).optional(),
        })
        .optional(),
      management_api: z
        .strictObject({
          auth: z.strictObject({
            mode: z.literal('bearer'),
            tokens: z
              .array(
                z.strictObject({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/), role: z.enum(['operator', 'admin']) }),
              )
              .min(1),
          }),
        })
        .optional(),
    })
    .optional(),
  // pkg/config/model_config_types.go EmbeddingModels + embedding_config.go: the remote backend.
  model_catalog: z
    .strictObject({
      embeddings: z.strictObject({
        semantic: z.strictObject({
          embedding_config: z.strictObject({
            backend: z.literal('openai_compatible'),
            model_type: z.literal('remote'),
            target_dimension: z.number().int().positive(),
          }),
          endpoint: z.strictObject({
            base_url: z.url(),
            model: name,
            api_key_env: z.string().optional(),
            timeout_seconds: z.number().int().min(0).optional(),
          }),
        }),
      }),
    })
    .optional(),
});

export const routerConfigSchema = z.strictObject({
  version: z.literal('v0.3'),
  listeners: z
    .array(
      z.strictObject({
        name,
        address: z.string().min(1),
        port: z.number().int().min(1).max(65_535),
        timeout: duration.optional(),
      }),
    )
    .min(1),
  providers,
  routing,
  global: globalBlock.optional(),
});
export type RouterConfig = z.infer<typeof routerConfigSchema>;

const REMOVED: Record<string, string> = {
  vllm_endpoints: 'providers.models[].backend_refs',
  model_config: 'providers.models[] and routing.modelCards[]',
  categories: 'routing.signals.domains[] and routing.decisions[]',
  default_model: 'providers.defaults.default_model',
};

/** Every problem of a candidate config, each naming its path; [] when the router would load it. */
export function routerConfigProblems(raw: unknown): string[] {
  const problems: string[] = [];
  const top = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  for (const [key, now] of Object.entries(REMOVED))
    if (key in top) problems.push(`${key}: removed in v0.3 (use ${now})`);
  const decisions = (top.routing as { decisions?: unknown } | undefined)?.decisions;
  if (Array.isArray(decisions)) {
    decisions.forEach((d, i) => {
      const t = (d as { algorithm?: { type?: unknown } } | null)?.algorithm?.type;
      if (typeof t === 'string' && ONLINE.includes(t))
        problems.push(
          `routing.decisions[${i}].algorithm.type: "${t}" is rejected at decision level (online learning lives in global.router.learning)`,
        );
    });
  }
  const stripped = Object.fromEntries(Object.entries(top).filter(([k]) => !(k in REMOVED)));
  const r = routerConfigSchema.safeParse(stripped);
  if (!r.success)
    problems.push(...zodProblems(r.error, stripped).filter((p) => !ONLINE.some((t) => p.includes(`"${t}"`))));
  else problems.push(...crossReferences(r.data));
  return problems;
}

function crossReferences(c: RouterConfig): string[] {
  const out: string[] = [];
  const models = new Set<string>();
  c.providers.models.forEach((m, i) =>
    models.has(m.name) ? out.push(`providers.models[${i}].name: "${m.name}" twice`) : models.add(m.name),
  );
  if (!models.has(c.providers.defaults.default_model))
    out.push(`providers.defaults.default_model: "${c.providers.defaults.default_model}" is not in providers.models`);
  c.routing.modelCards?.forEach(
    (m, i) => models.has(m.name) || out.push(`routing.modelCards[${i}].name: "${m.name}" is not in providers.models`),
  );
  const domains = new Set(c.routing.signals?.domains?.map((d) => d.name));
  const keywords = new Set(c.routing.signals?.keywords?.map((d) => d.name));
  c.routing.signals?.domains?.forEach((d, i) =>
    d.model_scores?.forEach(
      (s, j) =>
        models.has(s.model) ||
        out.push(`routing.signals.domains[${i}].model_scores[${j}].model: "${s.model}" is not in providers.models`),
    ),
  );
  const names = new Set<string>();
  const ml = c.global?.router?.model_selection?.ml;
  c.routing.decisions.forEach((d, i) => {
    if (names.has(d.name)) out.push(`routing.decisions[${i}].name: "${d.name}" twice`);
    names.add(d.name);
    d.modelRefs.forEach(
      (r, j) =>
        models.has(r.model) ||
        out.push(`routing.decisions[${i}].modelRefs[${j}].model: "${r.model}" is not in providers.models`),
    );
    d.rules?.conditions.forEach((cond, j) => {
      const known = cond.type === 'domain' ? domains : cond.type === 'keyword' ? keywords : undefined;
      if (known && !known.has(cond.name))
        out.push(`routing.decisions[${i}].rules.conditions[${j}].name: no ${cond.type} signal "${cond.name}"`);
    });
    const t = d.algorithm.type;
    if ((t === 'mlp' || t === 'knn' || t === 'kmeans' || t === 'svm') && !ml?.[t])
      out.push(`routing.decisions[${i}].algorithm: type ${t} needs global.router.model_selection.ml.${t}`);
  });
  const emb = c.global?.model_catalog?.embeddings.semantic.embedding_config.target_dimension;
  if (ml && emb !== undefined && ml.embedding_dim !== emb)
    out.push(
      `global.router.model_selection.ml.embedding_dim: ${ml.embedding_dim}, but the embedding backend's target_dimension is ${emb}`,
    );
  return out;
}

/** Throws a ConfigError listing every problem. */
export function validateRouterConfig(raw: unknown, file = 'config.yaml'): RouterConfig {
  const problems = routerConfigProblems(raw);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return routerConfigSchema.parse(raw);
}
