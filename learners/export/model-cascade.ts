/**
 * The cascade's start-level values U_i as ONNX, i.e. CascadePolicy.values() unrolled:
 *   c = costs / max(costs), costs_i = tokens * in_i / 1e6 + out_tokens * out_i / 1e6 (or the
 *   level's fixed cost per call), lambda = w / (1 - w);
 *   U_last = q_last - lambda c_last;  U_i = sum_b p_ib max(q_ib, U_{i+1}) - lambda c_i,
 * with the per-category posteriors (p_ib, q_ib, q_last) gathered by category index. Inputs:
 * the category index and the prompt token estimate. The router's `confidence` block
 * (threshold, trade-off) comes from the same policy.
 */
import { z } from 'zod';
import { parseOrThrow } from '../../core/validate.ts';
import type { PoolObservation, RoutingContext } from '../../harness/types.ts';
import { NO_FEATURES } from '../bandits/base.ts';
import { CascadePolicy } from '../rl/cascade-policy.ts';
import type { PolicyFile } from '../types.ts';
import { categoryContext, UNSEEN_CATEGORY } from './contexts.ts';
import { flatten } from './features.ts';
import type { GraphBuilder } from './onnx-graph.ts';
import type { SignalRouter } from './signal-map.ts';
import type { ExportModel } from './types.ts';

/** Prompt size at which the exported confidence threshold is evaluated. */
export const TYPICAL_PROMPT_TOKENS = 512;

const levelStats = z.strictObject({
  binN: z.array(z.number()),
  binGood: z.array(z.number()),
  binBad: z.array(z.number()),
  good: z.number(),
  bad: z.number(),
});
const cascadeFileSchema = z.looseObject({
  hyperparameters: z.looseObject({
    costQualityTradeoff: z.number().min(0).lt(1),
    bins: z.number().int().min(1),
    shrinkage: z.number().min(0),
    expectedOutputTokens: z.number().min(0),
    confidenceMethod: z.string(),
    costPerCall: z.array(z.number()),
  }),
  parameters: z.looseObject({ stats: z.record(z.string(), z.array(levelStats)) }),
});

export function cascadeModel(
  file: PolicyFile,
  source: string,
  pools: PoolObservation[],
  signals?: SignalRouter,
): ExportModel {
  const f = parseOrThrow(cascadeFileSchema, file, source);
  const h = f.hyperparameters;
  const levels = file.actions.length;
  const bins = h.bins;
  if (h.costPerCall.length !== levels)
    throw new Error(
      `${source}: hyperparameters.costPerCall: expected ${levels} values (one per level), got ${h.costPerCall.length}`,
    );
  for (const [c, s] of Object.entries(f.parameters.stats)) {
    if (
      s.length !== levels ||
      s.some((l) => l.binN.length !== bins || l.binGood.length !== bins || l.binBad.length !== bins)
    ) {
      throw new Error(`${source}: parameters.stats.${c}: expected ${levels} levels of ${bins} bins`);
    }
  }
  const policy = CascadePolicy.load(file);
  // With a signal map the categories are its routes (and the category comes from the text).
  const categories = signals ? signals.categories : Object.keys(f.parameters.stats).sort();
  const view = (ctx: RoutingContext): RoutingContext => (signals ? signals.view(ctx) : ctx);
  const lambda = h.costQualityTradeoff / (1 - h.costQualityTradeoff);
  const zero = {
    binN: new Array<number>(bins).fill(0),
    binGood: new Array<number>(bins).fill(0),
    binBad: new Array<number>(bins).fill(0),
    good: 0,
    bad: 0,
  };
  const statsOf = (c: string) => f.parameters.stats[c] ?? file.actions.map(() => zero);

  // Per row (category, then "unseen"): level means, bin probabilities and bin means.
  const rows = [...categories, UNSEEN_CATEGORY].map((c) => {
    const s = statsOf(c);
    // Same arithmetic, in the same order, as CascadePolicy.posterior / quality.
    const mean = s.map((l) => (1 + l.good) / (1 + l.good + (1 + l.bad)));
    const p: number[] = [];
    const q: number[] = [];
    s.slice(0, -1).forEach((l, i) => {
      const total = l.binN.reduce((x, y) => x + y, 0) + bins * 0.5;
      for (let b = 0; b < bins; b++) {
        p.push((l.binN[b]! + 0.5) / total);
        const good = l.binGood[b]! + h.shrinkage * mean[i]!;
        const bad = l.binBad[b]! + h.shrinkage * (1 - mean[i]!);
        q.push(good / (good + bad));
      }
    });
    return { mean, p, q };
  });
  const index = new Map(categories.map((c, i) => [c, i]));
  const rowOf = (ctx: RoutingContext) => index.get(view(ctx).labels.category) ?? categories.length;
  const typical = (category: string) => policy.costs(categoryContext(category, pools, TYPICAL_PROMPT_TOKENS));
  // costs_i = tokens * a_i + b_i, as CascadePolicy.costs prices a call.
  const a = file.actions.map((l, i) =>
    h.costPerCall[i]! >= 0 ? 0 : (pools.find((p) => p.name === l.pool)?.pricing.inputPer1M ?? 0) / 1e6,
  );
  const b = file.actions.map((l, i) =>
    h.costPerCall[i]! >= 0
      ? h.costPerCall[i]!
      : (h.expectedOutputTokens * (pools.find((p) => p.name === l.pool)?.pricing.outputPer1M ?? 0)) / 1e6,
  );

  function build(g: GraphBuilder): string {
    const r = rows.length;
    const idx = 'category_index';
    const table = (name: string, cols: number, values: (row: (typeof rows)[number]) => number[]) =>
      g.node('Gather', [g.constant(name, 'float64', [r, cols], flatten(rows.map(values), cols)), idx], {
        axis: { i: 0 },
      });
    const tokens = g.node('Unsqueeze', ['prompt_tokens', g.constant('axis', 'int64', [1], [1])]);
    const raw = g.node('Add', [
      g.node('Mul', [tokens, g.constant('a', 'float64', [levels], a)]),
      g.constant('b', 'float64', [levels], b),
    ]);
    const max = g.node('ReduceMax', [raw], { axes: { ints: [1] }, keepdims: { i: 1 } });
    const cost = g.node('Mul', [
      g.node('Div', [raw, g.node('Max', [max, g.constant('tiny', 'float64', [], [1e-300])])]),
      g.constant('lambda', 'float64', [], [lambda]),
    ]);
    const costs = levels > 1 ? g.nodeN('Split', [cost], levels, { axis: { i: 1 } }) : [cost];
    let u = g.node('Sub', [table('last', 1, (x) => [x.mean[levels - 1]!]), costs[levels - 1]!]);
    const us = [u];
    for (let i = levels - 2; i >= 0; i--) {
      const p = table(`p${i}`, bins, (x) => x.p.slice(i * bins, (i + 1) * bins));
      const q = table(`q${i}`, bins, (x) => x.q.slice(i * bins, (i + 1) * bins));
      const expect = g.node(
        'ReduceSum',
        [g.node('Mul', [p, g.node('Max', [q, u])]), g.constant('axis', 'int64', [1], [1])],
        { keepdims: { i: 1 } },
      );
      u = g.node('Sub', [expect, costs[i]!]);
      us.unshift(u);
    }
    return g.cast(us.length === 1 ? us[0]! : g.node('Concat', us, { axis: { i: 1 } }), 'float32');
  }

  return {
    kind: 'cascade',
    file,
    actions: file.actions,
    categories,
    ...(signals ? { signals } : {}),
    layout: NO_FEATURES,
    inputs: [
      {
        name: 'category_index',
        dtype: 'int64',
        width: 0,
        what: `index into the category list (manifest actions.categories); ${categories.length} = any other category`,
      },
      {
        name: 'prompt_tokens',
        dtype: 'float64',
        width: 0,
        what: 'prompt token estimate of the request (prices each level)',
      },
    ],
    build,
    encode: (ctxs) => ({
      category_index: { data: BigInt64Array.from(ctxs, (c) => BigInt(rowOf(c))), dims: [ctxs.length] },
      prompt_tokens: { data: Float64Array.from(ctxs, (c) => c.promptTokensEstimate), dims: [ctxs.length] },
    }),
    prepare: async () => {},
    reference: (ctx) => policy.scores(view(ctx)),
    // The level the cascade starts at (float32 ties to the smaller model, as policy.onnx).
    greedy: (ctx) => policy.bestStart(view(ctx).labels.category, policy.costs(view(ctx))),
    // Learned answer quality per level in the category (posterior mean).
    value: (ctx) => rows[rowOf(ctx)]!.mean,
    ofCategory: (category) => ({
      greedy: policy.bestStart(category, typical(category)),
      values: rows[index.get(category) ?? categories.length]!.mean,
    }),
    confidence: (category) => policy.toConfidenceAlgorithm(category, typical(category)).confidence,
    dispose: () => {},
  };
}
