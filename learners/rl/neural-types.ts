/** Options, hyperparameters and saved shapes of the neural policy (neural-policy.ts). */
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
