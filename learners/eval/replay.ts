/**
 * Full-information replay (shared/REFERENCE.md section 3: "full-information data, every
 * model scored on every prompt, replays any policy exactly").
 *
 * Given dataset rows with a score per dataset model (costs optional), an action -> model
 * map and a decision function, every row is served by the model its action maps to:
 * quality = that model's score, cost = its USD on the row (undefined when the row has no
 * cost for it), reward = `reward(...)` if given, else quality - lambda * cost (lambda
 * default 0, so reward = quality; a non-zero lambda needs costs).
 *
 * Reference points over the candidate models (default: the models the actions map to):
 * - oracle (REFERENCE.md): per prompt, the cheapest model among those with the top score;
 *   quality = the top score, cost = that model's cost. A missing cost counts as +Infinity
 *   when picking the cheapest; equal costs go to the first model in candidate order.
 * - best single model: highest mean quality over all rows (ties: lower mean cost, then
 *   candidate order).
 * - best model per category: the same choice within each `row.category`; its quality is
 *   the row-weighted mean over categories. Chosen in-sample on the same rows (as the
 *   RouterDC reference figures are), so it is an upper bound for static category rules.
 * Mean costs are undefined when any averaged row lacks the cost.
 * Every candidate model needs a score on every row: a missing score is an error (load
 * with impute `skip-row`, `zero` or `mean`, never `omit-cell`).
 */
import type { DatasetRow } from '../../datasets/types.ts';
import type { CostQualityPoint } from './frontier.ts';

export type Decide = (row: DatasetRow, index: number) => string;

export interface ServedOutcome {
  quality: number;
  cost: number | undefined;
  row: DatasetRow;
}

export interface ReplayOptions {
  /** reward = quality - lambda * cost when `reward` is not given; default 0. */
  lambda?: number;
  reward?: (o: ServedOutcome) => number;
  /** Candidate models for the reference points; default the action map's models. */
  models?: string[];
}

export interface ReplayRow {
  promptId: string;
  category: string;
  action: string;
  model: string;
  quality: number;
  cost: number | undefined;
  reward: number;
}

export interface ModelStats {
  model: string;
  n: number;
  quality: number;
  cost: number | undefined;
}

export interface ReferencePoints {
  n: number;
  models: string[];
  oracle: { quality: number; cost: number | undefined; picks: Record<string, number> };
  singleModels: ModelStats[];
  bestSingle: ModelStats;
  bestPerCategory: {
    quality: number;
    cost: number | undefined;
    models: Record<string, string>;
    categories: Record<string, ModelStats>;
  };
}

export interface ReplaySummary extends ReferencePoints {
  router: { quality: number; cost: number | undefined; reward: number; costMissing: number };
  actionCounts: Record<string, number>;
  byCategory: Record<string, { n: number; quality: number; cost: number | undefined }>;
}

/** The row's score for `model`, or an error naming the row and the fix. */
export function scoreOf(row: DatasetRow, model: string, index?: number): number {
  const s = row.scores?.[model];
  if (s === undefined || !Number.isFinite(s)) {
    throw new RangeError(
      `replay: row ${index === undefined ? '' : `${index} `}(${row.promptId}) has no score for model "${model}"; replay needs full information (load with impute skip-row, zero or mean)`,
    );
  }
  return s;
}

const costOf = (row: DatasetRow, model: string): number | undefined => {
  const c = row.costs?.[model];
  return c !== undefined && Number.isFinite(c) ? c : undefined;
};

/** Mean of values, undefined if any value is undefined. */
function meanDefined(xs: readonly (number | undefined)[]): number | undefined {
  let s = 0;
  for (const x of xs) {
    if (x === undefined) return undefined;
    s += x;
  }
  return xs.length === 0 ? undefined : s / xs.length;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Per-model means over `rows` (indices are the rows' positions, for error messages). */
function modelStats(rows: readonly DatasetRow[], idx: readonly number[], models: readonly string[]): ModelStats[] {
  return models.map((model) => ({
    model,
    n: idx.length,
    quality: mean(idx.map((i) => scoreOf(rows[i]!, model, i))),
    cost: meanDefined(idx.map((i) => costOf(rows[i]!, model))),
  }));
}

/** Highest quality, then lower cost (unknown = +Infinity), then first in order. */
function best(stats: readonly ModelStats[]): ModelStats {
  let b = stats[0]!;
  for (const s of stats.slice(1)) {
    if (s.quality > b.quality || (s.quality === b.quality && (s.cost ?? Infinity) < (b.cost ?? Infinity))) b = s;
  }
  return b;
}

/** Oracle, best single model and best model per category (definitions in the file header). */
export function referencePoints(rows: readonly DatasetRow[], models: readonly string[]): ReferencePoints {
  if (rows.length === 0) throw new RangeError('replay: expected at least one row');
  if (models.length === 0) throw new RangeError('replay: expected at least one candidate model');
  const all = rows.map((_, i) => i);
  const singleModels = modelStats(rows, all, models);
  const picks: Record<string, number> = {};
  const oq: number[] = [];
  const oc: (number | undefined)[] = [];
  rows.forEach((row, i) => {
    let pick = models[0]!;
    for (const m of models.slice(1)) {
      const s = scoreOf(row, m, i);
      const bs = scoreOf(row, pick, i);
      if (s > bs || (s === bs && (costOf(row, m) ?? Infinity) < (costOf(row, pick) ?? Infinity))) pick = m;
    }
    picks[pick] = (picks[pick] ?? 0) + 1;
    oq.push(scoreOf(row, pick, i));
    oc.push(costOf(row, pick));
  });
  const byCat = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const g = byCat.get(r.category);
    if (g) g.push(i);
    else byCat.set(r.category, [i]);
  });
  const catModels: Record<string, string> = {};
  const categories: Record<string, ModelStats> = {};
  const cq: number[] = [];
  const cc: (number | undefined)[] = [];
  for (const [cat, idx] of [...byCat.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const b = best(modelStats(rows, idx, models));
    catModels[cat] = b.model;
    categories[cat] = b;
    for (const i of idx) {
      cq.push(scoreOf(rows[i]!, b.model, i));
      cc.push(costOf(rows[i]!, b.model));
    }
  }
  return {
    n: rows.length,
    models: [...models],
    oracle: { quality: mean(oq), cost: meanDefined(oc), picks },
    singleModels,
    bestSingle: best(singleModels),
    bestPerCategory: { quality: mean(cq), cost: meanDefined(cc), models: catModels, categories },
  };
}

/** Replays `decide` on every row (definitions in the file header). */
export function replay(
  rows: readonly DatasetRow[],
  actions: Readonly<Record<string, string>>,
  decide: Decide,
  opts: ReplayOptions = {},
): { rows: ReplayRow[]; summary: ReplaySummary } {
  const lambda = opts.lambda ?? 0;
  const models = opts.models ?? [...new Set(Object.values(actions))];
  const out: ReplayRow[] = [];
  const actionCounts: Record<string, number> = {};
  rows.forEach((row, i) => {
    const action = decide(row, i);
    const model = actions[action];
    if (model === undefined)
      throw new RangeError(
        `replay: row ${i} chose action "${action}", not in the action map (${Object.keys(actions).join(', ')})`,
      );
    const quality = scoreOf(row, model, i);
    const cost = costOf(row, model);
    let reward: number;
    if (opts.reward) reward = opts.reward({ quality, cost, row });
    else if (lambda === 0) reward = quality;
    else if (cost === undefined)
      throw new RangeError(`replay: row ${i} (${row.promptId}) has no cost for "${model}" but lambda = ${lambda}`);
    else reward = quality - lambda * cost;
    actionCounts[action] = (actionCounts[action] ?? 0) + 1;
    out.push({ promptId: row.promptId, category: row.category, action, model, quality, cost, reward });
  });
  const byCategory: ReplaySummary['byCategory'] = {};
  const groups = new Map<string, ReplayRow[]>();
  for (const r of out) {
    const g = groups.get(r.category);
    if (g) g.push(r);
    else groups.set(r.category, [r]);
  }
  for (const [cat, rs] of groups)
    byCategory[cat] = {
      n: rs.length,
      quality: mean(rs.map((r) => r.quality)),
      cost: meanDefined(rs.map((r) => r.cost)),
    };
  const summary: ReplaySummary = {
    ...referencePoints(rows, models),
    router: {
      quality: mean(out.map((r) => r.quality)),
      cost: meanDefined(out.map((r) => r.cost)),
      reward: mean(out.map((r) => r.reward)),
      costMissing: out.filter((r) => r.cost === undefined).length,
    },
    actionCounts,
    byCategory,
  };
  return { rows: out, summary };
}

/** Single-model cost-quality points (the zero router's input); models without a mean cost are left out. */
export function singleModelPoints(stats: readonly ModelStats[]): CostQualityPoint[] {
  return stats.filter((s) => s.cost !== undefined).map((s) => ({ label: s.model, cost: s.cost!, quality: s.quality }));
}

/** u(row, action) = score - lambda * cost of the mapped model: a regret.ts Utility over dataset rows. */
export function datasetUtility(
  actions: Readonly<Record<string, string>>,
  lambda = 0,
): (row: DatasetRow, action: string) => number {
  return (row, action) => {
    const model = actions[action];
    if (model === undefined) throw new RangeError(`datasetUtility: unknown action "${action}"`);
    const q = scoreOf(row, model);
    if (lambda === 0) return q;
    const c = costOf(row, model);
    if (c === undefined)
      throw new RangeError(`datasetUtility: row ${row.promptId} has no cost for "${model}" but lambda = ${lambda}`);
    return q - lambda * c;
  };
}
