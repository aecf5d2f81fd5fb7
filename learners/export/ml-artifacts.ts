/**
 * mlp_model.json / knn_model.json in the formats the router loads
 * (candle-binding/src/classifiers/mlp_selector.rs MLPModelData, ml-binding/src/knn.rs
 * KNNModelData), and what the router must be told to compute the same input vector: its ML
 * selectors read the configured embedding of the query text followed by a 14-way category
 * one-hot (router-model/features.ts). A policy trained with `features: {router: {url, model,
 * dim}}` has exactly that layout, and export points the router's embedding backend
 * (openai_compatible) at the same endpoint. Any other layout cannot be computed by the
 * router: the problems say why, and the deployed-agreement check measures what it costs.
 */
import type { FeatureLayout } from '../types.ts';
import type { MlpModelJson } from '../rl/mlp-export.ts';
import { VSR_CATEGORIES } from './router-model/features.ts';
import type { ExportModel, KnnModelJson } from './types.ts';

export interface RouterEmbedding {
  url: string;
  model: string;
  dim: number;
  apiKeyEnv?: string;
}

/** The router-layout embedding endpoint of a layout (undefined: not the router's layout). */
export function routerEmbedding(layout: FeatureLayout): RouterEmbedding | undefined {
  const [emb, cat] = layout.blocks;
  if (layout.blocks.length !== 2 || emb?.kind !== 'embedding_endpoint' || emb.query !== 'router') return undefined;
  if (cat?.kind !== 'router_category') return undefined;
  return { url: emb.url, model: emb.model, dim: emb.dim, ...(emb.apiKeyEnv ? { apiKeyEnv: emb.apiKeyEnv } : {}) };
}

/** Why the router cannot compute this model's input vector (empty: it can). */
export function routerLayoutProblems(model: ExportModel): string[] {
  const blocks = model.layout.blocks;
  if (routerEmbedding(model.layout)) {
    const width = model.mlp?.feature_dim ?? model.knn?.feature_dim ?? model.layout.dim;
    return width === model.layout.dim
      ? []
      : [
          `the network reads ${width} values, the router's layout has ${model.layout.dim} (pool state the router does not feed its selectors)`,
        ];
  }
  const kinds = blocks.map((b) => b.kind).join(', ') || 'no features';
  return [
    `its features are [${kinds}]; the router's selectors read [its embedding of the query text, a ${VSR_CATEGORIES.length}-way category one-hot]: retrain with features: {router: {url, model, dim}} (an OpenAI-compatible embedding endpoint the router will call too)`,
  ];
}

export function mlpArtifact(model: ExportModel, names: string[]): MlpModelJson {
  if (!model.mlp) throw new Error('not a network policy');
  return { ...model.mlp, model_names: names };
}

export function knnArtifact(model: ExportModel, names: string[]): KnnModelJson {
  if (!model.knn) throw new Error('not a knn policy');
  const k = model.knn;
  return {
    algorithm: 'knn',
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
