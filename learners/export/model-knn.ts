/**
 * The knn policy as ONNX, float64 like the router's native knn: normalise the query,
 * squared distances |q|^2 + |e|^2 - 2 q.e in the policy's grid cells, TopK of their
 * negation (ties: lower index first, as the router orders them), Gather each neighbour's vote
 * row [P, K] and sum over the k neighbours.
 */
import type { RoutingContext } from '../../harness/types.ts';
import type { PolicyFile } from '../types.ts';
import { flatten, layoutCategories, sharedFeaturizer } from './features.ts';
import { KNN_DISTANCE_GRID, KnnPolicy } from './knn-policy.ts';
import type { GraphBuilder } from './onnx-graph.ts';
import type { ExportModel } from './types.ts';

export function knnModel(file: PolicyFile, source: string): ExportModel {
  const shared = sharedFeaturizer(file.features);
  const policy = KnnPolicy.load(file, source, shared.options);
  if (policy.size === 0) throw new Error(`${source}: this knn policy holds no points: nothing to export`);
  const d = policy.layout.dim;
  const kActions = file.actions.length;
  const pts = policy.points();

  function build(g: GraphBuilder): string {
    const p = policy.size;
    const unit = new Float64Array(d * p); // [D, P]: columns are the normalised points
    const sq = new Float64Array(p);
    const votes = new Float64Array(p * kActions);
    for (let i = 0; i < p; i++) {
      const norm = Math.sqrt(pts.embeddings[i]!.reduce((s, v) => s + v * v, 0));
      let s = 0;
      pts.embeddings[i]!.forEach((v, j) => {
        const e = norm > 0 ? v / norm : v;
        unit[j * p + i] = e;
        s += e * e;
      });
      sq[i] = s;
      votes[i * kActions + pts.labels[i]!] = policy.weight(i);
    }
    const x = 'features';
    const norm = g.node('Sqrt', [g.node('ReduceSumSquare', [x], { axes: { ints: [1] }, keepdims: { i: 1 } })]);
    const q = g.node('Div', [x, g.node('Max', [norm, g.constant('tiny', 'float64', [], [1e-300])])]);
    const dots = g.node('MatMul', [q, g.constant('points', 'float64', [d, p], unit)]);
    // |q - e|^2 = |q|^2 + |e|^2 - 2 q.e, in the policy's grid cells, negated for TopK.
    const qsq = g.node('ReduceSumSquare', [q], { axes: { ints: [1] }, keepdims: { i: 1 } });
    const dist = g.node('Sub', [
      g.node('Add', [qsq, g.constant('sqnorm', 'float64', [p], sq)]),
      g.node('Mul', [dots, g.constant('two', 'float64', [], [2])]),
    ]);
    const cell = g.node('Add', [
      g.node('Mul', [dist, g.constant('grid', 'float64', [], [KNN_DISTANCE_GRID])]),
      g.constant('half', 'float64', [], [0.5]),
    ]);
    const rank = g.node('Neg', [g.node('Floor', [cell])]);
    const [, idx] = g.nodeN('TopK', [rank, g.constant('k', 'int64', [1], [Math.min(policy.k, p)])], 2, {
      axis: { i: -1 },
      largest: { i: 1 },
      sorted: { i: 1 },
    });
    const rows = g.node('Gather', [g.constant('votes', 'float64', [p, kActions], votes), idx!], { axis: { i: 0 } });
    return g.cast(
      g.node('ReduceSum', [rows, g.constant('axis', 'int64', [1], [1])], { keepdims: { i: 0 } }),
      'float32',
    );
  }

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
        what: 'the policy feature layout (manifest features.layout), float64, not normalised',
      },
    ],
    build,
    encode(ctxs) {
      const rows = ctxs.map((c) => shared.featurizer.featurize(c));
      return { features: { data: flatten(rows, d), dims: [ctxs.length, d] } };
    },
    prepare: (ctxs) => shared.prefetch(ctxs),
    reference: (ctx: RoutingContext) => policy.scores(ctx),
    // Vote shares: comparable across contexts whatever k and the weights are.
    valueFromScores(v) {
      const s = v.reduce((a, b) => a + b, 0);
      return v.map((x) => (s > 0 ? x / s : 0));
    },
    knn: {
      algorithm: 'knn',
      format_version: 2,
      trained: true,
      k: policy.k,
      embeddings: pts.embeddings,
      labelIndex: pts.labels,
      qualities: pts.qualities,
      latencies: pts.latencies,
      num_samples: policy.size,
      feature_dim: d,
    },
    dispose: () => {},
  };
}
