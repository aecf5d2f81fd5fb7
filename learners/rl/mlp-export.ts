/**
 * The MLP in the Semantic Router's mlp_model.json shape (REFERENCE.md section 4), and a
 * float64 reference forward pass over it, so an exported artifact can be checked against
 * the policy that produced it without tfjs.
 */

export type MlpLayer =
  | { type: 'linear'; in_features: number; out_features: number; weight: number[][]; bias: number[] }
  | { type: 'relu' }
  | { type: 'dropout'; p: number };

export interface MlpModelJson {
  algorithm: 'mlp';
  trained: true;
  model_names: string[];
  feature_dim: number;
  n_classes: number;
  hidden_sizes: number[];
  dropout: number;
  layers: MlpLayer[];
}

/** A dense layer from a tfjs kernel stored row-major as [in, out]; PyTorch's weight is [out][in]. */
export function linearFromKernel(
  kernel: ArrayLike<number>,
  bias: ArrayLike<number>,
  inF: number,
  outF: number,
): MlpLayer {
  if (kernel.length !== inF * outF || bias.length !== outF)
    throw new Error(`kernel/bias size mismatch for ${inF}x${outF}`);
  const weight: number[][] = [];
  for (let o = 0; o < outF; o++) {
    const row = new Array<number>(inF);
    for (let i = 0; i < inF; i++) row[i] = kernel[i * outF + o]!;
    weight.push(row);
  }
  return { type: 'linear', in_features: inF, out_features: outF, weight, bias: Array.from(bias) };
}

/** Linear layers with ReLU between them from [kernel, bias, kernel, bias, ...] (tfjs [in, out] kernels). */
export function layersFromDense(dense: ArrayLike<number>[], sizes: number[]): MlpLayer[] {
  if (dense.length !== 2 * (sizes.length - 1)) throw new Error('need a kernel and a bias per layer');
  const layers: MlpLayer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    layers.push(linearFromKernel(dense[2 * i]!, dense[2 * i + 1]!, sizes[i]!, sizes[i + 1]!));
    if (i + 2 < sizes.length) layers.push({ type: 'relu' });
  }
  return layers;
}

/** Inference forward pass (dropout is the identity at inference). */
export function forwardLayers(layers: MlpLayer[], x: ArrayLike<number>): Float64Array {
  let h = Float64Array.from(x);
  for (const layer of layers) {
    if (layer.type === 'relu') h = h.map((v) => (v > 0 ? v : 0));
    else if (layer.type === 'linear') {
      if (h.length !== layer.in_features) throw new Error(`layer expects ${layer.in_features} inputs, got ${h.length}`);
      const out = new Float64Array(layer.out_features);
      for (let o = 0; o < layer.out_features; o++) {
        const w = layer.weight[o]!;
        let acc = layer.bias[o]!;
        for (let i = 0; i < layer.in_features; i++) acc += w[i]! * h[i]!;
        out[o] = acc;
      }
      h = out;
    }
  }
  return h;
}

export function mlpModelJson(layers: MlpLayer[], modelNames: string[]): MlpModelJson {
  const linear = layers.filter((l): l is Extract<MlpLayer, { type: 'linear' }> => l.type === 'linear');
  if (linear.length === 0) throw new Error('an MLP needs at least one linear layer');
  return {
    algorithm: 'mlp',
    trained: true,
    model_names: modelNames,
    feature_dim: linear[0]!.in_features,
    n_classes: linear[linear.length - 1]!.out_features,
    hidden_sizes: linear.slice(0, -1).map((l) => l.out_features),
    dropout: 0,
    layers,
  };
}
