/**
 * `wrp eval`: a policy against full-information data (quality, cost, reward, cumulative
 * regret vs the oracle, the dataset's reference points, APGR / CPT for two-model pairs,
 * AIQ against the zero router for many models) or against a logged run (IPS, SNIPS and
 * DR off-policy estimates with bootstrap confidence intervals).
 */
import type { DatasetRow } from '../../datasets/types.ts';
import type { RequestResult, RoutingContext } from '../../harness/types.ts';
import { bootstrapMean, type ConfidenceInterval } from '../eval/bootstrap.ts';
import { aiq, zeroRouter, type CostQualityPoint } from '../eval/frontier.ts';
import { offPolicyEstimate, type LoggedSample } from '../eval/ope.ts';
import { regretFromTable } from '../eval/regret.ts';
import { referencePoints, type ReferencePoints } from '../eval/replay.ts';
import { costAtPgr, costPgrCurve, cpt, pgrCurve } from '../eval/two-model.ts';
import type { Learner } from '../types.ts';
import { addMoment, emptyMoments, meanInterval, type Interval, type Moments } from '../../harness/metrics/intervals.ts';
import { contextFromRow } from './dataset-context.ts';
import { forEachPrepared, greedyAction, type DatasetTask } from './offline.ts';

export interface DatasetEval {
  n: number;
  quality: ConfidenceInterval;
  meanCost?: number;
  reward: number;
  /** Cumulative regret vs the per-prompt best action (utility = the task's reward). */
  regret: number;
  actionCounts: Record<string, number>;
  references: ReferencePoints;
  /** costApgr / costAt50: the same curve over cost (two-model.ts costPgrCurve), when the rows carry costs. */
  /** Per category and chosen action: quality, cost and reward with 95% t intervals (reports). */
  byCategory: CategoryActionStats[];
  twoModel?: {
    strong: string;
    weak: string;
    apgr: number;
    /** The PGR curve, at most ~200 points (reports draw it). */
    curve: { share: number; pgr: number }[];
    cpt50?: number;
    cpt80?: number;
    costApgr?: number;
    costAt50?: number;
  };
  manyModels?: { aiq: number; zeroRouterAiq: number; points: CostQualityPoint[] };
}

/** The learner's greedy decision and per-action scores (when it has them) on one row. */
interface RowDecision {
  action: string;
  scores?: number[];
}

function decide(learner: Learner, ctx: RoutingContext, actions: string[]): RowDecision {
  const scores = learner.scores?.(ctx);
  // Copied: a learner may hand back one buffer it reuses on every call.
  return { action: greedyAction(learner, ctx, actions), scores: scores && Array.from(scores) };
}

export function evaluateOnDataset(
  learner: Learner,
  rows: DatasetRow[],
  task: DatasetTask,
  actions: string[],
): DatasetEval {
  return summarize(
    rows.map((r, i) => decide(learner, contextFromRow(r, i), actions)),
    rows,
    task,
    actions,
  );
}

/** evaluateOnDataset for learners whose features come from an embeddings endpoint (fetched a slice at a time). */
export async function evaluateOnDatasetPrepared(
  learner: Learner,
  rows: DatasetRow[],
  task: DatasetTask,
  actions: string[],
): Promise<DatasetEval> {
  const decisions: RowDecision[] = [];
  await forEachPrepared(
    learner,
    rows.map((_, i) => i),
    (i) => contextFromRow(rows[i]!, i),
    (_i, ctx) => decisions.push(decide(learner, ctx, actions)),
  );
  return summarize(decisions, rows, task, actions);
}

const allDefined = <T>(xs: (T | undefined)[]): xs is T[] => xs.every((x) => x !== undefined);

function summarize(decisions: RowDecision[], rows: DatasetRow[], task: DatasetTask, actions: string[]): DatasetEval {
  const models = actions.map((a) => task.actionModel[a]!);
  const chosen = decisions.map((d) => d.action);
  const quality = chosen.map((a, i) => rows[i]!.scores![task.actionModel[a]!]!);
  const costs = chosen.map((a, i) => rows[i]!.costs?.[task.actionModel[a]!]);
  const utilities = rows.map((row) => models.map((m) => task.reward(row, m)));
  const counts: Record<string, number> = {};
  for (const a of chosen) counts[a] = (counts[a] ?? 0) + 1;
  const out: DatasetEval = {
    n: rows.length,
    quality: bootstrapMean(quality),
    meanCost: costs.every((c) => c !== undefined) ? mean(costs as number[]) : undefined,
    reward: mean(chosen.map((a, i) => task.reward(rows[i]!, task.actionModel[a]!))),
    regret: regretFromTable(
      utilities,
      chosen.map((a) => actions.indexOf(a)),
    ).total,
    actionCounts: counts,
    byCategory: byCategory(rows, chosen, quality, costs, (a, i) => task.reward(rows[i]!, task.actionModel[a]!)),
    references: referencePoints(rows, models),
  };
  const scores = decisions.map((d) => d.scores);
  if (actions.length === 2 && allDefined(scores)) {
    // Strong = the better model on these rows; the router's strong-ness = score gap.
    const [a0, a1] = actions as [string, string];
    const mean0 = mean(rows.map((r) => r.scores![task.actionModel[a0]!]!));
    const mean1 = mean(rows.map((r) => r.scores![task.actionModel[a1]!]!));
    const [strong, weak] = mean0 >= mean1 ? [0, 1] : [1, 0];
    const s = scores.map((v) => v[strong]! - v[weak]!);
    const qS = rows.map((r) => r.scores![models[strong]!]!);
    const qW = rows.map((r) => r.scores![models[weak]!]!);
    const curve = pgrCurve(qS, qW, s);
    out.twoModel = {
      strong: actions[strong]!,
      weak: actions[weak]!,
      apgr: curve.apgr,
      curve: thin(curve.points, 200).map((p) => ({ share: p.share, pgr: p.pgr })),
      cpt50: cpt(curve, 0.5),
      cpt80: cpt(curve, 0.8),
    };
    const [mS, mW] = [models[strong]!, models[weak]!];
    if (rows.every((r) => r.costs?.[mS] !== undefined && r.costs?.[mW] !== undefined)) {
      const cS = rows.map((r) => r.costs![mS]!);
      const cW = rows.map((r) => r.costs![mW]!);
      // A pre-generation router pays one model per prompt: the weak one or the strong one.
      const costCurve = costPgrCurve(qS, qW, s, cW, cS, { weakOnly: mean(cW), strongOnly: mean(cS) });
      out.twoModel.costApgr = costCurve.costApgr;
      out.twoModel.costAt50 = costAtPgr(costCurve, 0.5);
    }
  }
  if (actions.length > 2 && allDefined(scores) && rows.every((r) => models.every((m) => r.costs?.[m] !== undefined))) {
    out.manyModels = aiqOf(scores, rows, models);
  }
  return out;
}

/**
 * The router's cost-quality points: choose argmax(score - lambda * price) for a sweep of
 * lambda, where price is each model's mean cost per query (known before the call, as a
 * price list is); AIQ over the zero router's cost range.
 */
function aiqOf(scores: number[][], rows: DatasetRow[], models: string[]): DatasetEval['manyModels'] {
  const price = models.map((m) => mean(rows.map((r) => r.costs![m]!)));
  const singles: CostQualityPoint[] = models.map((m, k) => ({
    cost: price[k]!,
    quality: mean(rows.map((r) => r.scores![m]!)),
    label: m,
  }));
  const zero = zeroRouter(singles);
  const spread = Math.max(...price) - Math.min(...price);
  const points: CostQualityPoint[] = [];
  for (let i = 0; i <= 40; i++) {
    const lambda = i === 0 ? 0 : (2 ** (i / 4) - 1) / Math.max(spread, 1e-12);
    let q = 0;
    let c = 0;
    scores.forEach((v, r) => {
      let best = 0;
      for (let k = 1; k < v.length; k++) if (v[k]! - lambda * price[k]! > v[best]! - lambda * price[best]!) best = k;
      q += rows[r]!.scores![models[best]!]!;
      c += rows[r]!.costs![models[best]!]!;
    });
    points.push({ cost: c / rows.length, quality: q / rows.length, label: `lambda=${lambda.toPrecision(3)}` });
  }
  const range = zero.range;
  // Router points outside the zero router's range are clipped to it (AIQ is compared on one range).
  const inRange = [...points, ...singles].filter((p) => p.cost >= range.cMin - 1e-15);
  return { aiq: aiq(inRange, range), zeroRouterAiq: zero.aiq, points };
}

export interface LoggedEval {
  n: number;
  matched: number;
  ips: ConfidenceInterval;
  snips?: number;
  dr?: ConfidenceInterval;
  ess: number;
  loggedReward: number;
}

/** Off-policy value of the learner's greedy policy on a logged run (DR's reward model: per category x pool means). */
export function evaluateOnLogs(
  learner: Learner,
  samples: LoggedSample<RequestResult>[],
  actions: string[],
  toContext: (r: RequestResult) => RoutingContext,
): LoggedEval {
  const means = new Map<string, { s: number; n: number }>();
  for (const x of samples) {
    const k = `${x.context.labels.category}\u0000${x.action}`;
    const m = means.get(k) ?? { s: 0, n: 0 };
    m.s += x.reward;
    m.n++;
    means.set(k, m);
  }
  const overall = mean(samples.map((x) => x.reward));
  const rewardModel = (r: RequestResult, a: string) => {
    const m = means.get(`${r.labels.category}\u0000${a}`);
    return m ? m.s / m.n : overall;
  };
  const est = offPolicyEstimate(
    samples,
    { kind: 'deterministic', choose: (r: RequestResult) => greedyAction(learner, toContext(r), actions) },
    { rewardModel, skipInvalid: true },
  );
  return {
    n: samples.length,
    matched: est.matched,
    ips: bootstrapMean(est.ipsTerms),
    snips: est.snips,
    dr: est.drTerms ? bootstrapMean(est.drTerms) : undefined,
    ess: est.ess,
    loggedReward: overall,
  };
}

export interface CategoryActionStats {
  category: string;
  action: string;
  n: number;
  quality: Interval;
  cost?: Interval;
  reward: Interval;
}

function byCategory(
  rows: DatasetRow[],
  chosen: string[],
  quality: number[],
  costs: (number | undefined)[],
  reward: (action: string, i: number) => number,
): CategoryActionStats[] {
  const groups = new Map<
    string,
    { category: string; action: string; q: Moments; c: Moments; r: Moments; costMissing: boolean }
  >();
  chosen.forEach((action, i) => {
    const category = rows[i]!.category;
    const k = `${category}\u0000${action}`;
    let g = groups.get(k);
    if (!g)
      groups.set(
        k,
        (g = { category, action, q: emptyMoments(), c: emptyMoments(), r: emptyMoments(), costMissing: false }),
      );
    addMoment(g.q, quality[i]!);
    const c = costs[i];
    if (c === undefined) g.costMissing = true;
    else addMoment(g.c, c);
    addMoment(g.r, reward(action, i));
  });
  return [...groups.values()].map((g) => ({
    category: g.category,
    action: g.action,
    n: g.q.n,
    quality: meanInterval(g.q),
    ...(g.costMissing ? {} : { cost: meanInterval(g.c) }),
    reward: meanInterval(g.r),
  }));
}

/** At most about `max` points of a curve, its first and last kept. */
function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, k) => points[Math.round(k * step)]!);
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}
