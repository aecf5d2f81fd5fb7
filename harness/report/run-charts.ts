/**
 * Turns a run's digest into chart data: plain rows for the chart modules. Shared by the
 * run report (series = pool or policy) and by comparisons (series = run).
 */
import { meanInterval, mergeMoments, type Moments } from '../metrics/intervals.ts';
import type { SummaryRow } from '../runner/summary.ts';
import type { CdfPoint, GoodputPoint, LoadPoint } from './charts/latency.ts';
import type { CurvePoint, ShareRow } from './charts/learning.ts';
import type { IntervalRow } from './charts/quality.ts';
import type { ErrorPoint, RatePoint } from './charts/throughput.ts';
import type { EnergyRow } from './charts/energy.ts';
import type { PlanePoint } from './charts/frontier.ts';
import { cdfPoints, quantileMs, type Histogram } from './histograms.ts';
import { LATENCY_METRICS, splitKey, type LatencyMetric, type QualityCostReward, type RunDigest } from './run-digest.ts';

/** Categories drawn one by one; the rest are summed as "other". */
const TOP_CATEGORIES = 10;
/** At most this many time buckets drawn: rates over finer ones are noise; shares need requests in each. */
const RATE_BUCKETS = 60;
const SHARE_BUCKETS = 30;
const REWARD_POINTS = 120;

export function topCategories(d: RunDigest): Set<string> {
  return new Set(
    [...d.categories.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP_CATEGORIES)
      .map(([c]) => c),
  );
}

export function cdfRows(sets: Map<string, Record<LatencyMetric, Histogram>>): CdfPoint[] {
  const out: CdfPoint[] = [];
  for (const [series, set] of sets)
    for (const metric of LATENCY_METRICS) {
      if (metric === 'TPOT') continue; // TPOT is E2E spread over tokens: the three others tell it
      for (const p of cdfPoints(set[metric])) out.push({ series, metric, ...p });
    }
  return out;
}

export interface StageRow {
  stage: string;
  offered: number;
  ttftP50: number | null;
  ttftP99: number | null;
  tpotP50: number | null;
  tpotP99: number | null;
  throughput: number;
  goodput: number;
  share: number;
}

/** One row per sweep stage, in stage order; offered = sessions started per second over the span of their first turns. */
export function stageRows(d: RunDigest): StageRow[] {
  return [...d.stages.values()]
    .sort((a, b) => a.stage - b.stage)
    .map((s) => {
      const startSpan = Math.max((s.lastStartMs - s.firstSentMs) / 1000, 1e-3);
      const span = Math.max((s.lastDoneMs - s.firstSentMs) / 1000, 1e-3);
      return {
        stage: s.label || `stage ${s.stage}`,
        offered: s.sessions > 1 ? (s.sessions - 1) / startSpan : s.sessions / span,
        ttftP50: quantileMs(s.ttft, 0.5),
        ttftP99: quantileMs(s.ttft, 0.99),
        tpotP50: quantileMs(s.tpot, 0.5),
        tpotP99: quantileMs(s.tpot, 0.99),
        throughput: s.ok / span,
        goodput: s.meeting / span,
        share: s.sent ? s.meeting / s.sent : 0,
      };
    });
}

export function loadRows(stages: StageRow[]): { latency: LoadPoint[]; goodput: GoodputPoint[]; knee?: number } {
  const latency: LoadPoint[] = stages.flatMap((s) => [
    { offered: s.offered, stage: s.stage, metric: 'TTFT' as const, percentile: 'p50' as const, ms: s.ttftP50 },
    { offered: s.offered, stage: s.stage, metric: 'TTFT' as const, percentile: 'p99' as const, ms: s.ttftP99 },
    { offered: s.offered, stage: s.stage, metric: 'TPOT' as const, percentile: 'p50' as const, ms: s.tpotP50 },
    { offered: s.offered, stage: s.stage, metric: 'TPOT' as const, percentile: 'p99' as const, ms: s.tpotP99 },
  ]);
  const goodput = stages.map((s) => ({
    offered: s.offered,
    stage: s.stage,
    goodput: s.goodput,
    throughput: s.throughput,
  }));
  let knee: StageRow | undefined;
  for (const s of stages) if (s.goodput > 0 && (!knee || s.goodput > knee.goodput)) knee = s;
  return { latency, goodput, knee: knee?.offered };
}

export function rateRows(d: RunDigest, series: string): { rates: RatePoint[]; errors: ErrorPoint[]; bucketS: number } {
  // About ten requests per bucket on average, so a rate is not two requests' noise.
  const target = Math.min(RATE_BUCKETS, Math.max(8, Math.floor(d.records / 10)));
  const { width: w, entries } = d.time.coarsened(target);
  const rates: RatePoint[] = [];
  const errors: ErrorPoint[] = [];
  const byStart = new Map(entries.map((e) => [Math.round(e.start / w), e.value]));
  const first = entries.length ? Math.round(entries[0]!.start / w) : 0;
  const last = entries.length ? Math.round(entries[entries.length - 1]!.start / w) : -1;
  // Buckets where nothing completed are zeros, not gaps; the last bucket repeats so the step line closes.
  for (let j = first; j <= last + 1; j++) {
    const start = j * w;
    const value = byStart.get(Math.min(j, last)) ?? { ok: 0, meeting: 0, errors: new Map<string, number>() };
    rates.push({ t: start, series, kind: 'throughput (ok)', rps: value.ok / w });
    rates.push({ t: start, series, kind: 'goodput (met every SLO)', rps: value.meeting / w });
    if (j <= last && byStart.has(j))
      for (const [errorClass, count] of value.errors) errors.push({ t: start, series, errorClass, count });
  }
  return { rates, errors, bucketS: w };
}

export function shareRows(d: RunDigest): ShareRow[] {
  const top = topCategories(d);
  const out = new Map<string, ShareRow>();
  // About eight requests per cell drawn (bucket x policy x category), at most SHARE_BUCKETS buckets.
  const cells = Math.max(1, d.policies.size * Math.min(top.size + 1, d.categories.size));
  const target = Math.min(SHARE_BUCKETS, Math.max(4, Math.floor(d.records / (8 * cells))));
  const { width, entries } = d.time.coarsened(target);
  for (const { start, value } of entries)
    for (const [k, count] of value.traffic) {
      const [policy, category, pool] = splitKey(k) as [string, string, string];
      const cat = top.has(category) ? category : 'other';
      const key = [start, policy, cat, pool].join('\u0000');
      const row = out.get(key) ?? { x: start, category: cat, facet: policy, pool, count: 0 };
      row.count += count;
      out.set(key, row);
    }
  const rows = [...out.values()];
  // A step area ends at its last point: the last bucket repeated at its end closes it.
  const last = Math.max(...rows.map((r) => r.x));
  return [...rows, ...rows.filter((r) => r.x === last).map((r) => ({ ...r, x: last + width }))];
}

export function curveRows(d: RunDigest, seriesPrefix = ''): CurvePoint[] {
  // Windows of about twenty requests per policy, so a point is not a handful of rewards.
  const target = Math.min(REWARD_POINTS, Math.max(5, Math.floor(d.records / (20 * Math.max(1, d.policies.size)))));
  const { width: w, entries } = d.windows.coarsened(target);
  const out: CurvePoint[] = [];
  for (const { start, value } of entries)
    for (const [policy, m] of value.reward)
      out.push({
        requests: start + w,
        series: seriesPrefix + policy,
        reward: m.n ? m.sum / m.n : null,
        regret: value.regret.get(policy) ?? null,
      });
  return out;
}

function intervalRows(category: string, group: string, m: QualityCostReward): IntervalRow[] {
  // A t interval on few requests can leave the metric's range: clipped to it (quality and reward in [0, 1], cost >= 0).
  const row = (metric: string, mo: Moments, hi: number): IntervalRow => {
    const i = meanInterval(mo);
    const clip = (x: number) => Math.min(hi, Math.max(0, x));
    return { category, group, metric, mean: i.estimate, lower: clip(i.lower), upper: clip(i.upper), n: mo.n };
  };
  const rows = [row('cost per request (USD)', m.cost, Infinity)];
  if (m.quality.n) rows.unshift(row('quality', m.quality, 1));
  if (m.reward.n) rows.push(row('reward', m.reward, 1));
  return rows;
}

/** Per category (the most frequent) and group of pools (default: each pool alone), moments merged within a group. */
export function categoryRows(d: RunDigest, group = (pool: string) => pool): IntervalRow[] {
  const top = topCategories(d);
  const merged = new Map<string, { category: string; group: string; m: QualityCostReward }>();
  for (const [k, m] of d.byCategoryPool) {
    const [category, pool] = splitKey(k) as [string, string];
    if (!top.has(category)) continue;
    const g = group(pool);
    const key = [category, g].join('\u0000');
    const into = merged.get(key);
    if (!into) merged.set(key, { category, group: g, m: structuredClone(m) });
    else for (const f of ['quality', 'cost', 'reward'] as const) mergeMoments(into.m[f], m[f]);
  }
  return [...merged.values()]
    .flatMap((x) => intervalRows(x.category, x.group, x.m))
    .sort((a, b) => a.category.localeCompare(b.category) || a.group.localeCompare(b.group));
}

export function energyRows(d: RunDigest, summaryTables: Record<string, SummaryRow[]>): EnergyRow[] {
  if (d.energy.size > 0)
    return [...d.energy.entries()]
      .filter(([, e]) => e.tokens > 0 && e.joules > 0)
      .map(([k, e]) => {
        const [pool, archetype] = splitKey(k) as [string, string];
        return { pool, archetype, jPerToken: e.joules / e.tokens, tokensPerJ: e.tokens / e.joules, tokens: e.tokens };
      });
  // A killed run's requests.jsonl holds no attributed energy: the summary's per-pool rows do.
  return (summaryTables.pool ?? [])
    .filter((r) => typeof r.j_per_output_token === 'number' && r.j_per_output_token > 0)
    .map((r) => ({
      pool: String(r.pool),
      archetype: 'all',
      jPerToken: r.j_per_output_token as number,
      tokensPerJ: 1 / (r.j_per_output_token as number),
      tokens: 0,
    }));
}

/** Policies at their mean cost and quality; single models where randomised decisions allow an unbiased estimate. */
export function planeRows(d: RunDigest, kind = 'policy'): PlanePoint[] {
  const out: PlanePoint[] = [];
  for (const [policy, m] of d.byPolicy)
    if (m.quality.n > 0)
      out.push({ label: policy, kind, cost: m.cost.sum / m.cost.n, quality: m.quality.sum / m.quality.n });
  for (const [pool, s] of d.randomised)
    if (s.n >= 10 && s.w > 0)
      out.push({ label: pool, kind: 'single model (estimated)', cost: s.wc / s.w, quality: s.wq / s.w });
  return out;
}
