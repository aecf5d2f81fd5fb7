/**
 * Which router decisions a policy becomes, before any YAML: one per signal-map route (a
 * keyword signal, priority by route order) plus a catch-all for the default category, or a
 * single catch-all when the policy's decision does not depend on a category (network and
 * knn policies read the query embedding instead). Each plan carries its modelRefs order,
 * chosen so the router's selector serves the policy's greedy choice:
 *
 * - static/table: the greedy action first (the static selector serves the first modelRef);
 * - cascade: the levels from the greedy start level up, in level order (the confidence looper
 *   calls the first model first);
 * - mlp/knn: every action, the one the policy picks for an empty query first (the router's
 *   selector falls back to the first modelRef when it has no query to embed).
 *
 * Categories that are no router signal are refused here unless a map covers them.
 */
import { CATEGORY_NAMES } from '../../harness/workload/tasks.ts';
import { categoryContext, UNSEEN_CATEGORY } from './contexts.ts';
import { ExportError } from './errors.ts';
import { BUILTIN_MAPS, SignalRouter, signalName, type SignalRoute } from './signal-map.ts';
import type { ExportModel } from './types.ts';

export interface DecisionPlan {
  name: string;
  description: string;
  priority: number;
  /** The category the decision serves (the map's route or default; '*' for a lone catch-all). */
  category: string;
  /** Absent: the decision has no rules (matches every request). */
  keyword?: SignalRoute & { signal: string };
  /** Action indices in modelRefs order. */
  order: number[];
  /** The policy's learned value per action for the category. */
  values: number[];
  greedy: number;
}

export interface PlanResult {
  plans: DecisionPlan[];
  /** The signal map the decisions follow (undefined: one catch-all). */
  map?: SignalRouter;
  /** Where the map came from, for the manifest and warnings. */
  mapSource: 'policy' | 'export option' | 'builtin:synthetic (the policy was trained on workload labels)' | 'none';
  /** The action the router's default model must be. */
  defaultAction: number;
}

const ML_KINDS = new Set(['mlp', 'knn', 'linear']);
const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'category';

function byValue(values: number[], first: number): number[] {
  const rest = values
    .map((v, i) => ({ v: Number.isNaN(v) ? -Infinity : v, i }))
    .filter((x) => x.i !== first)
    .sort((a, b) => b.v - a.v || a.i - b.i)
    .map((x) => x.i);
  return [first, ...rest];
}

/** The context the router's selectors cannot embed (an empty query). */
const emptyQuery = () => ({
  ...categoryContext(UNSEEN_CATEGORY),
  text: '',
  messages: [{ role: 'user' as const, content: '' }],
});

export function planDecisions(
  model: ExportModel,
  names: string[],
  overall: number[],
  given?: SignalRouter,
): PlanResult {
  const k = model.actions.length;
  if (ML_KINDS.has(model.kind)) {
    const greedy = model.greedy(emptyQuery());
    return {
      plans: [
        {
          name: 'wrp-all',
          description: `${model.file.learner} policy: the ${model.kind === 'knn' ? 'knn' : 'mlp'} selector on the query embedding`,
          priority: 0,
          category: '*',
          order: byValue(overall, greedy),
          values: overall,
          greedy,
        },
      ],
      mapSource: 'none',
      defaultAction: greedy,
    };
  }
  const ofCategory = model.ofCategory!;
  let map = model.signals ?? given;
  let mapSource: PlanResult['mapSource'] = model.signals ? 'policy' : given ? 'export option' : 'none';
  if (!map && model.categories.length > 0) {
    const synthetic = new Set<string>(CATEGORY_NAMES);
    if (!model.categories.every((c) => synthetic.has(c)))
      throw new ExportError(
        `the policy decides on workload categories (${model.categories.join(', ')}) that are no signal vLLM Semantic Router computes: retrain with --signals FILE (keyword routes the router evaluates on the request text), or pass --signals FILE to export to measure how well such routes recover them`,
      );
    map = new SignalRouter(BUILTIN_MAPS.synthetic!);
    mapSource = 'builtin:synthetic (the policy was trained on workload labels)';
  }
  const plan = (category: string): { greedy: number; values: number[]; order: number[] } => {
    const known = model.categories.includes(category) ? category : UNSEEN_CATEGORY;
    const { greedy, values } = ofCategory(known);
    const order =
      model.kind === 'cascade' ? Array.from({ length: k - greedy }, (_, i) => greedy + i) : byValue(values, greedy);
    return { greedy, values, order };
  };
  if (!map) {
    const p = plan(UNSEEN_CATEGORY);
    return {
      plans: [
        {
          name: 'wrp-all',
          description: `${model.file.learner} policy (no categories)`,
          priority: 0,
          category: '*',
          ...p,
        },
      ],
      mapSource,
      defaultAction: p.greedy,
    };
  }
  const n = map.map.routes.length;
  const plans: DecisionPlan[] = map.map.routes.map((r, i) => ({
    name: `wrp-${slug(r.name)}`,
    description: `${model.file.learner} policy, category "${r.name}" (keyword route ${i + 1} of ${n})`,
    priority: (n - i) * 10,
    category: r.name,
    keyword: { ...r, signal: signalName(r.name) },
    ...plan(r.name),
  }));
  const fallback = plan(map.map.default);
  plans.push({
    name: `wrp-${slug(map.map.default)}`,
    description: `${model.file.learner} policy, category "${map.map.default}" (no route matched)`,
    priority: 0,
    category: map.map.default,
    ...fallback,
  });
  const seen = new Set<string>();
  for (const p of plans) {
    if (seen.has(p.name))
      throw new ExportError(`signal map: two categories become decision "${p.name}": rename one (names are slugged)`);
    seen.add(p.name);
  }
  return { plans, map, mapSource, defaultAction: fallback.greedy };
}
