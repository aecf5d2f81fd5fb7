/**
 * `--learner knn`: a nearest-neighbour routing policy that scores exactly as vLLM Semantic
 * Router's knn selector does (ml-binding/src/knn.rs; router-model/select-knn.ts is the
 * independent model export verifies against): the stored feature vectors are used raw (no
 * normalisation), the k nearest by Euclidean distance, each voting for its action with
 * 0.9 * max(quality, 0.01) + 0.1 * (1 - (latency - min) / max(max - min, 1)), min and max over
 * every stored latency. The router breaks equal vote totals by hash order (random), so each
 * point's effective quality carries a deterministic offset below 1e-6 (toward the middle of
 * [0.01, 1], from a hash of its slot): binary rewards then never make two totals exactly
 * equal, and knn_model.json stores these effective qualities, so the router's votes are the
 * policy's. Should totals still tie, the policy picks the lexicographically first model name
 * and export counts the request as the router's coin flip. Points tied in distance are taken
 * in index order (the router's BallTree order is its own: also counted as undetermined).
 *
 * update() records the reward of the action taken at the context's feature vector; latency 0
 * (the harness reports none to policies). One point per distinct vector: it keeps every
 * action's mean reward there and is labelled with the best one (ties: the first model name),
 * its quality that mean. (Several points at one vector would tie in distance, and the
 * router's BallTree order would pick among them.) The oldest point is overwritten once
 * `max_points` are stored, so memory stays bounded. Cost per decision: one scan
 * of the points, O(points x dim), with partial-distance pruning.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Decision, RoutingContext } from '../../harness/types.ts';
import { checkReward } from '../bandits/base.ts';
import { Featurizer, type FeaturizerOptions } from '../features/featurizer.ts';
import { featureLayoutSchema } from '../features/spec.ts';
import type { FeatureLayout, Learner, PolicyFile } from '../types.ts';
import type { Action } from './types.ts';
import { POLICY_FILE_VERSION, parsePolicyPart } from '../policy-file.ts';
import { PolicyFileError } from '../../core/errors.ts';

export const knnHyperSchema = z.strictObject({
  k: z.number().int().min(1).max(1000).default(5),
  max_points: z.number().int().min(1).default(10_000),
});
export type KnnHyper = z.infer<typeof knnHyperSchema>;

const knnParamsSchema = z
  .strictObject({
    points: z.array(z.array(z.number())),
    /** Per point: [count, reward sum] of each action, in action order. */
    outcomes: z.array(z.array(z.number().min(0))),
    latencies_ns: z.array(z.number().int().min(0)),
    next: z.number().int().min(0).default(0),
  })
  .refine(
    (p) => p.points.length === p.outcomes.length && p.outcomes.length === p.latencies_ns.length,
    'points, outcomes and latencies_ns must have equal lengths',
  );

export class KnnPolicy implements Learner {
  readonly name = 'knn';
  private readonly featurizer: Featurizer;
  private points = new Float64Array(0);
  private readonly labels: number[] = [];
  private readonly qualities: number[] = [];
  private readonly latencies: number[] = [];
  /** Per slot: [count, reward sum] of each action. */
  private readonly outcomes: number[][] = [];
  /** sha1 of the feature vector -> slot. */
  private readonly slots = new Map<string, number>();
  private readonly keys: string[] = [];
  /** Where the next point goes once the store is full (ring order). */
  private next = 0;
  private weightCache: Float64Array | undefined;
  private updates = 0;

  constructor(
    readonly actions: Action[],
    readonly layout: FeatureLayout,
    readonly hp: KnnHyper,
    featurizerOptions: FeaturizerOptions = {},
  ) {
    if (actions.length === 0) throw new Error('a knn policy needs at least one action');
    this.featurizer = new Featurizer(layout, featurizerOptions);
  }

  get k(): number {
    return this.hp.k;
  }
  get size(): number {
    return this.labels.length;
  }
  private get dim(): number {
    return this.featurizer.dim;
  }

  /** Records `count` outcomes of `action` at vector x (a new point, or the one already there). */
  add(x: ArrayLike<number>, action: number, reward: number, latencyNs = 0, count = 1): void {
    const d = this.dim;
    if (x.length !== d) throw new Error(`knn: point of ${x.length} values, layout has ${d}`);
    if (action < 0 || action >= this.actions.length) throw new Error(`knn: label ${action} is not an action index`);
    const v = Float64Array.from(x as ArrayLike<number>);
    const key = createHash('sha1').update(new Uint8Array(v.buffer)).digest('base64');
    let at = this.slots.get(key);
    if (at === undefined) {
      at = this.labels.length;
      if (at >= this.hp.max_points) {
        at = this.next;
        this.next = (this.next + 1) % this.hp.max_points;
        this.slots.delete(this.keys[at]!);
      } else if ((at + 1) * d > this.points.length) {
        const grown = new Float64Array(Math.min(this.hp.max_points, Math.max(1024, 2 * (at + 1))) * d);
        grown.set(this.points);
        this.points = grown;
      }
      this.points.set(v, at * d);
      this.outcomes[at] = new Array<number>(2 * this.actions.length).fill(0);
      this.latencies[at] = 0;
      this.slots.set(key, at);
      this.keys[at] = key;
    }
    const o = this.outcomes[at]!;
    const seen = o.reduce((t, c, i) => (i % 2 === 0 ? t + c : t), 0);
    o[2 * action] = o[2 * action]! + count;
    o[2 * action + 1] = o[2 * action + 1]! + count * Math.min(1, Math.max(0, reward));
    this.latencies[at] = Math.max(
      0,
      Math.round(this.latencies[at]! + ((latencyNs - this.latencies[at]!) * count) / (seen + count)),
    );
    this.relabel(at);
  }

  /** The point's label: the best mean reward seen there (ties: the first model name); its quality that mean. */
  private relabel(at: number): void {
    const o = this.outcomes[at]!;
    let best = -1;
    for (let a = 0; a < this.actions.length; a++) {
      if (o[2 * a] === 0) continue;
      const m = o[2 * a + 1]! / o[2 * a]!;
      const bm = best < 0 ? -1 : o[2 * best + 1]! / o[2 * best]!;
      if (best < 0 || m > bm || (m === bm && this.actions[a]!.model < this.actions[best]!.model)) best = a;
    }
    this.labels[at] = best;
    this.qualities[at] = o[2 * best + 1]! / o[2 * best]!;
    this.weightCache = undefined;
  }

  /** The quality the router sees for a point: floored at 0.01, offset below 1e-6 by its slot. */
  effectiveQuality(i: number): number {
    const q = Math.max(this.qualities[i]!, 0.01);
    const u = (Math.imul(i + 1, 0x9e3779b1) >>> 0) / 2 ** 32;
    return q + (q < 0.5 ? 1 : -1) * 1e-6 * u;
  }

  /** The vote weight of every stored point (latency normalised over all of them). */
  voteWeights(): Float64Array {
    if (this.weightCache) return this.weightCache;
    const max = this.latencies.length ? this.latencies.reduce((a, b) => Math.max(a, b)) : 1;
    const min = this.latencies.length ? this.latencies.reduce((a, b) => Math.min(a, b)) : 1;
    const range = Math.max(max - min, 1);
    this.weightCache = Float64Array.from(
      this.labels,
      (_, i) => 0.9 * Math.max(this.effectiveQuality(i), 0.01) + 0.1 * (1 - (this.latencies[i]! - min) / range),
    );
    return this.weightCache;
  }

  /** Indices of the k nearest points to x, nearest first (equal distances: lower index). */
  neighbours(x: ArrayLike<number>): number[] {
    const k = Math.min(this.hp.k, this.size);
    const idx: number[] = [];
    const dist: number[] = [];
    const dim = this.dim;
    for (let p = 0; p < this.size; p++) {
      const base = p * dim;
      const bound = idx.length === k ? dist[k - 1]! : Infinity;
      let s = 0;
      let j = 0;
      for (; j < dim; j++) {
        const t = this.points[base + j]! - x[j]!;
        s += t * t;
        if ((j & 31) === 31 && s >= bound) break;
      }
      if (j < dim || s >= bound) continue;
      let at = idx.length;
      while (at > 0 && dist[at - 1]! > s) at--;
      idx.splice(at, 0, p);
      dist.splice(at, 0, s);
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

  /** Vote totals per action (summed nearest first, as the router does). */
  scores(ctx: RoutingContext): number[] {
    const votes = new Array<number>(this.actions.length).fill(0);
    const w = this.voteWeights();
    for (const i of this.neighbours(this.features(ctx))) votes[this.labels[i]!]! += w[i]!;
    return votes;
  }

  /** The policy's pick: the largest total, equal totals to the lexicographically first model. */
  best(votes: readonly number[]): number {
    let best = 0;
    for (let i = 1; i < votes.length; i++) {
      if (votes[i]! > votes[best]! || (votes[i] === votes[best] && this.actions[i]!.model < this.actions[best]!.model))
        best = i;
    }
    return best;
  }

  async prepare(ctx: RoutingContext): Promise<void> {
    await this.featurizer.prepare(ctx);
  }

  choose(ctx: RoutingContext): Decision {
    return { action: this.actions[this.best(this.scores(ctx))]!.pool, propensity: 1 };
  }

  update(ctx: RoutingContext, action: string, reward: number): void {
    checkReward(reward);
    const i = this.actions.findIndex((a) => a.pool === action);
    if (i < 0) throw new Error(`knn: "${action}" is not one of its actions`);
    this.add(this.features(ctx), i, reward);
    this.updates++;
  }

  /** The stored points (raw features, labels as action indices), in storage order. */
  stored(): { embeddings: number[][]; labels: number[]; qualities: number[]; latencies: number[] } {
    const d = this.dim;
    return {
      embeddings: this.labels.map((_, i) => Array.from(this.points.subarray(i * d, (i + 1) * d))),
      labels: [...this.labels],
      qualities: [...this.qualities],
      latencies: [...this.latencies],
    };
  }

  save(): PolicyFile {
    const s = this.stored();
    return {
      version: POLICY_FILE_VERSION,
      learner: 'knn',
      hyperparameters: { ...this.hp },
      features: structuredClone(this.featurizer.layout),
      actions: this.actions.map((a) => ({ ...a })),
      parameters: {
        points: s.embeddings,
        outcomes: this.outcomes.map((o) => [...o]),
        latencies_ns: s.latencies,
        next: this.next,
      },
      training: { updates: this.updates, points: this.size },
    };
  }

  static load(file: PolicyFile, source = 'policy.json', featurizerOptions: FeaturizerOptions = {}): KnnPolicy {
    const h = parsePolicyPart(knnHyperSchema, file.hyperparameters, source, 'hyperparameters');
    const layout = parsePolicyPart(featureLayoutSchema, file.features, source, 'features') as FeatureLayout;
    const p = parsePolicyPart(knnParamsSchema, file.parameters, source, 'parameters');
    const policy = new KnnPolicy(file.actions, layout, h, featurizerOptions);
    p.points.forEach((x, i) => {
      const o = p.outcomes[i]!;
      if (o === undefined || o.length !== 2 * file.actions.length || !o.some((c, j) => j % 2 === 0 && c > 0))
        throw new PolicyFileError(
          source,
          `parameters.outcomes[${i}]: expected ${2 * file.actions.length} values ([count, sum] per action), some count > 0`,
        );
      if (x.length !== layout.dim || p.latencies_ns[i] === undefined)
        throw new PolicyFileError(
          source,
          `parameters.points[${i}]: expected ${layout.dim} values (features.dim) and a latencies_ns entry`,
        );
      const first = o.findIndex((c, j) => j % 2 === 0 && c > 0) / 2;
      const before = policy.size;
      policy.add(x, first, 0, p.latencies_ns[i]!);
      if (policy.size === before)
        throw new PolicyFileError(source, `parameters.points[${i}]: the same vector as an earlier point`);
      // The saved sums as they are (re-adding means would round them).
      policy.outcomes[policy.size - 1] = [...o];
      policy.latencies[policy.size - 1] = p.latencies_ns[i]!;
      policy.relabel(policy.size - 1);
    });
    policy.next = p.next;
    policy.updates = typeof file.training['updates'] === 'number' ? file.training['updates'] : 0;
    return policy;
  }
}
