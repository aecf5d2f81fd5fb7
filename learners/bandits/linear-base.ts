/**
 * Shared plumbing of the linear contextual bandits: a Featurizer, the prepare hook, and lazy
 * allocation of the per-arm parameters (an embedding block's dimension is known only after
 * the first response, so d may be unknown when the learner is built).
 */
import type { RoutingContext } from '../../harness/types.ts';
import { Featurizer, type FeaturizerOptions } from '../features/featurizer.ts';
import type { FeatureLayout, PolicyFile } from '../types.ts';
import { LearnerBase, type Action, type Hyperparameters } from './base.ts';

export abstract class LinearLearner extends LearnerBase {
  protected readonly featurizer: Featurizer;
  /** Allocated dimension; 0 until the layout is resolved. */
  protected d = 0;

  constructor(actions: Action[], layout: FeatureLayout, featurizerOptions: FeaturizerOptions = {}) {
    super(actions);
    if (layout.dim === 0 && layout.blocks.length === 0)
      throw new Error('a linear learner needs at least one feature block');
    this.featurizer = new Featurizer(layout, featurizerOptions);
  }

  get layout(): FeatureLayout {
    return this.featurizer.layout;
  }

  /** Fetches endpoint embeddings for ctx; the runner awaits it before choose. */
  async prepare(ctx: RoutingContext): Promise<void> {
    await this.featurizer.prepare(ctx);
  }

  /** The context's feature vector (allocating the arms on first use). */
  protected features(ctx: RoutingContext): Float64Array {
    const x = this.featurizer.featurize(ctx);
    if (this.d === 0) {
      this.d = x.length;
      this.allocate(this.d);
    }
    return x;
  }

  /** Fresh parameters for every arm at dimension d. */
  protected abstract allocate(d: number): void;

  protected linearFile(hyper: Hyperparameters, parameters: Record<string, unknown>): PolicyFile {
    return this.file(hyper, { dim: this.d, ...parameters }, this.featurizer.layout);
  }
}
