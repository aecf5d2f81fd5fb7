/**
 * A nearest-neighbour routing policy with vLLM Semantic Router's knn selector semantics
 * (its ml_model_selection KNNModel): features and query L2-normalised (a zero vector stays
 * zero), the k nearest stored points by squared distance (on a 2^-30 grid), ties by point index; each votes
 * for its model with 0.9 * quality + 0.1 / (1 + latency_ns / 1e10); the largest total wins,
 * equal totals go to the lexicographically first model name. scores() are the vote totals.
 * update() stores the context as a new point (quality = reward, latency unknown = 0).
 */
import { z } from 'zod';
import { parseOrThrow } from '../../core/validate.ts';
import type { Decision, RoutingContext } from '../../harness/types.ts';
import { checkReward } from '../bandits/base.ts';
import { Featurizer, type FeaturizerOptions } from '../features/featurizer.ts';
import { featureLayoutSchema } from '../features/spec.ts';
import type { FeatureLayout, Learner, PolicyFile } from '../types.ts';
import type { Action } from './types.ts';
import { POLICY_FILE_VERSION } from '../policy-file.ts';

/**
 * Squared distances are compared on a grid of 2^-30: two points closer in distance
 * than that (duplicates above all) tie and go by index. Exact float comparison would let the
 * last bit of a dot product, which differs between JS and a BLAS kernel's blocking, decide.
 */
export const KNN_DISTANCE_GRID = 2 ** 30;

/** The grid cell of a squared distance; cells are centred on multiples of 2^-30, so the exact
 * values structure produces (2 for orthogonal unit vectors, 1 against a zero vector) sit
 * mid-cell, where a last-bit difference cannot move them. */
export const knnDistanceCell = (d: number) => Math.floor(d * KNN_DISTANCE_GRID + 0.5);

/** Latency at which the speed factor halves, ns (the router's constant). */
export const KNN_LATENCY_SCALE_NS = 10_000_000_000;

export const knnHyperSchema = z.strictObject({ k: z.number().int().min(1).max(1000).default(5) });

const knnParamsSchema = z
  .strictObject({
    points: z.array(z.array(z.number())),
    labels: z.array(z.number().int().min(0)),
    qualities: z.array(z.number().min(0).max(1)),
    latencies_ns: z.array(z.number().int().min(0)),
  })
  .refine(
    (p) =>
      p.points.length === p.labels.length &&
      p.labels.length === p.qualities.length &&
      p.qualities.length === p.latencies_ns.length,
    'points, labels, qualities and latencies_ns must have equal lengths',
  );

export function l2normalize(v: ArrayLike<number>): Float64Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s);
  const out = Float64Array.from(v);
  if (n > 0) for (let i = 0; i < out.length; i++) out[i] = out[i]! / n;
  return out;
}

export class KnnPolicy implements Learner {
  readonly name = 'knn';
  private readonly featurizer: Featurizer;
  private readonly raw: number[][] = [];
  /** Normalised points back to back (one allocation, scanned in order). */
  private unit = new Float64Array(0);
  private readonly labels: number[] = [];
  private readonly qualities: number[] = [];
  private readonly latencies: number[] = [];
  private updates = 0;

  constructor(
    readonly actions: Action[],
    readonly layout: FeatureLayout,
    readonly k: number,
    featurizerOptions: FeaturizerOptions = {},
  ) {
    if (actions.length === 0) throw new Error('a knn policy needs at least one action');
    this.featurizer = new Featurizer(layout, featurizerOptions);
  }

  get size(): number {
    return this.labels.length;
  }

  /** Stores a point (its raw features: the artifact keeps them, the router normalises on load). */
  add(x: ArrayLike<number>, label: number, quality: number, latencyNs = 0): void {
    if (x.length !== this.layout.dim)
      throw new Error(`knn: point of ${x.length} values, layout has ${this.layout.dim}`);
    if (label < 0 || label >= this.actions.length) throw new Error(`knn: label ${label} is not an action index`);
    this.raw.push(Array.from(x));
    const d = this.layout.dim;
    const n = this.labels.length;
    if ((n + 1) * d > this.unit.length) {
      const grown = new Float64Array(Math.max(1024, 2 * (n + 1)) * d);
      grown.set(this.unit);
      this.unit = grown;
    }
    this.unit.set(l2normalize(x), n * d);
    this.labels.push(label);
    this.qualities.push(Math.min(1, Math.max(0, quality)));
    this.latencies.push(Math.max(0, Math.round(latencyNs)));
  }

  /** A point's vote weight. */
  weight(i: number): number {
    return 0.9 * this.qualities[i]! + 0.1 / (1 + this.latencies[i]! / KNN_LATENCY_SCALE_NS);
  }

  /** Indices of the k nearest points to feature vector x, nearest first (ties: lower index). */
  neighbours(x: ArrayLike<number>): number[] {
    const q = l2normalize(x);
    const k = Math.min(this.k, this.size);
    const idx: number[] = [];
    const dist: number[] = [];
    const dim = this.layout.dim;
    for (let p = 0; p < this.size; p++) {
      const base = p * dim;
      let d = 0;
      let far = false;
      for (let j = 0; j < dim; j++) {
        d += (this.unit[base + j]! - q[j]!) ** 2;
        // The partial sum only grows: once its cell reaches the k-th best, this point cannot enter.
        if ((j & 63) === 63 && idx.length === k && knnDistanceCell(d) >= dist[k - 1]!) {
          far = true;
          break;
        }
      }
      if (far) continue;
      d = knnDistanceCell(d);
      if (idx.length === k && d >= dist[k - 1]!) continue;
      // Insertion keeps (distance, index) order: a later point never passes an equal one.
      let at = idx.length;
      while (at > 0 && dist[at - 1]! > d) at--;
      idx.splice(at, 0, p);
      dist.splice(at, 0, d);
      if (idx.length > k) {
        idx.pop();
        dist.pop();
      }
    }
    return idx;
  }

  features(ctx: RoutingContext): Float64Array {
    return this.featurizer.featurize(ctx);
  }

  /** Vote totals per action. */
  scores(ctx: RoutingContext): number[] {
    const votes = new Array<number>(this.actions.length).fill(0);
    for (const i of this.neighbours(this.features(ctx))) votes[this.labels[i]!]! += this.weight(i);
    return votes;
  }

  async prepare(ctx: RoutingContext): Promise<void> {
    await this.featurizer.prepare(ctx);
  }

  choose(ctx: RoutingContext): Decision {
    const v = this.scores(ctx);
    let best = 0;
    for (let i = 1; i < v.length; i++) {
      if (v[i]! > v[best]! || (v[i] === v[best] && this.actions[i]!.model < this.actions[best]!.model)) best = i;
    }
    return { action: this.actions[best]!.pool, propensity: 1 };
  }

  update(ctx: RoutingContext, action: string, reward: number): void {
    checkReward(reward);
    const i = this.actions.findIndex((a) => a.pool === action);
    if (i < 0) throw new Error(`knn: "${action}" is not one of its actions`);
    this.add(this.features(ctx), i, reward);
    this.updates++;
  }

  /** The artifact's point arrays (raw features, labels as action indices). */
  points(): { embeddings: number[][]; labels: number[]; qualities: number[]; latencies: number[] } {
    return { embeddings: this.raw, labels: this.labels, qualities: this.qualities, latencies: this.latencies };
  }

  save(): PolicyFile {
    return {
      version: POLICY_FILE_VERSION,
      learner: 'knn',
      hyperparameters: { k: this.k },
      features: structuredClone(this.layout),
      actions: this.actions.map((a) => ({ ...a })),
      parameters: {
        points: this.raw.map((r) => [...r]),
        labels: [...this.labels],
        qualities: [...this.qualities],
        latencies_ns: [...this.latencies],
      },
      training: { updates: this.updates, points: this.size },
    };
  }

  static load(file: PolicyFile, source = 'policy.json', featurizerOptions: FeaturizerOptions = {}): KnnPolicy {
    const h = parseOrThrow(knnHyperSchema, file.hyperparameters, source, ['hyperparameters']);
    const layout = parseOrThrow(featureLayoutSchema, file.features, source, ['features']) as FeatureLayout;
    const p = parseOrThrow(knnParamsSchema, file.parameters, source, ['parameters']);
    const policy = new KnnPolicy(file.actions, layout, h.k, featurizerOptions);
    p.points.forEach((x, i) => policy.add(x, p.labels[i]!, p.qualities[i]!, p.latencies_ns[i]!));
    policy.updates = typeof file.training['updates'] === 'number' ? file.training['updates'] : 0;
    return policy;
  }
}
