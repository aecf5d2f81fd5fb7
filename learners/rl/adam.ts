/**
 * Adam over tfjs variables with its moments in plain variables of ours, so a saved policy
 * carries the optimizer state and training resumes exactly after a load (tfjs's own
 * optimizer exposes its state only asynchronously).
 */
import type { NamedTensorMap, Variable } from '@tensorflow/tfjs';
import type { Tf } from './backend.ts';

export interface AdamState {
  step: number;
  /** First and second moments, in the order of the variables. */
  m: number[][];
  v: number[][];
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7; // tfjs's float32 default

export class Adam {
  private t = 0;
  private readonly m: Variable[];
  private readonly v: Variable[];

  constructor(
    private readonly tf: Tf,
    private readonly vars: Variable[],
    private readonly lr: number,
  ) {
    this.m = vars.map((x) => tf.variable(tf.zerosLike(x), false));
    this.v = vars.map((x) => tf.variable(tf.zerosLike(x), false));
  }

  /** One update from gradients keyed by variable name (tf.variableGrads' output). */
  apply(grads: NamedTensorMap): void {
    const tf = this.tf;
    this.t++;
    const c1 = 1 - BETA1 ** this.t;
    const c2 = 1 - BETA2 ** this.t;
    tf.tidy(() => {
      this.vars.forEach((x, i) => {
        const g = grads[x.name];
        if (!g) return;
        const m = tf.add(tf.mul(this.m[i]!, BETA1), tf.mul(g, 1 - BETA1));
        const v = tf.add(tf.mul(this.v[i]!, BETA2), tf.mul(tf.square(g), 1 - BETA2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        const stepSize = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), EPSILON));
        x.assign(tf.sub(x, tf.mul(stepSize, this.lr)));
      });
    });
  }

  save(): AdamState {
    return {
      step: this.t,
      m: this.m.map((x) => Array.from(x.dataSync())),
      v: this.v.map((x) => Array.from(x.dataSync())),
    };
  }

  load(state: AdamState): void {
    if (state.m.length !== this.vars.length || state.v.length !== this.vars.length)
      throw new Error('optimizer state does not match the network');
    this.t = state.step;
    this.vars.forEach((x, i) => {
      this.m[i]!.assign(this.tf.tensor(Float32Array.from(state.m[i]!), x.shape));
      this.v[i]!.assign(this.tf.tensor(Float32Array.from(state.v[i]!), x.shape));
    });
  }

  dispose(): void {
    this.tf.dispose([...this.m, ...this.v]);
  }
}
