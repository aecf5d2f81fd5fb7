/**
 * The neural policy as a registry entry (`router: {type: neural, ...}` and `wrp train
 * --learner neural`). tfjs initialises asynchronously: callers `await initTf()` first
 * (the CLI does), then the registry builds and loads synchronously.
 */
import { z } from 'zod';
import { parseOrThrow } from '../../core/validate.ts';
import type { RoutingContext } from '../../harness/types.ts';
import { Featurizer } from '../features/featurizer.ts';
import { buildLayout, featureSpecSchema, layoutResolved } from '../features/spec.ts';
import type { LearnerEntry } from '../registry.ts';
import { LearnerSetupError, type PolicyFile } from '../types.ts';
import { currentTf } from './backend.ts';
import { NeuralPolicy } from './neural-policy.ts';
import { ConfigError } from '../../core/errors.ts';

export const neuralSchema = z.strictObject({
  type: z.literal('neural'),
  hidden_sizes: z.array(z.number().int().positive()).default([64]),
  learning_rate: z.number().positive().default(0.01),
  batch_size: z.number().int().positive().default(32),
  temperature: z.number().positive().default(1),
  entropy_bonus: z.number().min(0).default(0.01),
  features: featureSpecSchema.prefault({}),
  actions: z.array(z.string().min(1)).min(1).optional(),
  seed: z.number().int().optional(),
});

function tf() {
  const handle = currentTf();
  if (!handle)
    throw new LearnerSetupError(
      'the neural learner needs tfjs: await initTf() (learners/rl/backend.ts) before building it',
    );
  return handle;
}

export const NEURAL_ENTRY: LearnerEntry = {
  schema: neuralSchema,
  create(spec, ctx) {
    const s = parseOrThrow(neuralSchema, spec, ctx.file, ['router']);
    const layout = buildLayout(
      s.features,
      ctx.actions.map((a) => a.pool),
    );
    // The network's input width is fixed when it is built: an endpoint's width must be known.
    if (!layoutResolved(layout)) {
      throw new ConfigError(ctx.file, [
        "router.features.embedding.dim: the neural learner sizes its network up front: expected the endpoint's embedding dimension (e.g. 1024)",
      ]);
    }
    const featurizer = new Featurizer(layout, s.features.embedding ? { embedding: s.features.embedding } : {});
    return NeuralPolicy.withTf(tf(), {
      actions: ctx.actions,
      layout,
      featurize: (c: RoutingContext) => featurizer.featurize(c),
      prepare: (c: RoutingContext) => featurizer.prepare(c),
      hiddenSizes: s.hidden_sizes,
      learningRate: s.learning_rate,
      batchSize: s.batch_size,
      temperature: s.temperature,
      entropyBonus: s.entropy_bonus,
      seed: s.seed ?? ctx.seed,
    });
  },
  load(file: PolicyFile, source?: string) {
    const featurizer = new Featurizer(file.features);
    return NeuralPolicy.loadWithTf(
      tf(),
      file,
      (c) => featurizer.featurize(c),
      (c) => featurizer.prepare(c),
      source,
    );
  },
};
