import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS, makeCtx } from '../bandits/testing.ts';
import { LinUcb, linucbHyperSchema } from '../bandits/linucb.ts';
import { EmbeddingClient, embeddingsUrl } from './embeddings.ts';
import { Featurizer } from './featurizer.ts';
import { buildLayout } from './spec.ts';

/** A fake /v1/embeddings: 3-d vectors from the text length; records request batch sizes. */
let server: Server;
let base = '';
const batches: number[] = [];
const auth: (string | undefined)[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      auth.push(req.headers.authorization);
      const { input, model } = JSON.parse(body) as { input: string[]; model: string };
      if (model === 'broken') {
        res.writeHead(500).end('boom');
        return;
      }
      batches.push(input.length);
      const data = input
        .map((t, index) => ({
          index,
          embedding: [t.length, 1, model === 'wide' ? 2 : 0, ...(model === 'wide' ? [5] : [])],
        }))
        .reverse();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('EmbeddingClient', () => {
  it('resolves the embeddings URL', () => {
    expect(embeddingsUrl('http://h:8000')).toBe('http://h:8000/v1/embeddings');
    expect(embeddingsUrl('http://h:8000/v1/')).toBe('http://h:8000/v1/embeddings');
    expect(embeddingsUrl('http://h/v1/embeddings')).toBe('http://h/v1/embeddings');
  });

  it('batches concurrent texts, caches, detects the dimension, normalises', async () => {
    batches.length = 0;
    const c = new EmbeddingClient({ url: `${base}/v1`, model: 'e', batchSize: 8, batchWaitMs: 5 });
    expect(c.dim).toBe(0);
    const texts = ['a', 'bb', 'ccc', 'dddd', 'a'];
    const vs = await c.embedMany(texts);
    expect(batches).toEqual([4]); // one request, the duplicate sent once
    expect(c.dim).toBe(3);
    expect(vs[2]![0]).toBeCloseTo(3 / Math.sqrt(10), 12); // [3, 1, 0] normalised, order kept
    await c.embed('ccc');
    expect(batches).toEqual([4]); // cached
    expect(c.get('bb')).toBe(vs[1]);
  });

  it('splits into batch_size requests', async () => {
    batches.length = 0;
    const c = new EmbeddingClient({ url: base, model: 'e', batchSize: 2 });
    await c.embedMany(['1', '22', '333', '4444', '55555']);
    expect(batches.sort()).toEqual([1, 2, 2]);
  });

  it('reports HTTP errors and dimension changes clearly; sends the key', async () => {
    await expect(new EmbeddingClient({ url: base, model: 'broken' }).embed('x')).rejects.toThrow(/HTTP 500: boom/);
    await expect(new EmbeddingClient({ url: base, model: 'wide', dim: 3 }).embed('x')).rejects.toThrow(
      /expected 3-dimensional embeddings, got 4/,
    );
    auth.length = 0;
    await new EmbeddingClient({ url: base, model: 'e', apiKey: 'k1' }).embed('y');
    expect(auth).toEqual(['Bearer k1']);
  });
});

describe('Featurizer and a learner over an endpoint block', () => {
  it('fixes the layout dimension from the first response and feeds LinUCB via prepare', async () => {
    const layout = buildLayout({
      categories: false,
      archetypes: false,
      length: false,
      turn: false,
      text: false,
      embedding: { url: base, model: 'e' },
    });
    expect(layout.dim).toBe(1);
    const f = new Featurizer(layout);
    expect(f.resolved).toBe(false);
    const l = new LinUcb(ACTIONS, layout, linucbHyperSchema.parse({}));
    const ctx = makeCtx({ text: 'hello' });
    expect(() => l.choose(ctx)).toThrow(/dimension unknown/);
    await l.prepare(ctx);
    expect(l.layout.dim).toBe(4);
    expect(l.layout.blocks[1]).toMatchObject({ kind: 'embedding_endpoint', dim: 3 });
    const d = l.choose(ctx);
    l.update(ctx, d.action, 1);
    const file = l.save();
    expect(file.features.dim).toBe(4);
    expect(file.parameters.dim).toBe(4);
    // Loaded: the dimension is known; vectors need the embedding, fetched again on prepare.
    const m = LinUcb.load(JSON.parse(JSON.stringify(file)));
    await m.prepare(ctx);
    expect(m.scores(ctx)).toEqual(l.scores(ctx));
  });

  it('names a missing API key variable', () => {
    const layout = buildLayout({
      text: false,
      embedding: { url: base, model: 'e', api_key_env: 'WRP_TEST_MISSING_KEY' },
    });
    expect(() => new Featurizer(layout, { env: {} })).toThrow(/WRP_TEST_MISSING_KEY is not set/);
  });
});
