/**
 * The knn policy (knn-policy.ts, the router's rule) for export: knn_model.json from its stored
 * points, and an ONNX graph in float64: squared distances |q|^2 + |e|^2 - 2 q.e to the raw
 * points, TopK of their negation (ties: lower index first, as the policy takes them), Gather
 * each neighbour's vote row [P, K] and sum over the k neighbours.
 */
import type { RoutingContext } from '../../harness/types.ts';
import type { PolicyFile } from '../types.ts';
import { flatten, layoutCategories, sharedFeaturizer } from './features.ts';
import { KnnPolicy } from './knn-policy.ts';
import type { GraphBuilder } from './onnx-graph.ts';
import type { ExportModel } from './types.ts';

export function knnModel(file: PolicyFile, source: string, view: (ctx: RoutingContext) => RoutingContext): ExportModel {
  const shared = sharedFeaturizer(file.features);
  const policy = KnnPolicy.load(file, source, shared.options);
  if (policy.size === 0) throw new Error(`${source}: this knn policy holds no points: nothing to export`);
  const d = policy.layout.dim;
  const kActions = file.actions.length;
  const pts = policy.stored();
  const weights = policy.voteWeights();

  function build(g: GraphBuilder): string {
    const p = policy.size;
    const cols = new Float64Array(d * p); // [D, P]: columns are the points
    const sq = new Float64Array(p);
    const votes = new Float64Array(p * kActions);
    for (let i = 0; i < p; i++) {
      let s = 0;
      pts.embeddings[i]!.forEach((v, j) => {
        cols[j * p + i] = v;
        s += v * v;
      });
      sq[i] = s;
      votes[i * kActions + pts.labels[i]!] = weights[i]!;
    }
    const x = 'features';
    const dots = g.node('MatMul', [x, g.constant('points', 'float64', [d, p], cols)]);
    const xsq = g.node('ReduceSumSquare', [x], { axes: { ints: [1] }, keepdims: { i: 1 } });
    const dist = g.node('Sub', [
      g.node('Add', [xsq, g.constant('sqnorm', 'float64', [p], sq)]),
      g.node('Mul', [dots, g.constant('two', 'float64', [], [2])]),
    ]);
    const [, idx] = g.nodeN(
      'TopK',
      [g.node('Neg', [dist]), g.constant('k', 'int64', [1], [Math.min(policy.k, p)])],
      2,
      {
        axis: { i: -1 },
        largest: { i: 1 },
        sorted: { i: 1 },
      },
    );
    const rows = g.node('Gather', [g.constant('votes', 'float64', [p, kActions], votes), idx!], { axis: { i: 0 } });
    return g.cast(
      g.node('ReduceSum', [rows, g.constant('axis', 'int64', [1], [1])], { keepdims: { i: 0 } }),
      'float32',
    );
  }

  const scores = (ctx: RoutingContext) => policy.scores(view(ctx));
  return {
    kind: 'knn',
    file,
    actions: file.actions,
    categories: layoutCategories(file.features),
    layout: file.features,
    inputs: [
      {
        name: 'features',
        dtype: 'float64',
        width: d,
        what: 'the policy feature layout (manifest features.layout), float64, raw (no normalisation)',
      },
    ],
    build,
    encode(ctxs) {
      const rows = ctxs.map((c) => shared.featurizer.featurize(view(c)));
      return { features: { data: flatten(rows, d), dims: [ctxs.length, d] } };
    },
    prepare: (ctxs) => shared.prefetch(ctxs),
    reference: scores,
    greedy: (ctx) => policy.best(scores(ctx)),
    // Vote shares: comparable across contexts whatever k and the weights are.
    value(ctx) {
      const v = scores(ctx);
      const s = v.reduce((a, b) => a + b, 0);
      return v.map((x) => (s > 0 ? x / s : 0));
    },
    knn: {
      algorithm: 'knn',
      trained: true,
      k: policy.k,
      embeddings: pts.embeddings,
      labelIndex: pts.labels,
      // What the router must see: the policy's effective (tie-breaking) qualities.
      qualities: pts.qualities.map((_, i) => policy.effectiveQuality(i)),
      latencies: pts.latencies,
      num_samples: policy.size,
      feature_dim: d,
    },
    dispose: () => {},
  };
}
