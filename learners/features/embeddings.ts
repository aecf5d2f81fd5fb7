/**
 * Client for an OpenAI-compatible /v1/embeddings endpoint (vLLM serves one for embedding
 * models). Texts requested together are sent as one batch; results are cached by a 53-bit
 * hash of the text (collisions negligible: ~1e-9 at 10k cached texts), LRU-bounded.
 * The dimension is taken from the first response and then enforced.
 */
import { request } from 'undici';
import { z } from 'zod';
import { hashString53 } from '../../core/text/tokenizer.ts';
import { WrpError } from '../../core/errors.ts';

export interface EmbeddingClientOptions {
  url: string;
  model: string;
  apiKey?: string;
  /** Expected dimension; 0 or absent = take it from the first response. */
  dim?: number;
  normalize?: boolean;
  batchSize?: number;
  batchWaitMs?: number;
  timeoutMs?: number;
  cacheSize?: number;
}

const responseSchema = z.object({
  data: z.array(z.object({ index: z.number().int().min(0), embedding: z.array(z.number()) })),
});

/** `http://h:8000`, `http://h:8000/v1` or `.../v1/embeddings` -> the embeddings URL. */
export function embeddingsUrl(url: string): string {
  const u = url.replace(/\/+$/, '');
  if (u.endsWith('/embeddings')) return u;
  return u.endsWith('/v1') ? `${u}/embeddings` : `${u}/v1/embeddings`;
}

interface Pending {
  text: string;
  key: number;
  resolve: (v: Float64Array) => void;
  reject: (e: unknown) => void;
}

export class EmbeddingClient {
  readonly endpoint: string;
  private dimension: number;
  private readonly cache = new Map<number, Float64Array>();
  private readonly inflight = new Map<number, Promise<Float64Array>>();
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly o: Required<Omit<EmbeddingClientOptions, 'apiKey' | 'dim'>> & { apiKey?: string };

  constructor(opts: EmbeddingClientOptions) {
    this.endpoint = embeddingsUrl(opts.url);
    this.dimension = opts.dim ?? 0;
    this.o = { normalize: true, batchSize: 32, batchWaitMs: 2, timeoutMs: 10_000, cacheSize: 10_000, ...opts };
  }

  /** 0 until the first response (when not given). */
  get dim(): number {
    return this.dimension;
  }

  /** The cached embedding of `text`, if fetched. */
  get(text: string): Float64Array | undefined {
    return this.cache.get(hashString53(text));
  }

  embed(text: string): Promise<Float64Array> {
    const key = hashString53(text);
    const hit = this.cache.get(key);
    if (hit) {
      // Refresh its LRU position.
      this.cache.delete(key);
      this.cache.set(key, hit);
      return Promise.resolve(hit);
    }
    const running = this.inflight.get(key);
    if (running) return running;
    const p = new Promise<Float64Array>((resolve, reject) => this.queue.push({ text, key, resolve, reject }));
    this.inflight.set(key, p);
    if (this.queue.length >= this.o.batchSize) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.o.batchWaitMs);
    return p;
  }

  embedMany(texts: readonly string[]): Promise<Float64Array[]> {
    return Promise.all(texts.map((t) => this.embed(t)));
  }

  /** Sends every queued text now (in batches of batchSize). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) void this.send(this.queue.splice(0, this.o.batchSize));
  }

  private async send(batch: Pending[]): Promise<void> {
    try {
      const vectors = await this.post(batch.map((b) => b.text));
      batch.forEach((b, i) => {
        const v = vectors[i]!;
        this.store(b.key, v);
        b.resolve(v);
      });
    } catch (e) {
      for (const b of batch) b.reject(e);
    } finally {
      for (const b of batch) this.inflight.delete(b.key);
    }
  }

  private store(key: number, v: Float64Array): void {
    if (this.o.cacheSize === 0) return;
    this.cache.set(key, v);
    if (this.cache.size > this.o.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }

  private async post(texts: string[]): Promise<Float64Array[]> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.o.apiKey) headers.authorization = `Bearer ${this.o.apiKey}`;
    const send = () =>
      request(this.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: this.o.model, input: texts, encoding_format: 'float' }),
        headersTimeout: this.o.timeoutMs,
        bodyTimeout: this.o.timeoutMs,
      });
    const where = `embedding endpoint ${this.endpoint} (model ${this.o.model})`;
    // A kept-alive socket the server closed while idle resets on reuse: the request is idempotent, send it once more.
    const transport = (e: unknown): never => {
      const code = (e as { code?: string }).code;
      throw new WrpError('WRP_FEATURE_ENDPOINT', `${where}: ${code ?? 'request failed'}: ${(e as Error).message}`, {
        cause: e,
      });
    };
    const res = await send()
      .catch((e: unknown) => {
        const code = (e as { code?: string }).code;
        if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return send();
        throw e;
      })
      .catch(transport);
    const body = await res.body.text().catch(transport);
    if (res.statusCode !== 200)
      throw new WrpError('WRP_FEATURE_ENDPOINT', `${where}: HTTP ${res.statusCode}: ${body.slice(0, 200)}`);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new WrpError('WRP_FEATURE_ENDPOINT', `${where}: response is not JSON: ${body.slice(0, 200)}`);
    }
    const parsed = responseSchema.safeParse(json);
    if (!parsed.success)
      throw new WrpError(
        'WRP_FEATURE_ENDPOINT',
        `${where}: expected {data: [{index, embedding: number[]}]}, got ${body.slice(0, 200)}`,
      );
    const out = new Array<Float64Array | undefined>(texts.length);
    for (const d of parsed.data.data) {
      if (d.index >= texts.length)
        throw new WrpError(
          'WRP_FEATURE_ENDPOINT',
          `${where}: index ${d.index} out of range for a batch of ${texts.length}`,
        );
      if (this.dimension === 0) this.dimension = d.embedding.length; // fixed from now on
      if (d.embedding.length !== this.dimension)
        throw new WrpError(
          'WRP_FEATURE_ENDPOINT',
          `${where}: expected ${this.dimension}-dimensional embeddings, got ${d.embedding.length}`,
        );
      out[d.index] = this.o.normalize ? l2normalize(d.embedding) : Float64Array.from(d.embedding);
    }
    const missing = out.findIndex((v) => v === undefined);
    if (missing >= 0) throw new WrpError('WRP_FEATURE_ENDPOINT', `${where}: no embedding for input ${missing}`);
    return out as Float64Array[];
  }
}

function l2normalize(v: readonly number[]): Float64Array {
  const out = Float64Array.from(v);
  let ss = 0;
  for (const x of out) ss += x * x;
  if (ss > 0) {
    const inv = 1 / Math.sqrt(ss);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! * inv;
  }
  return out;
}
