/**
 * The `features:` block of a learner's router spec, and buildLayout: spec -> FeatureLayout.
 * The layout (not the spec) goes into policy.json; it alone rebuilds the exact vectors.
 */
import { z } from 'zod';
import { ARCHETYPE_NAMES } from '../../harness/workload/archetypes.ts';
import { CATEGORY_NAMES } from '../../harness/workload/tasks.ts';
import type { FeatureBlock, FeatureLayout } from '../types.ts';
import { WrpError } from '../../core/errors.ts';

const orders = z.array(z.number().int().min(1).max(8));

export const hashedTextSchema = z.strictObject({
  dim: z.number().int().min(1).max(65_536).default(256),
  word_ngrams: orders.default([1, 2]),
  char_ngrams: orders.default([3]),
  seed: z.number().int().default(0),
});

export const embeddingSpecSchema = z.strictObject({
  /** Base URL (`http://host:8000/v1`) or the full `/v1/embeddings` URL. */
  url: z.url(),
  model: z.string().min(1),
  /** Expected dimension; detected from the first response when absent. */
  dim: z.number().int().positive().optional(),
  normalize: z.boolean().default(true),
  api_key_env: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name')
    .optional(),
  /** Texts per request (requests arriving together are batched). */
  batch_size: z.number().int().min(1).max(2048).default(32),
  /** How long a batch waits for more texts before it is sent. */
  batch_wait_ms: z.number().min(0).max(1000).default(2),
  timeout_ms: z.number().positive().default(10_000),
  cache_size: z.number().int().min(0).default(10_000),
});
export type EmbeddingSpec = z.infer<typeof embeddingSpecSchema>;

const scaleSchema = z.strictObject({
  running: z.number().positive().default(64),
  waiting: z.number().positive().default(64),
  ttft_ms: z.number().positive().default(5000),
});

export const featureSpecSchema = z.strictObject({
  bias: z.boolean().default(true),
  /** Category one-hot over this list (+ an "other" slot); false = no category block. */
  categories: z.union([z.literal(false), z.array(z.string().min(1)).min(1)]).default([...CATEGORY_NAMES]),
  archetypes: z.union([z.literal(false), z.array(z.string().min(1)).min(1)]).default([...ARCHETYPE_NAMES]),
  length: z.boolean().default(true),
  turn: z.boolean().default(true),
  /** Hashed n-gram embedding of the text (the default: needs no model or endpoint). */
  text: z
    .union([z.literal(false), hashedTextSchema])
    .default({ dim: 256, word_ngrams: [1, 2], char_ngrams: [3], seed: 0 }),
  /** An OpenAI-compatible /v1/embeddings endpoint; false (default) = none. */
  embedding: z.union([z.literal(false), embeddingSpecSchema]).default(false),
  /** Per-pool load features over the policy's actions; true = default scales. */
  pool_state: z.union([z.boolean(), scaleSchema]).default(false),
});
export type FeatureSpecInput = z.input<typeof featureSpecSchema>;
export type FeatureSpec = z.infer<typeof featureSpecSchema>;

function uniqueList(list: string[], what: string): string[] {
  const seen = new Set<string>();
  for (const x of list) {
    if (seen.has(x)) throw new WrpError('WRP_CONFIG', `features.${what}: "${x}" is listed twice`);
    seen.add(x);
  }
  return [...list];
}

/** Builds the layout; `pools` are the policy's action pools (for pool_state). */
export function buildLayout(spec: FeatureSpec | FeatureSpecInput, pools: readonly string[] = []): FeatureLayout {
  const s = featureSpecSchema.parse(spec);
  const blocks: FeatureBlock[] = [];
  if (s.bias) blocks.push({ kind: 'bias', dim: 1 });
  if (s.categories)
    blocks.push({
      kind: 'category_onehot',
      categories: uniqueList(s.categories, 'categories'),
      dim: s.categories.length + 1,
    });
  if (s.archetypes)
    blocks.push({
      kind: 'archetype_onehot',
      archetypes: uniqueList(s.archetypes, 'archetypes'),
      dim: s.archetypes.length + 1,
    });
  if (s.length) blocks.push({ kind: 'length', dim: 2 });
  if (s.turn) blocks.push({ kind: 'turn', dim: 4 });
  if (s.text)
    blocks.push({
      kind: 'hashed_ngrams',
      dim: s.text.dim,
      n: [...s.text.word_ngrams],
      charN: [...s.text.char_ngrams],
      seed: s.text.seed,
    });
  if (s.embedding) {
    const e = s.embedding;
    blocks.push({
      kind: 'embedding_endpoint',
      dim: e.dim ?? 0,
      url: e.url,
      model: e.model,
      normalize: e.normalize,
      ...(e.api_key_env ? { apiKeyEnv: e.api_key_env } : {}),
    });
  }
  if (s.pool_state !== false) {
    const sc = s.pool_state === true ? scaleSchema.parse({}) : s.pool_state;
    blocks.push({
      kind: 'pool_state',
      pools: uniqueList([...pools], 'pool_state'),
      dim: 4 * pools.length,
      scale: { running: sc.running, waiting: sc.waiting, ttftMs: sc.ttft_ms },
    });
  }
  return { blocks, dim: blocks.reduce((d, b) => d + b.dim, 0) };
}

/** True when every block's dimension is known (an endpoint block may wait for its first reply). */
export function layoutResolved(layout: FeatureLayout): boolean {
  return layout.blocks.every((b) => b.kind !== 'embedding_endpoint' || b.dim > 0);
}

const str = z.string();
/** Validates a layout read from a policy file (block shapes and the dimension arithmetic). */
export const featureLayoutSchema = z
  .strictObject({
    blocks: z.array(
      z.discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('bias'), dim: z.literal(1) }),
        z
          .strictObject({ kind: z.literal('category_onehot'), categories: z.array(str), dim: z.number().int() })
          .refine((b) => b.dim === b.categories.length + 1, 'dim must be categories + 1'),
        z
          .strictObject({ kind: z.literal('archetype_onehot'), archetypes: z.array(str), dim: z.number().int() })
          .refine((b) => b.dim === b.archetypes.length + 1, 'dim must be archetypes + 1'),
        z.strictObject({ kind: z.literal('length'), dim: z.literal(2) }),
        z.strictObject({ kind: z.literal('turn'), dim: z.literal(4) }),
        z.strictObject({
          kind: z.literal('hashed_ngrams'),
          dim: z.number().int().min(1),
          n: orders,
          charN: orders,
          seed: z.number().int(),
        }),
        z.strictObject({
          kind: z.literal('embedding_endpoint'),
          dim: z.number().int().min(0),
          url: str,
          model: str,
          normalize: z.boolean(),
          apiKeyEnv: str.optional(),
        }),
        z
          .strictObject({
            kind: z.literal('pool_state'),
            pools: z.array(str),
            dim: z.number().int(),
            scale: z.strictObject({
              running: z.number().positive(),
              waiting: z.number().positive(),
              ttftMs: z.number().positive(),
            }),
          })
          .refine((b) => b.dim === 4 * b.pools.length, 'dim must be 4 per pool'),
      ]),
    ),
    dim: z.number().int().min(0),
  })
  .refine((l) => l.dim === l.blocks.reduce((d, b) => d + b.dim, 0), {
    message: 'dim must be the sum of the block dims',
    path: ['dim'],
  });
