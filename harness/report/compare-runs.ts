/**
 * Runs compared with the first (the baseline): each metric's value in both, the difference
 * (other - baseline) and its 95% interval (harness/metrics/intervals.ts).
 *
 * - Paired (the runs share seed, workload and arrival schedule, so request ids name the
 *   same request): per-request metrics (TTFT, E2E, cost, quality, reward) as the mean of
 *   per-request differences with its t interval, over requests both runs answered. The
 *   baseline's per-request values are held in memory for the join (five numbers and an id
 *   per request); everything else streams.
 * - Unpaired: means by Welch's interval; shares (goodput share, error rate) by Newcombe's
 *   interval; percentiles by order-statistic intervals combined; rates (req/s) have no
 *   interval (one figure per run).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  addMoment,
  emptyMoments,
  meanInterval,
  mergeMoments,
  proportionDifference,
  quantileDifference,
  welchDifference,
  type Interval,
  type Moments,
} from '../metrics/intervals.ts';
import { loadExperiment, type ExperimentConfig } from '../runner/config.ts';
import type { RequestResult } from '../types.ts';
import { quantileWithInterval } from './histograms.ts';
import { forEachRequest } from './read-records.ts';
import { digestRun, type RunDigest } from './run-digest.ts';
import { readSummary } from './run-report.ts';
import type { RunSummary } from '../runner/summary.ts';

export interface ComparedRun {
  dir: string;
  label: string;
  config: ExperimentConfig;
  summary: RunSummary;
  digest: RunDigest;
}

export interface MetricRow {
  metric: string;
  baseline: number | null;
  other: number | null;
  difference: number | null;
  lower: number | null;
  upper: number | null;
  /** How the interval was made: paired t, Welch, Newcombe, order statistics, or none. */
  method: string;
  n: number;
}

export interface Comparison {
  baseline: string;
  other: string;
  paired: boolean;
  /** Why the runs are (not) paired. */
  pairing: string;
  rows: MetricRow[];
}

const PER_REQUEST = ['TTFT ms', 'E2E ms', 'cost USD', 'quality', 'reward'] as const;

function perRequest(r: RequestResult): number[] {
  const ok = r.status === 'ok';
  return [
    ok ? (r.timing.ttftMs ?? NaN) : NaN,
    ok ? (r.timing.e2eMs ?? NaN) : NaN,
    r.costUsd,
    r.quality ?? NaN,
    r.reward ?? NaN,
  ];
}

export async function loadComparedRun(dir: string, label: string): Promise<ComparedRun> {
  const config = loadExperiment(join(dir, 'config.resolved.yaml'));
  return { dir, label, config, summary: readSummary(dir), digest: await digestRun(dir, config.slo) };
}

/** Same seed and the same workload and arrival settings: request ids name the same requests. */
export function pairing(a: ComparedRun, b: ComparedRun): { paired: boolean; why: string } {
  if (a.config.seed !== b.config.seed)
    return { paired: false, why: `seeds differ (${a.config.seed} vs ${b.config.seed})` };
  const wa = JSON.stringify(a.config.workload);
  const wb = JSON.stringify(b.config.workload);
  if (wa !== wb) return { paired: false, why: 'workload or arrival settings differ' };
  return { paired: true, why: `same seed (${a.config.seed}) and schedule: paired by request id` };
}

const finiteOr = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? null : x);

function row(
  metric: string,
  base: number | null,
  other: number | null,
  i: Interval | undefined,
  method: string,
): MetricRow {
  return {
    metric,
    baseline: finiteOr(base),
    other: finiteOr(other),
    difference: base !== null && other !== null ? finiteOr(other - base) : null,
    lower: finiteOr(i?.lower),
    upper: finiteOr(i?.upper),
    method,
    n: i?.n ?? 0,
  };
}

async function pairedRows(a: ComparedRun, b: ComparedRun): Promise<MetricRow[]> {
  const base = new Map<string, number[]>();
  await forEachRequest(join(a.dir, 'requests.jsonl'), (r) => base.set(r.id, perRequest(r)));
  const diffs: Moments[] = PER_REQUEST.map(() => emptyMoments());
  const sums = PER_REQUEST.map(() => ({ a: 0, b: 0 }));
  await forEachRequest(join(b.dir, 'requests.jsonl'), (r) => {
    const va = base.get(r.id);
    if (!va) return;
    perRequest(r).forEach((vb, k) => {
      const x = va[k]!;
      if (Number.isFinite(x) && Number.isFinite(vb)) {
        addMoment(diffs[k]!, vb - x);
        sums[k]!.a += x;
        sums[k]!.b += vb;
      }
    });
  });
  return PER_REQUEST.map((name, k) => {
    const m = diffs[k]!;
    const i = meanInterval(m);
    return row(
      `mean ${name}`,
      m.n ? sums[k]!.a / m.n : null,
      m.n ? sums[k]!.b / m.n : null,
      i,
      'paired t (per request)',
    );
  });
}

function unpairedMeans(a: ComparedRun, b: ComparedRun): MetricRow[] {
  const pool = (d: RunDigest) => {
    const q = emptyMoments();
    const c = emptyMoments();
    const w = emptyMoments();
    for (const m of d.byCategoryPool.values()) {
      mergeMoments(q, m.quality);
      mergeMoments(c, m.cost);
      mergeMoments(w, m.reward);
    }
    return { quality: q, cost: c, reward: w };
  };
  const pa = pool(a.digest);
  const pb = pool(b.digest);
  const mean = (m: Moments) => (m.n ? m.sum / m.n : null);
  return (['cost', 'quality', 'reward'] as const).map((k) =>
    row(`mean ${k === 'cost' ? 'cost USD' : k}`, mean(pa[k]), mean(pb[k]), welchDifference(pa[k], pb[k]), 'Welch'),
  );
}

function percentileRows(a: ComparedRun, b: ComparedRun): MetricRow[] {
  const out: MetricRow[] = [];
  for (const metric of ['TTFT', 'ITL', 'TPOT', 'E2E'] as const)
    for (const p of [0.5, 0.99]) {
      const qa = quantileWithInterval(a.digest.overall[metric], p);
      const qb = quantileWithInterval(b.digest.overall[metric], p);
      out.push(
        row(`${metric} p${p * 100} ms`, qa.estimate, qb.estimate, quantileDifference(qa, qb), 'order statistics'),
      );
    }
  return out;
}

function shareRows(a: ComparedRun, b: ComparedRun): MetricRow[] {
  const sa = a.digest;
  const sb = b.digest;
  const share = (hits: number, n: number) => (n ? hits / n : null);
  return [
    row(
      'goodput share',
      share(sa.meeting, sa.records),
      share(sb.meeting, sb.records),
      proportionDifference(sa.meeting, sa.records, sb.meeting, sb.records),
      'Newcombe',
    ),
    row(
      'error rate',
      share(sa.failed, sa.records),
      share(sb.failed, sb.records),
      proportionDifference(sa.failed, sa.records, sb.failed, sb.records),
      'Newcombe',
    ),
  ];
}

function rateRows(a: ComparedRun, b: ComparedRun): MetricRow[] {
  const o = (r: ComparedRun, k: string) => finiteOr(r.summary.tables.overall?.[0]?.[k] as number | undefined);
  return ['req_per_s', 'goodput_req_per_s', 'output_tok_per_s', 'j_per_output_token'].map((k) =>
    row(k, o(a, k), o(b, k), undefined, 'none (one figure per run)'),
  );
}

export async function compareRuns(a: ComparedRun, b: ComparedRun): Promise<Comparison> {
  const p = pairing(a, b);
  const rows = [
    ...shareRows(a, b),
    ...percentileRows(a, b),
    ...(p.paired ? await pairedRows(a, b) : unpairedMeans(a, b)),
    ...rateRows(a, b),
  ];
  return { baseline: a.label, other: b.label, paired: p.paired, pairing: p.why, rows };
}

/** A folder's kind for `wrp compare`. */
export function compareKind(dir: string): 'run' | 'repeat' | 'policy' | undefined {
  if (existsSync(join(dir, 'repeat.json'))) return 'repeat';
  if (existsSync(join(dir, 'config.resolved.yaml'))) return 'run';
  if (existsSync(join(dir, 'eval.json'))) return 'policy';
  return undefined;
}
