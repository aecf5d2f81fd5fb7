/** Small builders for RoutingContext in the rl tests and benchmarks (no harness needed). */
import type { PoolObservation, RoutingContext } from '../../harness/types.ts';

let counter = 0;

export interface CtxSpec {
  category: string;
  pools: string[];
  id?: string;
  previousPool?: string;
  promptTokens?: number;
  text?: string;
  /** Per pool: running, waiting, kvCacheUsage, recentTtftMs. */
  state?: Record<string, Partial<PoolObservation>>;
}

export function makeCtx(spec: CtxSpec): RoutingContext {
  const id = spec.id ?? `s${counter++}/0`;
  const pools: PoolObservation[] = spec.pools.map((name) => ({
    name,
    model: `${name}-model`,
    pricing: { inputPer1M: 0.1, outputPer1M: 0.4 },
    ...spec.state?.[name],
  }));
  return {
    labels: {
      id,
      source: 'synthetic',
      category: spec.category,
      archetype: 'chat',
      sessionId: id.split('/')[0]!,
      turn: 0,
      warm: false,
      lengthClass: 'balanced',
    },
    text: spec.text ?? `a ${spec.category} question`,
    messages: [{ role: 'user', content: spec.text ?? `a ${spec.category} question` }],
    promptTokensEstimate: spec.promptTokens ?? 100,
    pools,
    ...(spec.previousPool !== undefined ? { previousPool: spec.previousPool } : {}),
  };
}

/** A one-hot category featurizer with a bias term, standing in for learners/features. */
export function categoryFeaturizer(categories: string[]): {
  featurize: (ctx: RoutingContext) => Float64Array;
  dim: number;
} {
  const dim = categories.length + 1;
  return {
    dim,
    featurize: (ctx) => {
      const x = new Float64Array(dim);
      const i = categories.indexOf(ctx.labels.category);
      if (i >= 0) x[i] = 1;
      x[dim - 1] = 1;
      return x;
    },
  };
}
