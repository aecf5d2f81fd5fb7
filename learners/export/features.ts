/**
 * Feature plumbing shared by the export adapters: one set of embedding clients per policy
 * (the learner and export's own featurizer share them, so each text is fetched once), the
 * category list a layout distinguishes, and router model names.
 */
import type { RoutingContext } from '../../harness/types.ts';
import { EmbeddingClient } from '../features/embeddings.ts';
import { Featurizer, type FeaturizerOptions } from '../features/featurizer.ts';
import type { FeatureLayout } from '../types.ts';
import type { Action } from './types.ts';

/** Enough cache for a verification run: 10,000+ distinct held-out texts. */
const EMBED_CACHE = 100_000;

export function featurizerOptions(layout: FeatureLayout, env: NodeJS.ProcessEnv = process.env): FeaturizerOptions {
  const clients = new Map<number, EmbeddingClient>();
  layout.blocks.forEach((b, i) => {
    if (b.kind !== 'embedding_endpoint') return;
    const apiKey = b.apiKeyEnv === undefined ? undefined : env[b.apiKeyEnv];
    if (b.apiKeyEnv !== undefined && !apiKey)
      throw new Error(`features.blocks[${i}].apiKeyEnv: environment variable ${b.apiKeyEnv} is not set`);
    clients.set(
      i,
      new EmbeddingClient({
        url: b.url,
        model: b.model,
        dim: b.dim,
        normalize: b.normalize,
        cacheSize: EMBED_CACHE,
        batchSize: 128,
        ...(apiKey ? { apiKey } : {}),
      }),
    );
  });
  return { clients, embedding: { cache_size: EMBED_CACHE } };
}

/** A featurizer plus a batched prefetch of every context's embeddings. */
export function sharedFeaturizer(layout: FeatureLayout): {
  featurizer: Featurizer;
  options: FeaturizerOptions;
  prefetch(ctxs: RoutingContext[]): Promise<void>;
} {
  const options = featurizerOptions(layout);
  const featurizer = new Featurizer(layout, options);
  return {
    featurizer,
    options,
    prefetch: async (ctxs) => {
      if (featurizer.needsPrepare) await featurizer.prefetch(ctxs);
    },
  };
}

/** Categories of the layout's category one-hot block (none without one). */
export function layoutCategories(layout: FeatureLayout): string[] {
  const block = layout.blocks.find((b) => b.kind === 'category_onehot');
  return block && block.kind === 'category_onehot' ? [...block.categories] : [];
}

/**
 * Router model names, one per action: the served model name, unless two pools serve the same
 * model (a warm and a cold pool of one model): then every action is named by its pool, so
 * decisions can still tell them apart.
 */
export function routerModelNames(actions: Action[]): string[] {
  const models = actions.map((a) => a.model);
  return new Set(models).size === models.length ? models : actions.map((a) => a.pool);
}

/** Row-major [rows, cols] from rows of equal length. */
export function flatten(rows: ArrayLike<number>[], cols: number): Float64Array {
  const out = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => {
    if (r.length !== cols) throw new Error(`row ${i} has ${r.length} values, expected ${cols}`);
    out.set(Array.from(r), i * cols);
  });
  return out;
}
