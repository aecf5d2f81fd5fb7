/**
 * mlp_model.json / knn_model.json in the router's ML-selector formats, and the check that the
 * router can compute the policy's features. The router's selectors read a query embedding
 * (Qwen3 embedding, 1024-d) followed by a 14-way category one-hot over its MMLU-Pro category
 * list (ROUTER_CATEGORIES). A policy layout matches when it is exactly an embedding_endpoint
 * block of a Qwen3 embedding model with 1024 dimensions, then a category_onehot block over the
 * first 13 router categories: our trailing "other" slot is then slot 14, the router's
 * "unknown". Anything else (hashed n-grams, archetype, length, turn, pool state, a bias) is a
 * mismatch: the router would feed the network vectors it was not trained on.
 */
import type { ExportModel, KnnModelJson } from './types.ts';
import type { MlpModelJson } from '../rl/mlp-export.ts';

/** The router's category one-hot order (its ml_model_selection data loader). */
export const ROUTER_CATEGORIES = [
  'math',
  'physics',
  'chemistry',
  'biology',
  'computer science',
  'history',
  'economics',
  'business',
  'law',
  'health',
  'psychology',
  'philosophy',
  'other',
  'unknown',
] as const;
export const ROUTER_EMBEDDING_DIM = 1024;
export const ROUTER_FEATURE_DIM = ROUTER_EMBEDDING_DIM + ROUTER_CATEGORIES.length;

export const ROUTER_FEATURE_LAYOUT = {
  blocks: [
    { kind: 'embedding', model: 'Qwen3-Embedding (the router default)', dim: ROUTER_EMBEDDING_DIM },
    { kind: 'category_onehot', categories: [...ROUTER_CATEGORIES], dim: ROUTER_CATEGORIES.length },
  ],
  dim: ROUTER_FEATURE_DIM,
};

/** Why the router cannot compute this model's input vector (empty: it can). */
export function routerFeatureProblems(model: ExportModel): string[] {
  const problems: string[] = [];
  const blocks = model.layout.blocks;
  const [emb, cat] = blocks;
  if (!emb || emb.kind !== 'embedding_endpoint')
    problems.push('the first block must be the query embedding (embedding_endpoint)');
  else {
    if (!/qwen3.*embed/i.test(emb.model))
      problems.push(`the embedding model is "${emb.model}", the router embeds with Qwen3-Embedding`);
    if (emb.dim !== ROUTER_EMBEDDING_DIM)
      problems.push(`the embedding has ${emb.dim} dimensions, the router's has ${ROUTER_EMBEDDING_DIM}`);
  }
  const want = ROUTER_CATEGORIES.slice(0, -1);
  if (
    !cat ||
    cat.kind !== 'category_onehot' ||
    cat.categories.length !== want.length ||
    cat.categories.some((c, i) => c !== want[i])
  ) {
    problems.push(
      `the second block must be a category one-hot over ${JSON.stringify(want)} (its "other" slot is the router's "unknown")`,
    );
  }
  const extra = blocks.slice(2).map((b) => b.kind);
  if (extra.length > 0) problems.push(`extra feature blocks the router does not compute: ${extra.join(', ')}`);
  for (const b of blocks)
    if (b.kind === 'hashed_ngrams')
      problems.push(
        `a hashed n-gram text embedding (${b.dim}-d) where the router uses a ${ROUTER_EMBEDDING_DIM}-d Qwen3 embedding`,
      );
  const input = model.inputs.find((i) => i.name === 'features');
  if (input && input.width !== model.layout.dim)
    problems.push(
      `the network input has ${input.width - model.layout.dim} pool-state values after the prompt features (live load the router does not feed its selector)`,
    );
  return [...new Set(problems)];
}

export function mlpArtifact(model: ExportModel, names: string[]): MlpModelJson {
  if (!model.mlp) throw new Error('not a neural policy');
  return { ...model.mlp, model_names: names };
}

export function knnArtifact(model: ExportModel, names: string[]): KnnModelJson {
  if (!model.knn) throw new Error('not a knn policy');
  const k = model.knn;
  return {
    algorithm: 'knn',
    format_version: 2,
    trained: true,
    k: k.k,
    embeddings: k.embeddings,
    labels: k.labelIndex.map((i) => names[i]!),
    qualities: k.qualities,
    latencies: k.latencies,
    model_names: [...new Set(names)].sort(),
    num_samples: k.num_samples,
    feature_dim: k.feature_dim,
  };
}
