/** Context -> feature vector: layouts, the pure featurize, and the runtime Featurizer. */
export {
  buildLayout,
  embeddingSpecSchema,
  featureLayoutSchema,
  featureSpecSchema,
  hashedTextSchema,
  layoutResolved,
} from './spec.ts';
export type { EmbeddingSpec, FeatureSpec, FeatureSpecInput } from './spec.ts';
export { featurize, featurizeInto, type EmbeddingLookup } from './featurize.ts';
export { hashNgramsInto } from './hashing.ts';
export { EmbeddingClient, embeddingsUrl, type EmbeddingClientOptions } from './embeddings.ts';
export { Featurizer, type EmbeddingRuntime, type FeaturizerOptions } from './featurizer.ts';
