/**
 * Linear contextual bandits as ONNX. LinThompson scores are the posterior means x . mu
 * (one MatMul). LinUCB adds the bonus alpha * sqrt(x^T A_k^-1 x) = alpha * ||x L_k|| with
 * A_k^-1 = L_k L_k^T (Cholesky, at export): one MatMul against every arm's L side by side
 * ([D, K*D]), a reshape to [N, K, D] and a ReduceSumSquare: a norm, well conditioned where
 * the square root of a nearly-zero quadratic form is not. That MatMul (K*D^2 weights) is the
 * cost and runs in float32 (half the memory traffic of float64: the batch-1 latency goal);
 * its rounding costs ~1e-7. Everything after it is float64: a float32 ReduceSumSquare over D
 * terms drifted to ~2e-6 at D = 290, too close to the 1e-5 verification bound. The mean is
 * float64 from float64 features (what the learner uses).
 */
import { z } from 'zod';
import type { RoutingContext } from '../../harness/types.ts';
import { argmaxFirst } from '../bandits/base.ts';
import { LinThompson } from '../bandits/lin-thompson.ts';
import { LinUcb } from '../bandits/linucb.ts';
import type { MlpModelJson } from '../rl/mlp-export.ts';
import type { PolicyFile } from '../types.ts';
import { flatten, layoutCategories, sharedFeaturizer } from './features.ts';
import type { GraphBuilder } from './onnx-graph.ts';
import type { ExportModel } from './types.ts';

const armsSchema = z.looseObject({
  dim: z.number().int(),
  arms: z.array(z.looseObject({ theta: z.array(z.number()).optional(), mu: z.array(z.number()).optional() })),
});

/**
 * Lower Cholesky factor L of a symmetric positive (semi-)definite d x d matrix, row-major. A
 * pivot that rounding drove to <= 0 (a direction the data pinned down completely) gives a zero
 * column: x^T M x stays >= 0 and matches the learner's max(0, x^T M x).
 */
export function cholesky(m: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let s = m[j * d + j]!;
    for (let p = 0; p < j; p++) s -= l[j * d + p]! ** 2;
    const pivot = s > 0 ? Math.sqrt(s) : 0;
    l[j * d + j] = pivot;
    for (let i = j + 1; i < d; i++) {
      let t = m[i * d + j]!;
      for (let p = 0; p < j; p++) t -= l[i * d + p]! * l[j * d + p]!;
      l[i * d + j] = pivot > 0 ? t / pivot : 0;
    }
  }
  return l;
}

/** [D, K] from K vectors of length D. */
function columns(vectors: number[][], d: number): Float64Array {
  const out = new Float64Array(d * vectors.length);
  vectors.forEach((v, k) => v.forEach((x, i) => (out[i * vectors.length + k] = x)));
  return out;
}

/**
 * The router's form of a linear policy: an MLP without a hidden layer, one output per action,
 * weights = the mean estimate (LinUCB theta, LinThompson mu), bias 0: its argmax is the
 * policy's greedy (exploiting) choice; the exploration bonus and sampling stay in wrp.
 */
function meanLayerMlp(weights: number[][], d: number, k: number): MlpModelJson {
  return {
    algorithm: 'mlp',
    trained: true,
    model_names: [],
    feature_dim: d,
    n_classes: k,
    hidden_sizes: [],
    dropout: 0,
    layers: [
      {
        type: 'linear',
        in_features: d,
        out_features: k,
        weight: weights.map((w) => [...w]),
        bias: new Array<number>(k).fill(0),
      },
    ],
  };
}

export function linearModel(
  file: PolicyFile,
  source: string,
  view: (ctx: RoutingContext) => RoutingContext,
): ExportModel {
  const shared = sharedFeaturizer(file.features);
  const p = armsSchema.parse(file.parameters);
  if (p.dim === 0)
    throw new Error(
      `${source}: this ${file.learner} policy was never updated (parameters.dim is 0): nothing to export`,
    );
  const d = p.dim;
  const k = file.actions.length;
  const ucb = file.learner === 'linucb' ? LinUcb.load(file, source, shared.options) : undefined;
  const ts = file.learner === 'lin_thompson' ? LinThompson.load(file, source, shared.options) : undefined;
  const learner = ucb ?? ts;
  if (!learner) throw new Error(`${source}: not a linear learner: ${file.learner}`);
  const weights = p.arms.map((a, i) => {
    const w = ucb ? a.theta : a.mu;
    if (!w || w.length !== d)
      throw new Error(`${source}: parameters.arms[${i}]: expected ${ucb ? 'theta' : 'mu'} of length ${d}`);
    return w;
  });
  const alpha = ucb ? Number(file.hyperparameters['alpha']) : 0;
  const means = (ctx: RoutingContext) => (ucb ? ucb.means(ctx) : learner.scores(ctx));

  function build(g: GraphBuilder): string {
    const x = 'features';
    let scores = g.node('MatMul', [x, g.constant('theta', 'float64', [d, k], columns(weights, d))]);
    if (ucb && alpha > 0) {
      // Column block a of [D, K*D] is the Cholesky factor L_a of arm a's A^-1 (A^-1 = L L^T).
      const factors = new Float64Array(d * k * d);
      for (let a = 0; a < k; a++) {
        const l = cholesky(ucb.inverse(a), d);
        for (let i = 0; i < d; i++) factors.set(l.subarray(i * d, (i + 1) * d), i * k * d + a * d);
      }
      const y32 = g.node('MatMul', [g.cast(x, 'float32'), g.constant('chol', 'float32', [d, k * d], factors)]);
      const y = g.cast(y32, 'float64');
      const y3 = g.node('Reshape', [y, g.constant('shape', 'int64', [3], [-1, k, d])]);
      const q = g.node('ReduceSumSquare', [y3], { axes: { ints: [2] }, keepdims: { i: 0 } });
      scores = g.node('Add', [
        scores,
        g.node('Mul', [g.node('Sqrt', [q]), g.constant('alpha', 'float64', [], [alpha])]),
      ]);
    }
    return g.cast(scores, 'float32');
  }

  return {
    kind: 'linear',
    file,
    actions: file.actions,
    categories: layoutCategories(file.features),
    layout: file.features,
    inputs: [
      {
        name: 'features',
        dtype: 'float64',
        width: d,
        what: 'the policy feature layout (manifest features.layout), float64',
      },
    ],
    build,
    encode(ctxs) {
      const rows = ctxs.map((c) => shared.featurizer.featurize(view(c)));
      return { features: { data: flatten(rows, d), dims: [ctxs.length, d] } };
    },
    prepare: (ctxs) => shared.prefetch(ctxs),
    reference: (ctx: RoutingContext) => learner.scores(view(ctx)),
    greedy: (ctx) => argmaxFirst(means(view(ctx))),
    // LinUCB ranks by its mean estimate: the bonus is exploration, not learned value.
    value: (ctx: RoutingContext) => means(view(ctx)),
    mlp: meanLayerMlp(weights, d, k),
    dispose: () => {},
  };
}
