/**
 * The neural policy's policy head as ONNX: MatMul/Add per dense layer, Relu between, float32
 * throughout (the network is float32 in tfjs too). Its input is the exact network input
 * (prompt features, then pool state when the policy appends it); the value head is
 * training-only and left out. Needs tfjs (initTf) to load the policy and compute reference
 * scores.
 */
import type { RoutingContext } from '../../harness/types.ts';
import { argmaxFirst } from '../bandits/base.ts';
import { initTf } from '../rl/backend.ts';
import type { MlpLayer } from '../rl/mlp-export.ts';
import { NeuralPolicy } from '../rl/neural-policy.ts';
import { POOL_STATE_PER_POOL } from '../rl/pool-state.ts';
import type { PolicyFile } from '../types.ts';
import { layoutCategories, sharedFeaturizer } from './features.ts';
import type { GraphBuilder } from './onnx-graph.ts';
import type { ExportModel } from './types.ts';

function softmax(logits: number[], t: number): number[] {
  const m = Math.max(...logits);
  const e = logits.map((v) => Math.exp((v - m) / t));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** [in, out] row-major from PyTorch's [out][in]. */
function transposed(l: Extract<MlpLayer, { type: 'linear' }>): Float32Array {
  const out = new Float32Array(l.in_features * l.out_features);
  for (let o = 0; o < l.out_features; o++)
    for (let i = 0; i < l.in_features; i++) out[i * l.out_features + o] = l.weight[o]![i]!;
  return out;
}

export async function neuralModel(
  file: PolicyFile,
  source: string,
  view: (ctx: RoutingContext) => RoutingContext,
): Promise<ExportModel> {
  const shared = sharedFeaturizer(file.features);
  const handle = await initTf({ log: () => {} });
  let policy: NeuralPolicy;
  try {
    policy = NeuralPolicy.loadWithTf(handle, file, (c) => shared.featurizer.featurize(c));
  } catch (e) {
    throw new Error(`${source}: cannot load the neural policy: ${(e as Error).message}`, { cause: e });
  }
  const mlp = policy.toMlpModel();
  const dim = policy.inputDim;
  const t = policy.hp.temperature;

  function build(g: GraphBuilder): string {
    let h = 'features';
    for (const layer of mlp.layers) {
      if (layer.type === 'relu') h = g.node('Relu', [h]);
      else if (layer.type === 'linear') {
        const w = g.constant('weight', 'float32', [layer.in_features, layer.out_features], transposed(layer));
        h = g.node('Add', [g.node('MatMul', [h, w]), g.constant('bias', 'float32', [layer.out_features], layer.bias)]);
      }
      // dropout is the identity at inference
    }
    return h;
  }

  const poolState = policy.hp.poolState
    ? ` + pool state (${POOL_STATE_PER_POOL} per action pool: log queue depth, KV usage, log TTFT, as in learners/rl/pool-state.ts)`
    : '';
  return {
    kind: 'mlp',
    file,
    actions: file.actions,
    categories: layoutCategories(file.features),
    layout: file.features,
    inputs: [
      { name: 'features', dtype: 'float32', width: dim, what: `the policy feature layout${poolState}, float32` },
    ],
    build,
    encode(ctxs) {
      const data = new Float32Array(ctxs.length * dim);
      ctxs.forEach((c, i) => data.set(policy.inputVector(view(c)), i * dim));
      return { features: { data, dims: [ctxs.length, dim] } };
    },
    prepare: (ctxs) => shared.prefetch(ctxs),
    reference: (ctx: RoutingContext) => policy.scores(view(ctx)),
    greedy: (ctx) => argmaxFirst(policy.scores(view(ctx))),
    // The greedy policy's preference: softmax of the logits at the training temperature.
    value: (ctx) => softmax(policy.scores(view(ctx)), t),
    mlp,
    dispose: () => policy.dispose(),
  };
}
