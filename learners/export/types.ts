/**
 * What export needs from a trained policy, whatever its learner: the ONNX graph of its
 * scoring function, how contexts become that graph's inputs, the in-harness reference
 * scores to verify against, and per-category learned values for the router config.
 */
import type { RoutingContext } from '../../harness/types.ts';
import type { MlpModelJson } from '../rl/mlp-export.ts';
import type { FeatureLayout, PolicyFile } from '../types.ts';
import type { GraphBuilder } from './onnx-graph.ts';

/** Which Semantic Router algorithm a policy becomes (and how its graph is built). */
export type ExportKind = 'static' | 'table' | 'linear' | 'mlp' | 'knn' | 'cascade';

export type InputDtype = 'float32' | 'float64' | 'int64';

/** One ONNX graph input: shape [N] when width is 0, else [N, width]. */
export interface GraphInput {
  name: string;
  dtype: InputDtype;
  width: number;
  /** What the values are (copied into the manifest). */
  what: string;
}

export type TensorData = Float32Array | Float64Array | BigInt64Array;

/** Inputs of a batch of contexts, by input name. */
export type Batch = Record<string, { data: TensorData; dims: number[] }>;

export interface Action {
  pool: string;
  model: string;
}

/** knn_model.json, format_version 2 (the router's ML-selector format). */
export interface KnnModelJson {
  algorithm: 'knn';
  format_version: 2;
  trained: true;
  k: number;
  embeddings: number[][];
  labels: string[];
  qualities: number[];
  /** Nanoseconds, integers. */
  latencies: number[];
  model_names: string[];
  num_samples: number;
  feature_dim: number;
}

/** A policy seen through export's eyes. */
export interface ExportModel {
  kind: ExportKind;
  file: PolicyFile;
  actions: Action[];
  /** Categories the policy tells apart (decisions are made per category). */
  categories: string[];
  /** The layout the graph's feature input follows (empty for table policies). */
  layout: FeatureLayout;
  inputs: GraphInput[];
  /** Adds the scoring nodes; returns the value holding float32 scores [N, actions]. */
  build(g: GraphBuilder): string;
  encode(ctxs: RoutingContext[]): Batch;
  /** Async work before encode/reference (fetching embeddings). */
  prepare(ctxs: RoutingContext[]): Promise<void>;
  /** The in-harness policy's scores() (what verification compares). */
  reference(ctx: RoutingContext): number[];
  /** Learned value per action for this context, in [0, 1] where the learner's values are (orders modelRefs). */
  value?(ctx: RoutingContext): number[];
  /** Instead of value: the value as a function of the scores (computed through policy.onnx in batches). */
  valueFromScores?(scores: number[]): number[];
  /** Set for neural policies: the network as mlp_model.json layers (router model names filled in later). */
  mlp?: MlpModelJson;
  /** Set for nearest-neighbour policies. */
  knn?: Omit<KnnModelJson, 'labels' | 'model_names'> & { labelIndex: number[] };
  /** Set for cascades: the router `confidence` block per category. */
  confidence?(category: string): { threshold: number; cost_quality_tradeoff: number; confidence_method: string };
  /** Beta posteriors per (scope key, action), for the seed pack ('*' = every category). */
  posteriors?(): { key: string; alpha: number[]; beta: number[] }[];
  /** Release resources (tfjs variables). */
  dispose(): void;
}
