/**
 * featurize(layout, ctx): the feature vector of a routing context, block by block in layout
 * order. Pure and synchronous; an embedding_endpoint block reads its vector from `embeddings`
 * (filled by the Featurizer's async prepare) and throws when it is missing.
 */
import type { RoutingContext } from '../../harness/types.ts';
import type { FeatureBlock, FeatureLayout } from '../types.ts';
import { hashNgramsInto } from './hashing.ts';
import { requestTexts } from '../export/router-model/signals.ts';

/** The text an embedding block embeds: the request's new message, or the router's query text. */
export function embeddingText(b: FeatureBlock, ctx: RoutingContext): string {
  return b.kind === 'embedding_endpoint' && b.query === 'router' ? requestTexts(ctx.messages).query : ctx.text;
}

/** Looks up the fetched embedding of `text` for layout block `block` (its index). */
export type EmbeddingLookup = (block: number, text: string) => Float64Array | undefined;

function oneHot(list: readonly string[], value: string, out: Float64Array, offset: number): void {
  const i = list.indexOf(value);
  out[offset + (i >= 0 ? i : list.length)] = 1; // unknown -> the trailing "other" slot
}

function writeBlock(
  b: FeatureBlock,
  index: number,
  ctx: RoutingContext,
  out: Float64Array,
  o: number,
  embeddings: EmbeddingLookup | undefined,
): void {
  switch (b.kind) {
    case 'bias':
      out[o] = 1;
      return;
    case 'category_onehot':
      oneHot(b.categories, ctx.labels.category, out, o);
      return;
    case 'archetype_onehot':
      oneHot(b.archetypes, ctx.labels.archetype, out, o);
      return;
    case 'length':
      // ln(1 + x) / 10 keeps 1..20k tokens inside about [0, 1] for the linear models.
      out[o] = Math.log1p(Math.max(0, ctx.promptTokensEstimate)) / 10;
      out[o + 1] = Math.log1p(ctx.text.length) / 10;
      return;
    case 'turn': {
      const t = ctx.labels.turn;
      out[o] = t === 0 ? 1 : 0;
      out[o + 1] = t === 1 ? 1 : 0;
      out[o + 2] = t >= 2 ? 1 : 0;
      out[o + 3] = ctx.previousPool !== undefined ? 1 : 0;
      return;
    }
    case 'hashed_ngrams':
      hashNgramsInto(ctx.text, out, o, b.dim, b.n, b.charN, b.seed);
      return;
    case 'embedding_endpoint': {
      if (b.dim === 0)
        throw new Error(
          `feature block ${index} (embedding ${b.model}): dimension unknown until the first embedding is fetched (call prepare first)`,
        );
      const text = embeddingText(b, ctx);
      // The router embeds no empty query (its selectors then fall back): a zero vector here.
      if (b.query === 'router' && text === '') return;
      const v = embeddings?.(index, text);
      if (!v)
        throw new Error(
          `feature block ${index} (embedding ${b.model}): no embedding fetched for this text (call the policy's prepare(ctx) before choose/update)`,
        );
      if (v.length !== b.dim)
        throw new Error(`feature block ${index} (embedding ${b.model}): expected ${b.dim} dimensions, got ${v.length}`);
      if (b.query === 'router') for (let i = 0; i < v.length; i++) out[o + i] = Math.fround(v[i]!);
      else out.set(v, o);
      return;
    }
    case 'router_category':
      out[o + b.categories.indexOf('other')] = 1;
      return;
    case 'pool_state': {
      const { running, waiting, ttftMs } = b.scale;
      for (let p = 0; p < b.pools.length; p++) {
        const obs = ctx.pools.find((x) => x.name === b.pools[p]);
        const j = o + 4 * p;
        out[j] = obs?.running === undefined ? 0 : Math.min(1, obs.running / running);
        out[j + 1] = obs?.waiting === undefined ? 0 : Math.min(1, obs.waiting / waiting);
        out[j + 2] = obs?.kvCacheUsage === undefined ? 0 : Math.min(1, Math.max(0, obs.kvCacheUsage));
        out[j + 3] = obs?.recentTtftMs === undefined ? 0 : Math.min(1, obs.recentTtftMs / ttftMs);
      }
      return;
    }
  }
}

/** Writes the vector into `out` (length >= layout.dim), zeroing it first. */
export function featurizeInto(
  layout: FeatureLayout,
  ctx: RoutingContext,
  out: Float64Array,
  embeddings?: EmbeddingLookup,
): Float64Array {
  out.fill(0, 0, layout.dim);
  let o = 0;
  for (let i = 0; i < layout.blocks.length; i++) {
    const b = layout.blocks[i]!;
    writeBlock(b, i, ctx, out, o, embeddings);
    o += b.dim;
  }
  return out;
}

export function featurize(layout: FeatureLayout, ctx: RoutingContext, embeddings?: EmbeddingLookup): Float64Array {
  return featurizeInto(layout, ctx, new Float64Array(layout.dim), embeddings);
}
