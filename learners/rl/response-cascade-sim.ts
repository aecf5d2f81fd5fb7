/**
 * Replay of the response-aware cascade over full-information data that carries every
 * model's answer text and score (RouterBench with `responses: true`): the cascade reads the
 * answers it paid for (peers and each level it called), never the others. Every call is
 * counted in the cost.
 */
import type { DatasetRow } from '../../datasets/types.ts';
import { costAtPgr, costPgrCurve, cpt, pgrCurve } from '../eval/two-model.ts';
import type { ResponseCascadePolicy } from './response-cascade.ts';

export interface ResponseCascadeResult {
  n: number;
  meanQuality: number;
  /** Mean cost per request, every call (peers included) counted. */
  meanCost: number;
  callsPerRow: number;
  /** Share of requests that called the last level. */
  lastLevelShare: number;
  servedBy: number[];
  /** Per row with `trace`: levels called in order (the last one served), quality served, cost of every call. */
  trace?: { id: string; levels: number[]; quality: number; cost: number }[];
}

function need(map: Record<string, number> | undefined, model: string, what: string, row: DatasetRow): number {
  const v = map?.[model];
  if (v === undefined || !Number.isFinite(v)) throw new Error(`row ${row.promptId} has no ${what} for ${model}`);
  return v;
}

function answerOf(row: DatasetRow, model: string): string {
  const a = row.responses?.[model];
  if (a === undefined)
    throw new Error(`row ${row.promptId} has no response of ${model} (load the dataset with responses)`);
  return a;
}

const queryOf = (row: DatasetRow) => ({ id: row.promptId, category: row.category, prompt: row.prompt });

/** Runs the cascade over the rows; `train` feeds quality back as the policy's feedback mode allows. */
export function replayResponseCascade(
  rows: readonly DatasetRow[],
  policy: ResponseCascadePolicy,
  opts: { train?: boolean; trace?: boolean } = {},
): ResponseCascadeResult {
  const L = policy.levels.length;
  const servedBy = new Array<number>(L).fill(0);
  let q = 0;
  let cost = 0;
  let calls = 0;
  let last = 0;
  const trace: NonNullable<ResponseCascadeResult['trace']> = [];
  for (const row of rows) {
    const query = queryOf(row);
    const peers = policy.peers.map((p) => answerOf(row, p.model));
    const before = cost;
    for (const p of policy.peers) cost += need(row.costs, p.model, 'cost', row);
    calls += policy.peers.length;
    let level = 0;
    const called: { level: number; quality: number }[] = [];
    for (;;) {
      const model = policy.levels[level]!.model;
      cost += need(row.costs, model, 'cost', row);
      calls++;
      called.push({ level, quality: need(row.scores, model, 'score', row) });
      if (policy.decide(query, level, answerOf(row, model), peers).action === 'accept') break;
      level++;
    }
    if (level === L - 1) last++;
    servedBy[level]!++;
    const served = { ...called[called.length - 1]!, answer: answerOf(row, policy.levels[level]!.model) };
    q += served.quality;
    if (opts.trace)
      trace.push({ id: query.id, levels: called.map((c) => c.level), quality: served.quality, cost: cost - before });
    if (opts.train) policy.observe(query.id, served, policy.feedback === 'called' ? called.slice(0, -1) : []);
  }
  const n = rows.length;
  return {
    n,
    meanQuality: n ? q / n : 0,
    meanCost: n ? cost / n : 0,
    callsPerRow: n ? calls / n : 0,
    lastLevelShare: n ? last / n : 0,
    servedBy,
    ...(opts.trace ? { trace } : {}),
  };
}

export interface TwoLevelCurve {
  apgr: number;
  cpt50?: number;
  cpt80?: number;
  /** Area under PGR over normalised cost (weak and peer calls counted). */
  costApgr: number;
  /** Mean cost per request at PGR 50% / 80%, every call counted. */
  costAt50?: number;
  costAt80?: number;
  /** Mean cost of the weak / strong model alone. */
  weakOnly: number;
  strongOnly: number;
}

/**
 * A two-level cascade's PGR curve (RouteLLM's x = share sent to the strong model, here the
 * escalated share; the weak call and peer calls are paid on every request), ranked by the
 * level-0 escalation value, and the same curve over cost.
 */
export function twoLevelCurve(rows: readonly DatasetRow[], policy: ResponseCascadePolicy): TwoLevelCurve {
  if (policy.levels.length !== 2)
    throw new Error(`twoLevelCurve: expected a two-level cascade, got ${policy.levels.length} levels`);
  const [weak, strong] = policy.levels.map((l) => l.model) as [string, string];
  const qS = rows.map((r) => need(r.scores, strong, 'score', r));
  const qW = rows.map((r) => need(r.scores, weak, 'score', r));
  const score = rows.map((r) =>
    policy.escalationValue(
      queryOf(r),
      0,
      answerOf(r, weak),
      policy.peers.map((p) => answerOf(r, p.model)),
    ),
  );
  const cW = rows.map((r) => need(r.costs, weak, 'cost', r));
  const cS = rows.map((r) => need(r.costs, strong, 'cost', r));
  const cPeers = rows.map((r) => policy.peers.reduce((a, p) => a + need(r.costs, p.model, 'cost', r), 0));
  const curve = pgrCurve(qS, qW, score);
  const base = { weakOnly: mean(cW), strongOnly: mean(cS) };
  const costCurve = costPgrCurve(
    qS,
    qW,
    score,
    cW.map((c, i) => c + cPeers[i]!),
    cW.map((c, i) => c + cPeers[i]! + cS[i]!),
    base,
  );
  return {
    apgr: curve.apgr,
    cpt50: cpt(curve, 0.5),
    cpt80: cpt(curve, 0.8),
    costApgr: costCurve.costApgr,
    costAt50: costAtPgr(costCurve, 0.5),
    costAt80: costAtPgr(costCurve, 0.8),
    ...base,
  };
}

function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}
