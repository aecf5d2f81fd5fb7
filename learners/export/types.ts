/**
 * What export needs from a trained policy, whatever its learner: its greedy choice and
 * learned values per context (what the router must reproduce), the categories it decides on
 * and the signal map behind them, the router artifacts it becomes (mlp_model.json,
 * knn_model.json, confidence blocks), and the ONNX graph of its scoring function
 * (policy.onnx: wrp's own portable artifact, which no router component reads).
 */
import type { RoutingContext } from '../../harness/types.ts';
import type { MlpModelJson } from '../rl/mlp-export.ts';
import type { FeatureLayout, PolicyFile } from '../types.ts';
import type { GraphBuilder } from './onnx-graph.ts';
import type { SignalRouter } from './signal-map.ts';

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

/** knn_model.json: the fields ml-binding/src/knn.rs reads, plus descriptive ones it ignores. */
export interface KnnModelJson {
  algorithm: 'knn';
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
  /** Categories the policy tells apart (its signal map's, when it carries one). */
  categories: string[];
  /** The signal map the policy decides on (trained with --signals), if any. */
  signals?: SignalRouter;
  /** The layout the graph's feature input follows (empty for table policies). */
  layout: FeatureLayout;
  inputs: GraphInput[];
  /** Adds the scoring nodes; returns the value holding float32 scores [N, actions]. */
  build(g: GraphBuilder): string;
  encode(ctxs: RoutingContext[]): Batch;
  /** Async work before encode/reference/greedy (fetching embeddings). */
  prepare(ctxs: RoutingContext[]): Promise<void>;
  /** The in-harness policy's scores() (what policy.onnx reproduces). */
  reference(ctx: RoutingContext): number[];
  /** The action the policy serves when it exploits (its own tie rule), for a context as the harness sees it. */
  greedy(ctx: RoutingContext): number;
  /** Learned value per action for this context (orders modelRefs, sets model-card quality). */
  value(ctx: RoutingContext): number[];
  /** Category-keyed kinds: greedy choice and values of a category, straight from the policy's tables. */
  ofCategory?(category: string): { greedy: number; values: number[] };
  /** Neural and linear policies: the network as mlp_model.json layers (router names filled in later). */
  mlp?: MlpModelJson;
  /** Nearest-neighbour policies. */
  knn?: Omit<KnnModelJson, 'labels' | 'model_names'> & { labelIndex: number[] };
  /** Cascades: the router `confidence` block per category. */
  confidence?(category: string): { threshold: number; cost_quality_tradeoff: number; confidence_method: string };
  /** Release resources (tfjs variables). */
  dispose(): void;
}
