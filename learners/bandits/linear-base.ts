/**
 * Shared plumbing of the linear contextual bandits: a Featurizer, the prepare hook, and lazy
 * allocation of the per-arm parameters (an embedding block's dimension is known only after
 * the first response, so d may be unknown when the learner is built).
 */
import type { RoutingContext } from '../../harness/types.ts';
import { Featurizer, type FeaturizerOptions } from '../features/featurizer.ts';
import { PolicyFileError } from '../../core/errors.ts';
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

  /**
   * Restores saved per-arm parameters (nothing when the file was saved before the first
   * update, dim 0): the dimension must be the layout's and there must be an arm per action;
   * each arm's vectors must have length dim and its packed upper triangles dim(dim+1)/2.
   */
  protected restoreArms<A extends Record<string, number[]>>(
    saved: { dim: number; arms: A[] },
    source: string,
    shapes: { vectors: (keyof A & string)[]; triangles: (keyof A & string)[] },
    restoreArm: (arm: A, i: number, d: number) => void,
  ): void {
    const d = saved.dim;
    if (d === 0) return;
    if (d !== this.layout.dim)
      throw new PolicyFileError(source, `parameters.dim ${d} differs from features.dim ${this.layout.dim}`);
    if (saved.arms.length !== this.actions.length)
      throw new PolicyFileError(
        source,
        `parameters.arms has ${saved.arms.length} arms for ${this.actions.length} actions`,
      );
    this.d = d;
    this.allocate(d);
    const packed = (d * (d + 1)) / 2;
    saved.arms.forEach((arm, i) => {
      const bad =
        shapes.vectors.some((k) => arm[k]!.length !== d) || shapes.triangles.some((k) => arm[k]!.length !== packed);
      if (bad)
        throw new PolicyFileError(
          source,
          `parameters.arms[${i}]: expected ${shapes.vectors.join(' and ')} of length ${d}, ${shapes.triangles.join(' and ')} of ${packed} (the upper triangle)`,
        );
      restoreArm(arm, i, d);
    });
  }

  protected linearFile(hyper: Hyperparameters, parameters: Record<string, unknown>): PolicyFile {
    return this.file(hyper, { dim: this.d, ...parameters }, this.featurizer.layout);
  }
}
