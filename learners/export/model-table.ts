/**
 * Table policies: learners whose decision depends on the request category alone (static
 * rules, the per-category bandits, the best single model). Their greedy choice and values
 * per category are read straight from the learner; the ONNX graph is a Gather over a
 * category index (row c = scores of category c, the last row = a category it never saw).
 *
 * Greedy choice (what the router must serve): the argmax of the learner's exploitation
 * estimate, ties to the lower action index: static its mapping, beta_thompson the posterior
 * mean, epsilon_greedy and best_single the mean reward, ucb1 the Laplace mean (s + 1) / (n + 2)
 * (its bonus is exploration; an untried arm counts 1/2).
 */
import { z } from 'zod';
import type { RoutingContext } from '../../harness/types.ts';
import { argmaxFirst, NO_FEATURES } from '../bandits/base.ts';
import { statsJsonSchema } from '../bandits/stats.ts';
import type { Learner, PolicyFile } from '../types.ts';
import { categoryContext, UNSEEN_CATEGORY } from './contexts.ts';
import { flatten } from './features.ts';
import { SignalRoutedLearner } from './routed-learner.ts';
import type { ExportModel } from './types.ts';

export const TABLE_LEARNERS = ['static', 'beta_thompson', 'ucb1', 'epsilon_greedy', 'best_single'] as const;

const statsParams = z.looseObject({ stats: statsJsonSchema });
const staticParams = z.looseObject({ map: z.record(z.string(), z.string()) });

function categoriesOf(file: PolicyFile): string[] {
  const cats = new Set<string>();
  const p = statsParams.safeParse(file.parameters);
  if (p.success) p.data.stats.forEach(([key]) => key !== '*' && cats.add(key));
  if (file.learner === 'static') Object.keys(staticParams.parse(file.parameters).map).forEach((c) => cats.add(c));
  const seeds = file.parameters['quality_seeds'];
  if (seeds && typeof seeds === 'object')
    Object.keys(seeds)
      .filter((k) => k !== '*')
      .forEach((c) => cats.add(c));
  return [...cats].sort();
}

export function tableModel(file: PolicyFile, loaded: Learner): ExportModel {
  const routed = loaded instanceof SignalRoutedLearner ? loaded : undefined;
  const learner = routed ? routed.inner : loaded;
  if (!learner.scores) throw new Error(`${file.learner}: no scores()`);
  const scoresOf = (ctx: RoutingContext) => learner.scores!(ctx);
  const counts = statsParams.safeParse(file.parameters);
  const byKey = new Map(counts.success ? counts.data.stats.map(([key, n, s]) => [key, { n, s }]) : []);
  const valueOf = (ctx: RoutingContext): number[] => {
    if (file.learner !== 'ucb1') return scoresOf(ctx);
    const c = byKey.get(ctx.labels.category) ?? byKey.get('*');
    return file.actions.map((_, i) => ((c?.s[i] ?? 0) + 1) / ((c?.n[i] ?? 0) + 2));
  };
  // The policy's own view: with a signal map the category comes from the text.
  const view = (ctx: RoutingContext) => (routed ? routed.view(ctx) : ctx);
  const categories = routed ? routed.router.categories : categoriesOf(file);
  const rowNames = [...categories, UNSEEN_CATEGORY];
  const k = file.actions.length;
  const rows = rowNames.map((c) => scoresOf(categoryContext(c)));
  const index = new Map(categories.map((c, i) => [c, i]));
  const rowOf = (ctx: RoutingContext): number => index.get(view(ctx).labels.category) ?? categories.length;

  return {
    kind: file.learner === 'static' ? 'static' : 'table',
    file,
    actions: file.actions,
    categories,
    ...(routed ? { signals: routed.router } : {}),
    layout: NO_FEATURES,
    inputs: [
      {
        name: 'category_index',
        dtype: 'int64',
        width: 0,
        what: `index into the category list (manifest actions.categories); ${categories.length} = any other category`,
      },
    ],
    build(g) {
      const table = g.constant('table', 'float64', [rowNames.length, k], flatten(rows, k));
      return g.cast(g.node('Gather', [table, 'category_index'], { axis: { i: 0 } }), 'float32');
    },
    encode: (ctxs) => ({
      category_index: { data: BigInt64Array.from(ctxs, (c) => BigInt(rowOf(c))), dims: [ctxs.length] },
    }),
    prepare: async () => {},
    reference: (ctx) => scoresOf(view(ctx)),
    greedy: (ctx) => argmaxFirst(valueOf(view(ctx))),
    value: (ctx) => valueOf(view(ctx)),
    ofCategory(category) {
      const values = valueOf(categoryContext(category));
      return { greedy: argmaxFirst(values), values };
    },
    dispose: () => {},
  };
}
