/**
 * Table policies: learners whose scores depend on the request category alone (static rules,
 * the per-category bandits, the global baselines). The graph is a Gather over a category
 * index: row c holds scores(context of category c); the last row is what the policy scores
 * for a category it never saw.
 */
import { z } from 'zod';
import type { RoutingContext } from '../../harness/types.ts';
import { BetaThompson } from '../bandits/beta-thompson.ts';
import { statsJsonSchema } from '../bandits/stats.ts';
import { NO_FEATURES } from '../bandits/base.ts';
import type { Learner, PolicyFile } from '../types.ts';
import { categoryContext, UNSEEN_CATEGORY } from './contexts.ts';
import { flatten } from './features.ts';
import type { ExportModel } from './types.ts';

export const TABLE_LEARNERS = [
  'static',
  'beta_thompson',
  'ucb1',
  'epsilon_greedy',
  'best_single',
  'random',
  'round_robin',
] as const;

const statsParams = z.looseObject({ stats: statsJsonSchema });
const bestSingleParams = z.looseObject({ n: z.array(z.number()), s: z.array(z.number()) });
const staticParams = z.looseObject({ map: z.record(z.string(), z.string()) });

interface Counts {
  key: string;
  n: number[];
  s: number[];
}

/** Pull counts and reward sums per scope key, where the learner keeps them. */
function countsOf(file: PolicyFile): Counts[] {
  if (file.learner === 'best_single') {
    const p = bestSingleParams.parse(file.parameters);
    return [{ key: '*', n: p.n, s: p.s }];
  }
  const p = statsParams.safeParse(file.parameters);
  return p.success ? p.data.stats.map(([key, n, s]) => ({ key, n, s })) : [];
}

function categoriesOf(file: PolicyFile, counts: Counts[]): string[] {
  const cats = new Set(counts.map((c) => c.key).filter((k) => k !== '*'));
  if (file.learner === 'static') Object.keys(staticParams.parse(file.parameters).map).forEach((c) => cats.add(c));
  const seeds = file.parameters['quality_seeds'];
  if (seeds && typeof seeds === 'object')
    Object.keys(seeds)
      .filter((k) => k !== '*')
      .forEach((c) => cats.add(c));
  return [...cats].sort();
}

export function tableModel(file: PolicyFile, learner: Learner): ExportModel {
  const scores = (ctx: RoutingContext): number[] => {
    if (!learner.scores) throw new Error(`${file.learner}: no scores()`);
    return learner.scores(ctx);
  };
  const counts = countsOf(file);
  const categories = categoriesOf(file, counts);
  const rowNames = [...categories, UNSEEN_CATEGORY];
  const k = file.actions.length;
  const rows = rowNames.map((c) => scores(categoryContext(c)));
  const index = new Map(categories.map((c, i) => [c, i]));
  const rowOf = (ctx: RoutingContext): number => index.get(ctx.labels.category) ?? categories.length;
  // Counting bandits rank by their Beta(s + 1, n - s + 1) posterior mean: UCB bonuses and
  // optimistic initial values are exploration devices, not learned value.
  const byKey = new Map(counts.map((c) => [c.key, c]));
  const counting = file.learner === 'ucb1' || file.learner === 'epsilon_greedy' || file.learner === 'best_single';
  const value = (ctx: RoutingContext): number[] => {
    if (!counting) return scores(ctx);
    const c = byKey.get(ctx.labels.category) ?? byKey.get('*');
    return Array.from({ length: k }, (_, i) => ((c?.s[i] ?? 0) + 1) / ((c?.n[i] ?? 0) + 2));
  };

  const model: ExportModel = {
    kind: file.learner === 'static' ? 'static' : 'table',
    file,
    actions: file.actions,
    categories,
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
    reference: scores,
    value,
    dispose: () => {},
  };
  if (learner instanceof BetaThompson) {
    const bt = learner;
    model.posteriors = () =>
      [...categories, '*'].map((key) => ({
        key,
        ...bt.posterior(categoryContext(key === '*' ? UNSEEN_CATEGORY : key)),
      }));
  } else if (counting) {
    model.posteriors = () =>
      counts.map((c) => ({ key: c.key, alpha: c.s.map((s) => s + 1), beta: c.n.map((n, i) => n - c.s[i]! + 1) }));
  }
  return model;
}
