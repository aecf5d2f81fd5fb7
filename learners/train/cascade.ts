/**
 * `wrp train` / `wrp eval` for the cascades (rl/cascade-entry.ts) on full-information
 * datasets with per-prompt costs (RouterBench). The cascade replays each row: it calls the
 * levels small -> large until it accepts an answer, every call paid; training feeds back the
 * quality of the answers it called (bandit feedback; cascade `observe_all`: every level's).
 * response_cascade also reads the answer texts it paid for (`<model>|model_response`).
 * Decisions plan with each level's mean training cost (a price known before the call); the
 * bill uses the row's own costs.
 */
import { z } from 'zod';
import type { DatasetRow } from '../../datasets/types.ts';
import { parseOrThrow } from '../../core/validate.ts';
import { bootstrapMean, type ConfidenceInterval } from '../eval/bootstrap.ts';
import { referencePoints, type ReferencePoints } from '../eval/replay.ts';
import { costAtPgr, costPgrCurve, cpt, pgr, pgrCurve } from '../eval/two-model.ts';
import { cascadeParamsSchema, responseCascadeParamsSchema, type ReplayLearnerName } from '../rl/cascade-entry.ts';
import { CascadePolicy } from '../rl/cascade-policy.ts';
import { simulateCascade, type CascadeRow } from '../rl/cascade-sim.ts';
import { ResponseCascadePolicy } from '../rl/response-cascade.ts';
import { replayResponseCascade } from '../rl/response-cascade-sim.ts';
import type { Learner, PolicyFile } from '../types.ts';
import { poolNameOf } from './data-source.ts';
import {
  budgetOperatingPoint,
  cascadeBudgetRows,
  responseCascadeBudgetRows,
  type OperatingPoint,
} from './cascade-budget.ts';
import { shuffled } from './offline.ts';
import { UsageError } from '../../core/errors.ts';

export interface CascadeSetup {
  learner: ReplayLearnerName;
  /** Dataset models, small -> large. */
  levels: string[];
  /** Cheap models whose answers are features (response_cascade). */
  peers: string[];
  /** Answer texts are read (response_cascade). */
  needsResponses: boolean;
}

const EXAMPLE = '--models mistralai/mixtral-8x7b-chat,gpt-4-1106-preview';

/** The setup `wrp train` builds from --learner, --models (the levels, small -> large) and --params. */
export function cascadeSetup(
  learner: ReplayLearnerName,
  models: string[] | undefined,
  params: Record<string, unknown>,
): CascadeSetup {
  if (!models || models.length < 2)
    throw new UsageError(
      `--models: ${learner} needs its levels, at least two dataset models ordered small to large, e.g. ${EXAMPLE}`,
    );
  const dup = models.find((m, i) => models.indexOf(m) !== i);
  if (dup !== undefined) throw new UsageError(`--models: expected each level once, got "${dup}" twice`);
  if (learner === 'cascade') {
    parseOrThrow(cascadeParamsSchema, params, '--params');
    return { learner, levels: models, peers: [], needsResponses: false };
  }
  const p = parseOrThrow(responseCascadeParamsSchema, params, '--params');
  const clash = p.peers.find((m) => models.includes(m));
  if (clash !== undefined) throw new UsageError(`--params: peers: expected models that are not levels, got "${clash}"`);
  return { learner, levels: models, peers: p.peers, needsResponses: true };
}

/** The setup a saved cascade policy needs to be replayed. */
export function cascadeSetupOf(file: PolicyFile): CascadeSetup {
  const learner = file.learner as ReplayLearnerName;
  const peers =
    learner === 'response_cascade' ? z.array(z.string()).parse(file.hyperparameters['peerModels'] ?? []) : [];
  return { learner, levels: file.actions.map((a) => a.model), peers, needsResponses: learner === 'response_cascade' };
}

/**
 * The rows the replay can use: every level and peer has a score and a cost (and, for
 * response_cascade, an answer text). Others are dropped and counted; none left is an error.
 */
export function cascadeRows(
  rows: readonly DatasetRow[],
  setup: CascadeSetup,
  source: string,
): { rows: DatasetRow[]; dropped: number } {
  const models = [...setup.levels, ...setup.peers];
  const usable = (r: DatasetRow) =>
    models.every(
      (m) =>
        Number.isFinite(r.scores?.[m]) &&
        Number.isFinite(r.costs?.[m]) &&
        (!setup.needsResponses || r.responses?.[m] !== undefined),
    );
  const kept = rows.filter(usable);
  if (kept.length === 0) {
    const what = setup.needsResponses ? 'a score, a cost and an answer text' : 'a score and a cost';
    throw new UsageError(
      `--data ${source}: no row has ${what} for every cascade model (${models.join(', ')}); the cascades replay routerbench, which has them`,
    );
  }
  return { rows: kept, dropped: rows.length - kept.length };
}

const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const meanCost = (rows: readonly DatasetRow[], m: string) => mean(rows.map((r) => r.costs![m]!));

const cascadeRow = (r: DatasetRow): CascadeRow => ({
  id: r.promptId,
  category: r.category,
  scores: r.scores ?? {},
  costs: r.costs ?? {},
});

/** How the cascade's replay got answer confidences (kept in policy.json's training, for eval). */
const replaySchema = z.object({ confidence: z.enum(['none', 'proxy']), noise: z.number().min(0).optional() });
type ReplaySettings = z.infer<typeof replaySchema>;

/** One pass over the rows in a seeded order; returns the trained learner and its training record. */
export function trainCascade(
  setup: CascadeSetup,
  params: Record<string, unknown>,
  rows: readonly DatasetRow[],
  defaultSeed: number,
): { learner: Learner; training: Record<string, unknown> } {
  const level = (m: string) => ({ pool: poolNameOf(m), model: m, costPerCall: meanCost(rows, m) });
  if (setup.learner === 'cascade') {
    const p = parseOrThrow(cascadeParamsSchema, params, '--params');
    const seed = p.seed ?? defaultSeed;
    const order = shuffled(rows.length, seed).map((i) => cascadeRow(rows[i]!));
    const policy = new CascadePolicy({
      levels: setup.levels.map(level),
      costQualityTradeoff: p.cost_quality_tradeoff,
      bins: p.bins,
      shrinkage: p.shrinkage,
      explore: p.explore,
      probeRate: p.probe_rate,
      seed,
      confidenceMethod: p.confidence_method,
    });
    const replay: ReplaySettings =
      p.confidence_noise === undefined ? { confidence: 'none' } : { confidence: 'proxy', noise: p.confidence_noise };
    const r = simulateCascade(order, policy, {
      train: true,
      observeAll: p.observe_all,
      seed,
      ...simConfidence(replay),
      planCosts: policy.levels.map((l) => l.costPerCall!),
    });
    const point = operatingPoint(setup, p, (budget) =>
      budgetOperatingPoint(cascadeBudgetRows(policy, rows, { ...simConfidence(replay), seed }), budget),
    );
    if (point) policy.escalationThreshold = point.threshold;
    return {
      learner: policy,
      training: {
        feedback: p.observe_all ? 'full information (every level graded)' : 'bandit (quality of each answer called)',
        ...(replay.confidence === 'proxy' ? { optimistic: OPTIMISTIC } : {}),
        ...(point ? { operatingPoint: point } : {}),
        replay,
        meanQuality: r.meanQuality,
        meanCost: r.meanCost,
        callsPerRow: r.callsPerRow,
        escalationRate: r.escalationRate,
      },
    };
  }
  const p = parseOrThrow(responseCascadeParamsSchema, params, '--params');
  const seed = p.seed ?? defaultSeed;
  const order = shuffled(rows.length, seed).map((i) => rows[i]!);
  const policy = new ResponseCascadePolicy({
    levels: setup.levels.map(level),
    peers: p.peers.map(level),
    categories: [...new Set(rows.map((r) => r.category))].sort(),
    costQualityTradeoff: p.cost_quality_tradeoff,
    hashDim: p.hash_dim,
    lambda: p.lambda,
    v: p.v,
    probeRate: p.probe_rate,
    feedback: p.feedback,
    seed,
  });
  const r = replayResponseCascade(order, policy, { train: true });
  const point = operatingPoint(setup, p, (budget) =>
    budgetOperatingPoint(responseCascadeBudgetRows(policy, rows), budget),
  );
  if (point) policy.escalationThreshold = point.threshold;
  return {
    learner: policy,
    training: {
      feedback: `answer texts; quality: ${p.feedback}`,
      ...(point ? { operatingPoint: point } : {}),
      meanQuality: r.meanQuality,
      meanCost: r.meanCost,
      callsPerRow: r.callsPerRow,
    },
  };
}

/** What every output showing a proxy-confidence cascade's figures says (cascade `confidence_noise`). */
export const OPTIMISTIC =
  "OPTIMISTIC: confidence_noise reads each answer's true score (a noisy copy of it stands in for self-confidence): an upper bound, not a deployable router";

/** The budget's operating point, when the params state one (a trade-off is the other way to state it). */
function operatingPoint(
  setup: CascadeSetup,
  p: { budget_usd?: number | undefined; cost_quality_tradeoff: number },
  calibrate: (budget: number) => OperatingPoint,
): OperatingPoint | undefined {
  if (p.budget_usd === undefined) return undefined;
  if (p.cost_quality_tradeoff > 0)
    throw new UsageError('--params: state one operating point: cost_quality_tradeoff or budget_usd, not both');
  if (setup.levels.length !== 2)
    throw new UsageError(
      `--params: budget_usd sets a two-level cascade's threshold; got ${setup.levels.length} levels`,
    );
  return calibrate(p.budget_usd);
}

function simConfidence(s: ReplaySettings): { confidence: 'none' | 'proxy'; confidenceNoise?: number } {
  return s.confidence === 'none' ? { confidence: 'none' } : { confidence: 'proxy', confidenceNoise: s.noise ?? 0.15 };
}

export interface CascadeEval {
  n: number;
  /** Set when the figures read labels (proxy confidence): the text every output must show. */
  optimistic?: string;
  /** Quality of the answer served. */
  quality: ConfidenceInterval;
  /** Mean USD per request, every call counted (peers included). */
  meanCost: number;
  /** Mean of clip(quality - lambda * cost of every call, 0, 1). */
  reward: number;
  /** Cumulative regret vs the best single call per prompt (same reward). */
  regret: number;
  /** Model calls per request, peers included. */
  callsPerRow: number;
  /** Share of requests that escalated at least once. */
  escalationShare: number;
  /** Requests by the level (pool) first called / served. */
  startedAt: Record<string, number>;
  servedBy: Record<string, number>;
  references: ReferencePoints;
  /** Two levels: the PGR curve of thresholding the learned escalation value (level 0 called on every request). */
  twoLevel?: {
    weak: string;
    strong: string;
    /** PGR of the policy's own operating point. */
    pgr: number;
    apgr: number;
    cpt50?: number;
    cpt80?: number;
    costApgr?: number;
    costAt50?: number;
    costAt80?: number;
    weakOnly: number;
    strongOnly: number;
  };
}

/** Replays a saved cascade greedily (posterior means, no probes) on held-out rows. */
export function evaluateCascade(
  file: PolicyFile,
  rows: readonly DatasetRow[],
  lambda: number,
  source = 'policy.json',
): CascadeEval {
  const setup = cascadeSetupOf(file);
  const pools = file.actions.map((a) => a.pool);
  let traces: { levels: number[]; quality: number; cost: number }[];
  let escalation: (row: DatasetRow, i: number) => number;
  let extraCost: (row: DatasetRow) => number = () => 0;
  let optimistic: string | undefined;
  if (setup.learner === 'cascade') {
    const policy = CascadePolicy.load({ ...file, hyperparameters: { ...file.hyperparameters, explore: false } });
    // A policy trained outside `wrp train` has no replay record: no confidence signal.
    const given = file.training['replay'];
    const replay: ReplaySettings =
      given === undefined ? { confidence: 'none' } : parseOrThrow(replaySchema, given, source, ['training', 'replay']);
    const planCosts = policy.levels.map((l) => l.costPerCall ?? 0);
    const r = simulateCascade(rows.map(cascadeRow), policy, {
      trace: true,
      seed: Number(file.hyperparameters['seed'] ?? 1),
      ...simConfidence(replay),
      planCosts,
    });
    const t = r.trace!;
    traces = t;
    if (replay.confidence === 'proxy') optimistic = OPTIMISTIC;
    escalation = (row, i) => policy.escalationValue(row.category, 0, t[i]!.confidence[0], planCosts);
  } else {
    const policy = ResponseCascadePolicy.load(file).frozen();
    traces = replayResponseCascade(rows, policy, { trace: true }).trace!;
    const [weak] = setup.levels as [string];
    escalation = (row) =>
      policy.escalationValue(
        { id: row.promptId, category: row.category, prompt: row.prompt },
        0,
        row.responses![weak]!,
        setup.peers.map((m) => row.responses![m]),
      );
    extraCost = (row) => setup.peers.reduce((a, m) => a + row.costs![m]!, 0);
  }
  const clip = (x: number) => Math.min(1, Math.max(0, x));
  const rewards = traces.map((t) => clip(t.quality - lambda * t.cost));
  const best = rows.map((r) => Math.max(...setup.levels.map((m) => clip(r.scores![m]! - lambda * r.costs![m]!))));
  const count = (pick: (t: { levels: number[] }) => number) => {
    const c: Record<string, number> = {};
    for (const t of traces) c[pools[pick(t)]!] = (c[pools[pick(t)]!] ?? 0) + 1;
    return c;
  };
  const out: CascadeEval = {
    n: rows.length,
    quality: bootstrapMean(traces.map((t) => t.quality)),
    meanCost: mean(traces.map((t) => t.cost)),
    reward: mean(rewards),
    regret: best.reduce((a, b, i) => a + b - rewards[i]!, 0),
    callsPerRow: mean(traces.map((t) => t.levels.length)) + setup.peers.length,
    escalationShare: mean(traces.map((t) => (t.levels.length > 1 ? 1 : 0))),
    startedAt: count((t) => t.levels[0]!),
    servedBy: count((t) => t.levels[t.levels.length - 1]!),
    references: referencePoints(rows, setup.levels),
    ...(optimistic ? { optimistic } : {}),
  };
  if (setup.levels.length === 2) {
    const [weak, strong] = setup.levels as [string, string];
    const qW = rows.map((r) => r.scores![weak]!);
    const qS = rows.map((r) => r.scores![strong]!);
    // PGR is undefined when both levels score the same on these rows.
    if (mean(qS) !== mean(qW)) {
      const score = rows.map(escalation);
      const curve = pgrCurve(qS, qW, score);
      const cW = rows.map((r) => r.costs![weak]!);
      const cS = rows.map((r) => r.costs![strong]!);
      const base = { weakOnly: mean(cW), strongOnly: mean(cS) };
      out.twoLevel = {
        weak: pools[0]!,
        strong: pools[1]!,
        pgr: pgr(out.quality.estimate, mean(qW), mean(qS)),
        apgr: curve.apgr,
        cpt50: cpt(curve, 0.5),
        cpt80: cpt(curve, 0.8),
        ...base,
      };
      if (base.strongOnly > base.weakOnly) {
        // Kept on the weak side: the weak call (and peers); escalated: the strong call on top.
        const ifWeak = rows.map((r, i) => cW[i]! + extraCost(r));
        const cc = costPgrCurve(
          qS,
          qW,
          score,
          ifWeak,
          ifWeak.map((c, i) => c + cS[i]!),
          base,
        );
        Object.assign(out.twoLevel, {
          costApgr: cc.costApgr,
          costAt50: costAtPgr(cc, 0.5),
          costAt80: costAtPgr(cc, 0.8),
        });
      }
    }
  }
  return out;
}
