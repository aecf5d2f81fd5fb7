import { describe, expect, it } from 'vitest';
import { ACTIONS, makeCtx } from '../bandits/testing.ts';
import { featurize } from './featurize.ts';
import { hashNgramsInto } from './hashing.ts';
import { buildLayout, featureLayoutSchema } from './spec.ts';

const hashedOnly = (text: object = {}) =>
  buildLayout({
    bias: false,
    categories: false,
    archetypes: false,
    length: false,
    turn: false,
    text: { dim: 256, ...text },
  });
const norm = (v: Float64Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const cos = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i]!, 0) / (norm(a) * norm(b));

describe('buildLayout', () => {
  it('default layout: bias, 7 categories + other, 5 archetypes + other, length, turn, hashed 256', () => {
    const l = buildLayout({});
    expect(l.blocks.map((b) => [b.kind, b.dim])).toEqual([
      ['bias', 1],
      ['category_onehot', 8],
      ['archetype_onehot', 6],
      ['length', 2],
      ['turn', 4],
      ['hashed_ngrams', 256],
    ]);
    expect(l.dim).toBe(277);
    expect(featureLayoutSchema.safeParse(l).success).toBe(true);
  });

  it('pool_state adds 4 per pool; embedding dim 0 until known', () => {
    const l = buildLayout({ text: false, pool_state: true, embedding: { url: 'http://localhost:1/v1', model: 'e' } }, [
      'a',
      'b',
    ]);
    expect(l.blocks.at(-2)).toMatchObject({ kind: 'embedding_endpoint', dim: 0, normalize: true });
    expect(l.blocks.at(-1)).toMatchObject({
      kind: 'pool_state',
      dim: 8,
      scale: { running: 64, waiting: 64, ttftMs: 5000 },
    });
  });

  it('the layout schema rejects inconsistent dims', () => {
    const l = buildLayout({});
    expect(featureLayoutSchema.safeParse({ ...l, dim: 276 }).success).toBe(false);
    const bad = structuredClone(l);
    bad.blocks[1] = { kind: 'category_onehot', categories: ['a'], dim: 1 };
    expect(featureLayoutSchema.safeParse(bad).success).toBe(false);
  });

  it('rejects duplicate categories', () => {
    expect(() => buildLayout({ categories: ['a', 'a'] })).toThrow(/listed twice/);
  });
});

describe('featurize', () => {
  const ctx = makeCtx({
    category: 'code',
    archetype: 'agent',
    turn: 2,
    tokens: 1200,
    text: 'Write a Python function that reverses a linked list.',
    previousPool: 'small',
    pools: [
      {
        name: 'large',
        model: 'm',
        running: 32,
        waiting: 200,
        kvCacheUsage: 0.5,
        recentTtftMs: 1000,
        pricing: { inputPer1M: 1, outputPer1M: 1 },
      },
    ],
  });

  it('is deterministic, and a JSON-rebuilt layout gives the identical vector', () => {
    const layout = buildLayout(
      { pool_state: true },
      ACTIONS.map((a) => a.pool),
    );
    const a = featurize(layout, ctx);
    const b = featurize(JSON.parse(JSON.stringify(layout)), ctx);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(featurize(layout, ctx))).toEqual(Array.from(a));
  });

  it('writes each block as documented', () => {
    const layout = buildLayout({ categories: ['math', 'code'], archetypes: ['chat'], text: false, pool_state: true }, [
      'small',
      'large',
    ]);
    const v = Array.from(featurize(layout, ctx));
    expect(v.slice(0, 1)).toEqual([1]); // bias
    expect(v.slice(1, 4)).toEqual([0, 1, 0]); // math, code, other
    expect(v.slice(4, 6)).toEqual([0, 1]); // chat, other <- agent
    expect(v[6]).toBeCloseTo(Math.log1p(1200) / 10, 12);
    expect(v[7]).toBeCloseTo(Math.log1p(ctx.text.length) / 10, 12);
    expect(v.slice(8, 12)).toEqual([0, 0, 1, 1]); // turn >= 2, previous pool known
    expect(v.slice(12, 16)).toEqual([0, 0, 0, 0]); // small: not observed
    expect(v.slice(16, 20)).toEqual([0.5, 1, 0.5, 0.2]); // large: 32/64, min(1, 200/64), kv, 1000/5000
  });

  it('hashed block: unit norm, empty text is zeros, seed changes it', () => {
    const l = hashedOnly();
    expect(norm(featurize(l, ctx))).toBeCloseTo(1, 12);
    expect(featurize(l, makeCtx({ text: '' })).every((x) => x === 0)).toBe(true);
    expect(Array.from(featurize(hashedOnly({ seed: 1 }), ctx))).not.toEqual(Array.from(featurize(l, ctx)));
  });

  it('hashed block: case and whitespace runs do not matter; related texts are closer', () => {
    const l = hashedOnly();
    const f = (text: string) => featurize(l, makeCtx({ text }));
    expect(Array.from(f('Hello   World\n'))).toEqual(Array.from(f('hello world')));
    const a = f('Write a Python function that sorts a list of integers.');
    const b = f('Write a Python function that reverses a list of strings.');
    const c = f('What is the capital city of France? Answer in one word.');
    expect(cos(a, b)).toBeGreaterThan(cos(a, c) + 0.3);
  });

  it('hashed block: counts word n-grams and char n-grams as configured', () => {
    const out = new Float64Array(4096);
    // "ab cd": 2 word unigrams + 1 bigram; padded " ab cd " gives 5 char 3-grams.
    hashNgramsInto('ab cd', out, 0, 4096, [1, 2], [3], 0);
    const nz = out.filter((x) => x !== 0).length;
    expect(nz).toBe(8); // no collisions at 4096 buckets for 8 features
    expect(() => hashNgramsInto('x', out, 0, 8, [9], [], 0)).toThrow(/1\.\.8/);
  });

  it('an embedding block without a fetched vector throws a clear error', () => {
    const l = buildLayout({ text: false, embedding: { url: 'http://localhost:1', model: 'e', dim: 4 } });
    expect(() => featurize(l, ctx)).toThrow(/call the policy's prepare/);
    expect(featurize(l, ctx, () => Float64Array.from([1, 2, 3, 4])).slice(-4)).toEqual(Float64Array.from([1, 2, 3, 4]));
  });
});
