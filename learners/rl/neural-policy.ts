/**
 * Neural contextual policy: an MLP (features -> hidden ReLU layers -> one logit per action,
 * plus a value head) trained by policy gradient with a learned baseline (one-step
 * actor-critic). Exploration is a tempered softmax, so the propensity of every decision is
 * exact. Samples are buffered and trained in batches (one optimizer step per batch);
 * importance weights pi/mu correct both the lag of buffered samples and logged data.
 */
import type { Tensor1D, Tensor2D, Variable, Scalar } from '@tensorflow/tfjs';
import type { RoutingContext, Decision } from '../../harness/types.ts';
import type { FeatureLayout, Learner, PolicyFile } from '../types.ts';
import { Adam } from './adam.ts';
import { initTf, type Tf, type TfHandle } from './backend.ts';
import { layersFromDense, mlpModelJson, type MlpLayer, type MlpModelJson } from './mlp-export.ts';
import { poolStateFeatures, POOL_STATE_PER_POOL } from './pool-state.ts';
import { argmax, sampleIndex } from './sampling.ts';
import {
  NEURAL_DEFAULTS,
  type ActionSpec,
  type NeuralHyperparameters,
  type NeuralPolicyOptions,
  type SavedSample,
  type SavedTensor,
  type TrainStats,
  neuralHyperSchema,
  neuralParamsSchema,
} from './neural-types.ts';
import { Rng } from '../../core/rng.ts';

export type {
  ActionSpec,
  NeuralHyperparameters,
  NeuralPolicyOptions,
  SavedTensor,
  TrainStats,
} from './neural-types.ts';
import { parsePolicyPart, POLICY_FILE_VERSION } from '../policy-file.ts';
import { PolicyFileError } from '../../core/errors.ts';

interface Sample {
  x: Float32Array;
  a: number;
  r: number;
  /** Behaviour propensity; undefined when unknown (treated as on-policy). */
  mu: number | undefined;
}

/** Decisions remembered for their propensity until the reward arrives. */
const MAX_PENDING_DECISIONS = 50_000;

export class NeuralPolicy implements Learner {
  readonly name: string;
  readonly hp: NeuralHyperparameters;
  readonly actions: ActionSpec[];
  readonly layout: FeatureLayout;
  readonly inputDim: number;
  readonly backend: string;
  private readonly tf: Tf;
  private readonly featurize: (ctx: RoutingContext) => Float64Array;
  private readonly prepareFn: ((ctx: RoutingContext) => Promise<void>) | undefined;
  private readonly index = new Map<string, number>();
  private rng: Rng;
  private readonly vars: { name: string; v: Variable }[] = [];
  private readonly optimizer: Adam;
  private readonly taken = new Map<string, { a: number; p: number }>();
  private buffer: Sample[] = [];
  private stats = { samples: 0, steps: 0, rewardSum: 0, lastLoss: 0, skipped: 0 };

  static async create(opts: NeuralPolicyOptions): Promise<NeuralPolicy> {
    return NeuralPolicy.withTf(await initTf(), opts);
  }

  /** Synchronous construction once `await initTf()` has run (for synchronous factories). */
  static withTf(handle: TfHandle, opts: NeuralPolicyOptions): NeuralPolicy {
    return new NeuralPolicy(handle, opts);
  }

  /** Rebuild a saved policy; `featurize` must implement file.features. */
  static async load(
    file: PolicyFile,
    featurize: (ctx: RoutingContext) => Float64Array,
    source = 'policy.json',
  ): Promise<NeuralPolicy> {
    return NeuralPolicy.loadWithTf(await initTf(), file, featurize, undefined, source);
  }

  /**
   * Rebuilds a saved policy, checking every field first: a malformed file is a
   * PolicyFileError naming `source` and the field (the weights' shapes against the network
   * the hyperparameters and features describe), never an error deep in tfjs.
   */
  static loadWithTf(
    handle: TfHandle,
    file: PolicyFile,
    featurize: (ctx: RoutingContext) => Float64Array,
    /** Fetches what featurize needs (endpoint embeddings); omitted: nothing to fetch. */
    prepare?: (ctx: RoutingContext) => Promise<void>,
    source = 'policy.json',
  ): NeuralPolicy {
    if (file.learner !== 'neural') throw new PolicyFileError(source, `learner: expected neural, got ${file.learner}`);
    const hp: NeuralHyperparameters = parsePolicyPart(
      neuralHyperSchema,
      file.hyperparameters,
      source,
      'hyperparameters',
    );
    const params = parsePolicyPart(neuralParamsSchema, file.parameters, source, 'parameters');
    if (file.actions.length < 2)
      throw new PolicyFileError(source, `actions: a routing policy needs at least two, got ${file.actions.length}`);
    let policy: NeuralPolicy;
    try {
      policy = new NeuralPolicy(
        handle,
        { ...hp, actions: file.actions, featurize, prepare, layout: file.features, name: params.name },
        params.tensors,
      );
    } catch (e) {
      throw new PolicyFileError(source, `parameters.tensors: ${(e as Error).message}`);
    }
    const sizes = policy.vars.map((x) => x.v.size);
    const moments = (which: 'm' | 'v') => {
      const got = params.optimizer[which];
      const bad = got.length !== sizes.length ? -1 : got.findIndex((a, i) => a.length !== sizes[i]);
      if (got.length !== sizes.length || bad >= 0)
        throw new PolicyFileError(
          source,
          `parameters.optimizer.${which}${bad >= 0 ? `[${bad}]` : ''}: expected moments of the network's ${sizes.length} variables (sizes ${sizes.join(', ')})`,
        );
    };
    moments('m');
    moments('v');
    params.pending.forEach((p, i) => {
      if (p.x.length !== policy.inputDim || p.a >= file.actions.length)
        throw new PolicyFileError(
          source,
          `parameters.pending[${i}]: expected x of ${policy.inputDim} values and an action index below ${file.actions.length}`,
        );
    });
    policy.rng = Rng.fromState(params.rng);
    policy.optimizer.load(params.optimizer);
    policy.buffer = params.pending.map((p) => ({ x: Float32Array.from(p.x), a: p.a, r: p.r, mu: p.mu ?? undefined }));
    const saved = file.training as Partial<NeuralPolicy['stats']>;
    for (const key of Object.keys(policy.stats) as (keyof NeuralPolicy['stats'])[]) {
      if (typeof saved[key] === 'number') policy.stats[key] = saved[key];
    }
    return policy;
  }

  private constructor(handle: TfHandle, opts: NeuralPolicyOptions, saved?: SavedTensor[]) {
    if (opts.actions.length < 2) throw new Error('a routing policy needs at least two actions');
    this.tf = handle.tf;
    this.backend = handle.backend;
    this.prepareFn = opts.prepare;
    this.name = opts.name ?? 'neural';
    this.actions = opts.actions.map((a) => ({ pool: a.pool, model: a.model }));
    this.actions.forEach((a, i) => this.index.set(a.pool, i));
    this.layout = opts.layout;
    this.featurize = opts.featurize;
    // The layout may carry pool state already (learners/features' pool_state block): don't add it
    // twice; the router's layout (features.router) has none, since the router feeds its selectors none.
    const hp: NeuralHyperparameters = {
      ...NEURAL_DEFAULTS,
      poolState: !opts.layout.blocks.some((b) => b.kind === 'pool_state' || b.kind === 'router_category'),
    };
    for (const key of Object.keys(NEURAL_DEFAULTS) as (keyof NeuralHyperparameters)[]) {
      if (opts[key] !== undefined) Object.assign(hp, { [key]: opts[key] });
    }
    this.hp = hp;
    this.inputDim = opts.layout.dim + (hp.poolState ? POOL_STATE_PER_POOL * this.actions.length : 0);
    this.rng = new Rng(hp.seed);
    this.initVariables(saved);
    this.optimizer = new Adam(this.tf, this.trainable, hp.learningRate);
  }

  /** Weights drawn from our own seeded stream: identical across backends and runs. */
  private initVariables(saved: SavedTensor[] | undefined): void {
    const sizes = [this.inputDim, ...this.hp.hiddenSizes];
    const shapes: { name: string; shape: number[]; limit: number }[] = [];
    for (let i = 0; i < this.hp.hiddenSizes.length; i++) {
      shapes.push({ name: `hidden${i}.kernel`, shape: [sizes[i]!, sizes[i + 1]!], limit: Math.sqrt(6 / sizes[i]!) });
      shapes.push({ name: `hidden${i}.bias`, shape: [sizes[i + 1]!], limit: 0 });
    }
    const last = sizes[sizes.length - 1]!;
    const n = this.actions.length;
    // Small output weights: the initial policy is near uniform, i.e. it explores.
    shapes.push({ name: 'policy.kernel', shape: [last, n], limit: 0.1 * Math.sqrt(6 / (last + n)) });
    shapes.push({ name: 'policy.bias', shape: [n], limit: 0 });
    shapes.push({ name: 'value.kernel', shape: [last, 1], limit: Math.sqrt(6 / (last + 1)) });
    shapes.push({ name: 'value.bias', shape: [1], limit: 0 });
    for (const { name, shape, limit } of shapes) {
      const size = shape.reduce((a, b) => a * b, 1);
      const found = saved?.find((t) => t.name === name);
      if (saved && (!found || found.values.length !== size))
        throw new Error(`saved policy lacks ${name} of shape [${shape}]`);
      const values = found
        ? Float32Array.from(found.values)
        : Float32Array.from({ length: size }, () => (2 * this.rng.next() - 1) * limit);
      this.vars.push({ name, v: this.tf.variable(this.tf.tensor(values, shape), true) });
    }
  }

  private get trainable(): Variable[] {
    return this.vars.map((x) => x.v);
  }

  private forward(x: Tensor2D): { logits: Tensor2D; value: Tensor1D } {
    const tf = this.tf;
    const w = this.trainable;
    let h = x;
    for (let i = 0; i < this.hp.hiddenSizes.length; i++)
      h = tf.relu(tf.add(tf.matMul(h, w[2 * i] as Tensor2D), w[2 * i + 1]!)) as Tensor2D;
    const k = 2 * this.hp.hiddenSizes.length;
    const logits = tf.add(tf.matMul(h, w[k] as Tensor2D), w[k + 1]!) as Tensor2D;
    const value = tf.squeeze(tf.add(tf.matMul(h, w[k + 2] as Tensor2D), w[k + 3]!), [1]) as Tensor1D;
    return { logits, value };
  }

  async prepare(ctx: RoutingContext): Promise<void> {
    if (this.prepareFn) await this.prepareFn(ctx);
  }

  /** The network input (float32, as the network sees it): prompt features then pool state. */
  inputVector(ctx: RoutingContext): Float32Array {
    const f = this.featurize(ctx);
    if (f.length !== this.layout.dim)
      throw new Error(`featurize gave ${f.length} values, layout says ${this.layout.dim}`);
    const x = new Float32Array(this.inputDim);
    x.set(f);
    if (this.hp.poolState)
      x.set(
        poolStateFeatures(
          ctx,
          this.actions.map((a) => a.pool),
        ),
        f.length,
      );
    return x;
  }

  /** Per-action logits (what the exported MLP computes). */
  scores(ctx: RoutingContext): number[] {
    const x = this.inputVector(ctx);
    return Array.from(this.tf.tidy(() => this.forward(this.tf.tensor2d(x, [1, this.inputDim])).logits.dataSync()));
  }

  /** The behaviour policy: softmax(logits / temperature). */
  probabilities(ctx: RoutingContext): number[] {
    return Array.from(this.probs(this.inputVector(ctx)));
  }

  private probs(x: Float32Array): Float32Array {
    const tf = this.tf;
    return tf.tidy(
      () =>
        tf
          .softmax(tf.div(this.forward(tf.tensor2d(x, [1, this.inputDim])).logits, this.hp.temperature))
          .dataSync() as Float32Array,
    );
  }

  choose(ctx: RoutingContext): Decision {
    const probs = this.probs(this.inputVector(ctx));
    const a = this.hp.explore ? sampleIndex(probs, this.rng.next()) : argmax(probs);
    const p = this.hp.explore ? probs[a]! : 1;
    if (this.hp.explore) {
      // Remembered for update's importance weight (greedy decisions train as on-policy).
      if (this.taken.size >= MAX_PENDING_DECISIONS) this.taken.delete(this.taken.keys().next().value!);
      this.taken.set(ctx.labels.id, { a, p });
    }
    return { action: this.actions[a]!.pool, propensity: p };
  }

  /** Buffers the sample; every batchSize samples one optimizer step runs. */
  update(ctx: RoutingContext, action: string, reward: number): void {
    const a = this.index.get(action);
    if (a === undefined || !Number.isFinite(reward)) {
      this.stats.skipped++;
      return;
    }
    const seen = this.taken.get(ctx.labels.id);
    this.taken.delete(ctx.labels.id);
    this.buffer.push({ x: this.inputVector(ctx), a, r: reward, mu: seen?.a === a ? seen.p : undefined });
    if (this.buffer.length >= this.hp.batchSize) this.flush();
  }

  /** Train on whatever is buffered now (e.g. at the end of a run); returns the samples used. */
  flush(): number {
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length > 0) this.step(batch);
    return batch.length;
  }

  /** Off-policy training from logs: importance-weighted (pi/mu, clipped) policy gradient. */
  trainBatch(
    contexts: RoutingContext[],
    actions: string[],
    rewards: number[],
    propensities: number[],
    opts: { epochs?: number; batchSize?: number } = {},
  ): TrainStats {
    const samples: Sample[] = [];
    contexts.forEach((ctx, i) => {
      const a = this.index.get(actions[i]!);
      const mu = propensities[i]!;
      if (a === undefined || !Number.isFinite(rewards[i]) || !(mu > 0)) return;
      samples.push({ x: this.inputVector(ctx), a, r: rewards[i]!, mu });
    });
    const size = opts.batchSize ?? this.hp.batchSize;
    let steps = 0;
    let lossSum = 0;
    for (let e = 0; e < (opts.epochs ?? 1); e++) {
      this.rng.shuffle(samples);
      for (let i = 0; i < samples.length; i += size, steps++) lossSum += this.step(samples.slice(i, i + size));
    }
    return { steps, samples: samples.length, meanLoss: steps ? lossSum / steps : 0 };
  }

  private step(batch: Sample[]): number {
    const tf = this.tf;
    const k = batch.length;
    const n = this.actions.length;
    const T = this.hp.temperature;
    const xs = new Float32Array(k * this.inputDim);
    batch.forEach((s, i) => xs.set(s.x, i * this.inputDim));
    const X = tf.tensor2d(xs, [k, this.inputDim]);
    const A = tf.tidy(() =>
      tf
        .oneHot(
          tf.tensor1d(
            batch.map((s) => s.a),
            'int32',
          ),
          n,
        )
        .toFloat(),
    );
    const R = tf.tensor1d(batch.map((s) => s.r));
    // Constants of this step (no gradient flows through them): pi(a|x) and the baseline V(x).
    const [pa, v] = tf.tidy(() => {
      const out = this.forward(X);
      return [tf.sum(tf.mul(tf.softmax(tf.div(out.logits, T)), A), 1).dataSync(), out.value.dataSync()];
    });
    const w = batch.map((s, i) => (s.mu === undefined ? 1 : Math.min(pa[i]! / s.mu, this.hp.maxImportanceWeight)));
    const W = tf.tensor1d(w);
    const WA = tf.tensor1d(batch.map((s, i) => w[i]! * (s.r - v[i]!)));
    const { value, grads } = tf.variableGrads(
      () =>
        tf.tidy(() => {
          const out = this.forward(X);
          const logp = tf.logSoftmax(tf.div(out.logits, T));
          const pg = tf.neg(tf.mean(tf.mul(WA, tf.sum(tf.mul(logp, A), 1))));
          const vl = tf.mean(tf.mul(W, tf.square(tf.sub(R, out.value))));
          const entropy = tf.neg(tf.mean(tf.sum(tf.mul(tf.exp(logp), logp), 1)));
          return tf.sub(tf.add(pg, tf.mul(vl, this.hp.valueCoef)), tf.mul(entropy, this.hp.entropyBonus)) as Scalar;
        }),
      this.trainable,
    );
    this.optimizer.apply(grads);
    const lossValue = value.dataSync()[0]!;
    tf.dispose([X, A, R, W, WA, value, ...Object.values(grads)]);
    this.stats.samples += k;
    this.stats.steps++;
    this.stats.rewardSum += batch.reduce((acc, s) => acc + s.r, 0);
    this.stats.lastLoss = lossValue;
    return lossValue;
  }

  /** Samples waiting for the next optimizer step. */
  get pending(): number {
    return this.buffer.length;
  }

  private tensors(): SavedTensor[] {
    return this.vars.map(({ name, v }) => ({ name, shape: v.shape.slice(), values: Array.from(v.dataSync()) }));
  }

  /** The policy head as mlp_model.json layers (weights [out][in], PyTorch convention). */
  toLayers(): MlpLayer[] {
    const t = this.tensors().slice(0, -2); // the value head is training-only
    return layersFromDense(
      t.map((x) => x.values),
      [this.inputDim, ...this.hp.hiddenSizes, this.actions.length],
    );
  }

  /** The whole mlp_model.json artifact; its feature layout is this policy's (see save().features). */
  toMlpModel(): MlpModelJson {
    return mlpModelJson(
      this.toLayers(),
      this.actions.map((a) => a.model),
    );
  }

  /** Everything to resume exactly: weights, Adam moments, buffered samples, RNG state, counters (not in-flight propensities). */
  save(): PolicyFile {
    return {
      version: POLICY_FILE_VERSION,
      learner: 'neural',
      hyperparameters: { ...this.hp, hiddenSizes: [...this.hp.hiddenSizes] },
      features: this.layout,
      actions: this.actions.map((a) => ({ ...a })),
      parameters: {
        tensors: this.tensors(),
        rng: this.rng.state(),
        name: this.name,
        inputDim: this.inputDim,
        optimizer: this.optimizer.save(),
        pending: this.buffer.map((b): SavedSample => ({ x: Array.from(b.x), a: b.a, r: b.r, mu: b.mu ?? null })),
      },
      training: {
        ...this.stats,
        pending: this.buffer.length,
        backend: this.backend,
        meanReward: this.stats.samples ? this.stats.rewardSum / this.stats.samples : 0,
      },
    };
  }

  dispose(): void {
    this.tf.dispose(this.trainable);
    this.optimizer.dispose();
  }
}
