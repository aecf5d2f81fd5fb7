/**
 * The vector the router's ML selectors read
 * (src/semantic-router/pkg/modelselection/trainer.go CombineEmbeddingWithCategory, selector.go
 * KNNSelector/MLPSelector.Select; selection/ml_adapter.go): the query embedding from the
 * configured embedding backend, as float32 values widened to float64, then a one-hot over
 * the 14 VSRCategories where an unknown or empty category sets the "other" slot. The category
 * is the first `domain:` leaf of the matched decision (extproc extractDecisionCategory), so a
 * decision matched on keywords alone always feeds "other".
 */

/** modelselection.VSRCategories, in order. */
export const VSR_CATEGORIES = [
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

export function categoryOneHot(category: string): Float64Array {
  const out = new Float64Array(VSR_CATEGORIES.length);
  const i = (VSR_CATEGORIES as readonly string[]).indexOf(category);
  out[i >= 0 ? i : VSR_CATEGORIES.indexOf('other')] = 1;
  return out;
}

/** The selector input: float32-rounded embedding, then the category one-hot. */
export function routerFeatureVector(embedding: ArrayLike<number>, category: string): Float64Array {
  const oneHot = categoryOneHot(category);
  const out = new Float64Array(embedding.length + oneHot.length);
  for (let i = 0; i < embedding.length; i++) out[i] = Math.fround(embedding[i]!);
  out.set(oneHot, embedding.length);
  return out;
}
