/**
 * A layout plus what featurize needs at run time: the embedding clients of its endpoint
 * blocks. Learners hold one; its async prepare(ctx) fetches the text's embeddings (the
 * Policy.prepare hook), after which featurize(ctx) is synchronous. An endpoint block whose
 * dimension is unknown gets it from the first response; the layout is fixed from then on.
 */
import type { RoutingContext } from '../../harness/types.ts';
import type { FeatureLayout } from '../types.ts';
import { EmbeddingClient } from './embeddings.ts';
import { featurizeInto } from './featurize.ts';
import { layoutResolved, type EmbeddingSpec } from './spec.ts';
import { WrpError } from '../../core/errors.ts';

export type EmbeddingRuntime = Partial<
  Pick<EmbeddingSpec, 'batch_size' | 'batch_wait_ms' | 'timeout_ms' | 'cache_size'>
>;

export interface FeaturizerOptions {
  /** Batching, timeout and cache settings of the endpoint clients (not part of the vector). */
  embedding?: EmbeddingRuntime;
  /** Clients by block index, replacing the ones built from the layout (tests, shared caches). */
  clients?: Map<number, EmbeddingClient>;
  env?: NodeJS.ProcessEnv;
}

export class Featurizer {
  private readonly live: FeatureLayout;
  private readonly clients = new Map<number, EmbeddingClient>();

  constructor(layout: FeatureLayout, opts: FeaturizerOptions = {}) {
    this.live = structuredClone(layout);
    const env = opts.env ?? process.env;
    this.live.blocks.forEach((b, i) => {
      if (b.kind !== 'embedding_endpoint') return;
      const given = opts.clients?.get(i);
      if (given) return void this.clients.set(i, given);
      const apiKey = b.apiKeyEnv === undefined ? undefined : env[b.apiKeyEnv];
      if (b.apiKeyEnv !== undefined && !apiKey)
        throw new WrpError(
          'WRP_SECRET_MISSING',
          `features.embedding.api_key_env: environment variable ${b.apiKeyEnv} is not set`,
        );
      const r = opts.embedding ?? {};
      this.clients.set(
        i,
        new EmbeddingClient({
          url: b.url,
          model: b.model,
          dim: b.dim,
          normalize: b.normalize,
          ...(apiKey ? { apiKey } : {}),
          ...(r.batch_size !== undefined ? { batchSize: r.batch_size } : {}),
          ...(r.batch_wait_ms !== undefined ? { batchWaitMs: r.batch_wait_ms } : {}),
          ...(r.timeout_ms !== undefined ? { timeoutMs: r.timeout_ms } : {}),
          ...(r.cache_size !== undefined ? { cacheSize: r.cache_size } : {}),
        }),
      );
    });
  }

  /** The layout as it stands (endpoint dims filled in once known). Do not mutate. */
  get layout(): FeatureLayout {
    return this.live;
  }

  get dim(): number {
    return this.live.dim;
  }

  /** All block dimensions known: vectors can be built and sized. */
  get resolved(): boolean {
    return layoutResolved(this.live);
  }

  /** True when prepare(ctx) has network work to do. */
  get needsPrepare(): boolean {
    return this.clients.size > 0;
  }

  /** Fetches (or finds cached) the embeddings of ctx.text for every endpoint block. */
  async prepare(ctx: RoutingContext): Promise<void> {
    if (this.clients.size === 0) return;
    await Promise.all([...this.clients.values()].map((c) => c.embed(ctx.text)));
    this.fixDims();
  }

  /** Same for many texts at once (offline training): batched requests. */
  async prefetch(texts: readonly string[]): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.embedMany(texts)));
    this.fixDims();
  }

  featurize(ctx: RoutingContext, out?: Float64Array): Float64Array {
    return featurizeInto(this.live, ctx, out ?? new Float64Array(this.live.dim), (i, text) =>
      this.clients.get(i)?.get(text),
    );
  }

  private fixDims(): void {
    for (const [i, c] of this.clients) {
      const b = this.live.blocks[i]!;
      if (b.kind === 'embedding_endpoint' && b.dim === 0 && c.dim > 0) {
        b.dim = c.dim;
        this.live.dim += c.dim;
      }
    }
  }
}
