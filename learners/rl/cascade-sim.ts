/**
 * Cascade replay over full-information data (every model's score and cost known per
 * prompt, e.g. RouterBench): the harness runner makes one call per request, so cascades
 * are evaluated and trained here. Every model the cascade calls is paid for.
 */
import type { CascadePolicy } from './cascade-policy.ts';
import { Rng } from '../../core/rng.ts';

export interface CascadeRow {
  id?: string;
  category: string;
  /** Quality 0..1 by model name (the cascade levels' `model`). */
  scores: Record<string, number>;
  /** Cost of one call by model name. */
  costs: Record<string, number>;
  /** Self-confidence by model name when the data has it; else a noisy proxy of the score. */
  confidence?: Record<string, number>;
}

export interface SimulateOptions {
  /** Feed quality feedback of every answer the cascade saw into the policy. */
  train?: boolean;
  /** With train: also feed the answers of levels it did not call (full information). */
  observeAll?: boolean;
  /** Noise sd of the proxy confidence clamp(score + N(0, sd)) when a row has none. */
  confidenceNoise?: number;
  /** `none`: rows without a confidence give the policy none (per-category decisions), not the proxy. */
  confidence?: 'proxy' | 'none';
  /** Per-level costs the policy plans with (a price list known before the call); default the row's costs. */
  planCosts?: number[];
  seed?: number;
  /** Keep per-row call lists (for audits). */
  trace?: boolean;
}

export interface CascadeTrace {
  id?: string;
  category: string;
  /** Levels called, in order; the last one's answer is the one served. */
  levels: number[];
  quality: number;
  cost: number;
  /** Confidence each level's answer came with (undefined: none). */
  confidence: (number | undefined)[];
}

export interface CascadeSimResult {
  n: number;
  meanQuality: number;
  totalCost: number;
  meanCost: number;
  /** Model calls made (every one paid for). */
  calls: number;
  callsPerRow: number;
  /** Share of calls whose answer was escalated. */
  escalationRate: number;
  startedAt: number[];
  servedBy: number[];
  byCategory: Record<
    string,
    { n: number; meanQuality: number; meanCost: number; callsPerRow: number; servedBy: number[] }
  >;
  trace?: CascadeTrace[];
}

function required(map: Record<string, number>, model: string, what: string, row: CascadeRow): number {
  const v = map[model];
  if (v === undefined || !Number.isFinite(v)) throw new Error(`row ${row.id ?? '?'} has no ${what} for model ${model}`);
  return v;
}

export function simulateCascade(
  rows: CascadeRow[],
  policy: CascadePolicy,
  opts: SimulateOptions = {},
): CascadeSimResult {
  const rng = new Rng(opts.seed ?? 1);
  const noise = opts.confidenceNoise ?? 0.15;
  const proxy = (opts.confidence ?? 'proxy') === 'proxy';
  if (opts.planCosts && opts.planCosts.length !== policy.levels.length)
    throw new RangeError(`planCosts: expected ${policy.levels.length} values, got ${opts.planCosts.length}`);
  const L = policy.levels.length;
  const models = policy.levels.map((l) => l.model);
  const startedAt = new Array<number>(L).fill(0);
  const servedBy = new Array<number>(L).fill(0);
  const cats = new Map<string, { n: number; q: number; c: number; calls: number; served: number[] }>();
  const trace: CascadeTrace[] = [];
  let qSum = 0;
  let cSum = 0;
  let calls = 0;
  let escalations = 0;

  for (const row of rows) {
    const costs = models.map((m) => required(row.costs, m, 'cost', row));
    const scores = models.map((m) => required(row.scores, m, 'score', row));
    // Drawn for every level up front so the noise stream does not depend on the path taken.
    const conf = models.map(
      (m, i) =>
        row.confidence?.[m] ?? (proxy ? Math.min(1, Math.max(0, scores[i]! + noise * rng.normal())) : undefined),
    );
    const plan = opts.planCosts ?? costs;
    let level = policy.planFor(row.category, plan);
    startedAt[level]!++;
    const called: number[] = [];
    let cost = 0;
    for (;;) {
      called.push(level);
      cost += costs[level]!;
      if (policy.decideFor(row.category, level, conf[level], plan) === 'accept') break;
      escalations++;
      level++;
    }
    servedBy[level]!++;
    const quality = scores[level]!;
    if (opts.train) {
      for (let i = 0; i < L; i++)
        if (opts.observeAll || called.includes(i)) policy.observeFor(row.category, i, scores[i]!, conf[i]);
    }
    calls += called.length;
    qSum += quality;
    cSum += cost;
    const cat = cats.get(row.category) ?? { n: 0, q: 0, c: 0, calls: 0, served: new Array<number>(L).fill(0) };
    cat.served[level]!++;
    cat.n++;
    cat.q += quality;
    cat.c += cost;
    cat.calls += called.length;
    cats.set(row.category, cat);
    if (opts.trace)
      trace.push({
        ...(row.id !== undefined ? { id: row.id } : {}),
        category: row.category,
        levels: called,
        quality,
        cost,
        confidence: conf,
      });
  }

  const n = rows.length;
  return {
    n,
    meanQuality: n ? qSum / n : 0,
    totalCost: cSum,
    meanCost: n ? cSum / n : 0,
    calls,
    callsPerRow: n ? calls / n : 0,
    escalationRate: calls ? escalations / calls : 0,
    startedAt,
    servedBy,
    byCategory: Object.fromEntries(
      [...cats].map(([k, v]) => [
        k,
        { n: v.n, meanQuality: v.q / v.n, meanCost: v.c / v.n, callsPerRow: v.calls / v.n, servedBy: v.served },
      ]),
    ),
    ...(opts.trace ? { trace } : {}),
  };
}
