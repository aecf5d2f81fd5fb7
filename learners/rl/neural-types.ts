/** Options, hyperparameters and saved shapes of the neural policy (neural-policy.ts), and their schemas for loading. */
import { z } from 'zod';
import { rngStateSchema } from '../../core/rng.ts';
import type { RoutingContext } from '../../harness/types.ts';
import type { FeatureLayout } from '../types.ts';

export interface ActionSpec {
  pool: string;
  model: string;
}

export interface NeuralHyperparameters {
  /** Append per-action pool state (queue, KV usage, TTFT) to the prompt features; default: unless the layout has a pool_state block. */
  poolState: boolean;
  hiddenSizes: number[];
  learningRate: number;
  /** Samples per optimizer step. */
  batchSize: number;
  /** Softmax temperature of the behaviour policy (and of the trained log-probabilities). */
  temperature: number;
  entropyBonus: number;
  valueCoef: number;
  /** Importance weights are clipped here (variance control for logged data). */
  maxImportanceWeight: number;
  /** false: act greedily (argmax, propensity 1), e.g. for evaluation. */
  explore: boolean;
  seed: number;
}

export interface NeuralPolicyOptions extends Partial<NeuralHyperparameters> {
  actions: ActionSpec[];
  /** Prompt features; its length must equal layout.dim (learners/features provides one). */
  featurize: (ctx: RoutingContext) => Float64Array;
  layout: FeatureLayout;
  /** Async work before featurize can run (e.g. Featurizer.prepare fetching embeddings): becomes Policy.prepare. */
  prepare?: (ctx: RoutingContext) => Promise<void>;
  name?: string;
}

export interface SavedTensor {
  name: string;
  shape: number[];
  values: number[];
}

/** A buffered sample in policy.json (JSON has no undefined). */
export interface SavedSample {
  x: number[];
  a: number;
  r: number;
  mu: number | null;
}

export interface TrainStats {
  steps: number;
  samples: number;
  meanLoss: number;
}

/** policy.json `hyperparameters` of a neural policy (every key: save() writes them all). */
export const neuralHyperSchema = z.object({
  poolState: z.boolean(),
  hiddenSizes: z.array(z.number().int().positive()).min(1),
  learningRate: z.number().positive(),
  batchSize: z.number().int().positive(),
  temperature: z.number().positive(),
  entropyBonus: z.number().min(0),
  valueCoef: z.number().min(0),
  maxImportanceWeight: z.number().positive(),
  explore: z.boolean(),
  seed: z.number().int(),
});

const savedTensorSchema = z
  .strictObject({
    name: z.string().min(1),
    shape: z.array(z.number().int().positive()).min(1),
    values: z.array(z.number()),
  })
  .superRefine((t, ctx) => {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (t.values.length !== size)
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: `${t.values.length} values where ${t.name} of shape [${t.shape.join(', ')}] needs ${size}`,
      });
  });

/** policy.json `parameters` of a neural policy. */
export const neuralParamsSchema = z.object({
  tensors: z.array(savedTensorSchema).min(1),
  rng: rngStateSchema,
  name: z.string().optional(),
  inputDim: z.number().int().positive().optional(),
  optimizer: z.strictObject({
    step: z.number().int().min(0),
    m: z.array(z.array(z.number())),
    v: z.array(z.array(z.number())),
  }),
  pending: z.array(
    z.strictObject({ x: z.array(z.number()), a: z.number().int().min(0), r: z.number(), mu: z.number().nullable() }),
  ),
});

/** Defaults: lr 0.01 suits noisy rewards; raise it (0.05) for clean synthetic tasks. */
export const NEURAL_DEFAULTS: NeuralHyperparameters = {
  poolState: true,
  hiddenSizes: [64],
  learningRate: 0.01,
  batchSize: 32,
  temperature: 1,
  entropyBonus: 0.01,
  valueCoef: 0.5,
  maxImportanceWeight: 10,
  explore: true,
  seed: 1,
};
