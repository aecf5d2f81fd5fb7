/**
 * The MLP selector (candle-binding/src/classifiers/mlp_selector.rs MLPSelector, f32 on CPU,
 * the router default): mlp_model.json layers (linear with weight [out][in] and bias, relu,
 * batch_norm with running statistics, dropout = identity) applied to the feature vector cast
 * to float32; the class is the argmax of the output where equal maxima go to the *last* index
 * (Rust's Iterator::max_by); a feature vector of another width is an error ("Feature dimension
 * mismatch"), after which extproc serves the decision's first modelRef; so does a predicted
 * model that is not among the decision's candidates.
 *
 * Arithmetic: every input, weight and layer output is rounded to float32 as candle stores it;
 * each dot product is summed in float64 and rounded once. candle's gemm sums in float32 in
 * its own blocking order, so the two can differ in the last bits of a logit: `margin`
 * reports how far the winner is from the runner-up so callers can flag near-ties.
 */
export type MlpLayerJson =
  | { type: 'linear'; in_features: number; out_features: number; weight: number[][]; bias?: number[] | null }
  | { type: 'relu' }
  | { type: 'dropout'; p?: number }
  | {
      type: 'batch_norm';
      num_features: number;
      weight?: number[] | null;
      bias?: number[] | null;
      running_mean?: number[] | null;
      running_var?: number[] | null;
      eps?: number | null;
    };

export interface MlpJson {
  algorithm: string;
  trained: boolean;
  model_names: string[];
  feature_dim: number;
  layers: MlpLayerJson[];
}

type Compiled =
  | { kind: 'linear'; w: Float32Array; b: Float32Array; inF: number; outF: number }
  | { kind: 'relu' }
  | { kind: 'bn'; scale: Float32Array; shift: Float32Array; mean: Float32Array; std: Float32Array };

export interface MlpPrediction {
  /** The predicted model name, or why there is none. */
  model?: string;
  error?: string;
  /** Winner logit minus runner-up (0 for a tie). */
  margin: number;
}

export class RouterMlp {
  private readonly layers: Compiled[];
  constructor(readonly json: MlpJson) {
    if (json.algorithm !== 'mlp') throw new Error(`mlp_model.json: algorithm "${json.algorithm}", expected "mlp"`);
    const f32 = (xs: ArrayLike<number> | null | undefined, n: number, fill: number) =>
      xs ? Float32Array.from(xs as ArrayLike<number>) : new Float32Array(n).fill(fill);
    this.layers = json.layers.flatMap((l): Compiled[] => {
      if (l.type === 'dropout') return []; // the identity at inference
      if (l.type === 'relu') return [{ kind: 'relu' }];
      if (l.type === 'linear') {
        const w = new Float32Array(l.out_features * l.in_features);
        l.weight.forEach((row, o) => w.set(Float32Array.from(row), o * l.in_features));
        return [{ kind: 'linear', w, b: f32(l.bias, l.out_features, 0), inF: l.in_features, outF: l.out_features }];
      }
      const n = l.num_features;
      const eps = Math.fround(l.eps ?? 1e-5);
      const std = f32(l.running_var, n, 1).map((x) => Math.fround(Math.sqrt(Math.fround(x + eps))));
      return [
        { kind: 'bn', scale: f32(l.weight, n, 1), shift: f32(l.bias, n, 0), mean: f32(l.running_mean, n, 0), std },
      ];
    });
  }

  logits(x: ArrayLike<number>): Float32Array {
    let h = Float32Array.from(x as ArrayLike<number>);
    for (const l of this.layers) {
      if (l.kind === 'relu') h = h.map((v) => (v > 0 ? v : 0));
      else if (l.kind === 'bn')
        h = h.map((v, i) =>
          Math.fround(Math.fround(Math.fround(Math.fround(v - l.mean[i]!) / l.std[i]!) * l.scale[i]!) + l.shift[i]!),
        );
      else {
        const out = new Float32Array(l.outF);
        for (let o = 0; o < l.outF; o++) {
          let s = 0;
          const base = o * l.inF;
          for (let i = 0; i < l.inF; i++) s += h[i]! * l.w[base + i]!;
          out[o] = Math.fround(Math.fround(s) + l.b[o]!);
        }
        h = out;
      }
    }
    return h;
  }

  predict(x: ArrayLike<number>): MlpPrediction {
    if (!this.json.trained) return { error: 'Model not trained/loaded', margin: 0 };
    if (x.length !== this.json.feature_dim)
      return { error: `Feature dimension mismatch: expected ${this.json.feature_dim}, got ${x.length}`, margin: 0 };
    const y = this.logits(x);
    let best = 0;
    for (let i = 1; i < y.length; i++) if (y[i]! >= y[best]!) best = i; // max_by: the last maximum
    let second = -Infinity;
    for (let i = 0; i < y.length; i++) if (i !== best && y[i]! > second) second = y[i]!;
    const margin = y[best]! - second;
    if (best >= this.json.model_names.length)
      return { error: `Invalid class index: ${best} (have ${this.json.model_names.length} classes)`, margin };
    return { model: this.json.model_names[best]!, margin };
  }
}
