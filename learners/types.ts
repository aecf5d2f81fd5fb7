/**
 * Types shared by the learners: the policy file format and the learner interface.
 * A learner is a harness Policy (choose/update) that can also save and load itself.
 */
import type { Policy, RoutingContext } from '../harness/types.ts';

/** policy.json, versioned (learners/policy-file.ts migrates older versions). A load/save round trip is exact. */
export interface PolicyFile {
  version: 2;
  /** Registry name, e.g. `linucb`, `thompson`, `neural`, `cascade`. */
  learner: string;
  hyperparameters: Record<string, number | string | boolean | number[] | string[]>;
  /** How contexts become feature vectors (see learners/features). */
  features: FeatureLayout;
  /** Action index -> what it routes to. */
  actions: { pool: string; model: string }[];
  /** Learned parameters (plain JSON numbers), or a relative folder of a tfjs model. */
  parameters: Record<string, unknown>;
  tfjsModel?: string;
  /** Training data description and metrics (updates seen, reward, regret, ...). */
  training: Record<string, unknown>;
  /**
   * The signal map the policy's categories come from (learners/export/signal-map.ts): set when
   * it was trained on categories vLLM Semantic Router computes from the request text.
   */
  signals?: SignalMapFile;
}

/** A signal map as stored in policy.json (validated by learners/export/signal-map.ts). */
export interface SignalMapFile {
  version: 1;
  name?: string;
  routes: { name: string; operator: 'AND' | 'OR' | 'NOR'; keywords: string[]; case_sensitive: boolean }[];
  default: string;
}

/** The feature layout recorded in a policy: enough to rebuild the exact vectors. */
export interface FeatureLayout {
  /** Ordered blocks; the vector is their concatenation. */
  blocks: FeatureBlock[];
  dim: number;
}

export type FeatureBlock =
  | { kind: 'bias'; dim: 1 }
  /** One slot per listed category, then one "other" slot (dim = categories.length + 1). */
  | { kind: 'category_onehot'; categories: string[]; dim: number }
  /** One slot per listed archetype, then one "other" slot. */
  | { kind: 'archetype_onehot'; archetypes: string[]; dim: number }
  /** [ln(1 + prompt tokens estimate) / 10, ln(1 + text chars) / 10]. */
  | { kind: 'length'; dim: number }
  /** Flags [turn == 0, turn == 1, turn >= 2, previous pool known]. */
  | { kind: 'turn'; dim: number }
  /**
   * Signed feature hashing of word n-grams (orders `n`, e.g. [1, 2]) and char n-grams (orders
   * `charN`, e.g. [3]) of the lower-cased text into `dim` buckets, L2-normalised.
   */
  | { kind: 'hashed_ngrams'; dim: number; n: number[]; charN: number[]; seed: number }
  /**
   * An OpenAI-compatible /v1/embeddings endpoint. dim 0 = not yet known (fixed from the first
   * response). `apiKeyEnv` names the environment variable holding the key (never the key).
   * `query: 'router'`: the text embedded is the one vLLM Semantic Router's selectors embed (the
   * last non-empty user message; none = a zero vector) and values are rounded to float32.
   */
  | {
      kind: 'embedding_endpoint';
      dim: number;
      url: string;
      model: string;
      normalize: boolean;
      apiKeyEnv?: string;
      query?: 'router';
    }
  /**
   * The router's 14-way category one-hot (learners/export/router-model/features.ts): the slot
   * of the matched decision's domain. wrp routes on keyword signals, whose decisions name no
   * domain, so the router always sets "other" (a constant input, kept for the width).
   */
  | { kind: 'router_category'; categories: string[]; dim: number }
  /**
   * Per pool, in order: [min(1, running / scale.running), min(1, waiting / scale.waiting),
   * kv cache usage, min(1, recent TTFT ms / scale.ttftMs)]; unobserved values are 0.
   */
  | { kind: 'pool_state'; pools: string[]; dim: number; scale: { running: number; waiting: number; ttftMs: number } };

/** A learner: a routing Policy with persistence. */
export interface Learner extends Policy {
  /** Everything needed to rebuild this learner exactly (parameters, RNG state, counters). */
  save(): PolicyFile;
  /** Scores per action for a context (what export and verification compare). */
  scores?(ctx: RoutingContext): number[];
}

/**
 * A learner that wrp itself did not set up (e.g. tfjs not started before a neural policy is
 * built): a bug in the caller, never a problem of the policy file being loaded.
 */
export class LearnerSetupError extends Error {
  override name = 'LearnerSetupError';
}
