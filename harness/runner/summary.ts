/**
 * summary.json / summary.md of a run: per pool, category, archetype (and sweep stage)
 * latency percentiles, throughput, goodput under the SLOs, error rate, cost, J/token,
 * quality and reward. Tables are arquero tables; percentiles come from HDR histograms
 * (hdr-histogram-js, 3 significant digits, the value at or below which p% of samples
 * fall: nearest rank on the histogram's buckets), so memory stays flat on long runs.
 */
import * as aq from 'arquero';
import * as hdr from 'hdr-histogram-js';
import type { RequestResult } from '../types.ts';

export interface Slo {
  ttft_ms?: number;
  tpot_ms?: number;
  e2e_ms?: number;
}

export type SummaryRow = Record<string, string | number | null>;

export interface RunSummary {
  runId: string;
  experiment: string;
  /** Seconds from the first send to the last completion. */
  durationS: number;
  sent: number;
  ok: number;
  failed: number;
  cancelled: number;
  stoppedBy: string;
  percentileMethod: string;
  energyMethod: string;
  /** What the run's inputs and files reported: dataset rows dropped, a torn last line, ... */
  notes?: string[];
  tables: Record<string, SummaryRow[]>;
}

const PCTS = [50, 90, 99] as const;

function percentiles(values: Iterable<number>): Record<string, number | null> {
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  let n = 0;
  for (const v of values) {
    h.recordValue(Math.max(1, Math.round(v * 1000))); // microseconds
    n++;
  }
  const out: Record<string, number | null> = {};
  for (const p of PCTS) out[`p${p}`] = n === 0 ? null : round(h.getValueAtPercentile(p) / 1000, 2);
  return out;
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

export function meetsSlo(r: RequestResult, slo: Slo): boolean {
  if (r.status !== 'ok') return false;
  const t = r.timing;
  if (slo.ttft_ms !== undefined && !(t.ttftMs !== undefined && t.ttftMs <= slo.ttft_ms)) return false;
  if (slo.tpot_ms !== undefined && t.tpotMs !== undefined && t.tpotMs > slo.tpot_ms) return false;
  if (slo.e2e_ms !== undefined && !(t.e2eMs !== undefined && t.e2eMs <= slo.e2e_ms)) return false;
  return true;
}

/** One summary row over a group of requests; latency statistics over successful requests only. */
function row(records: RequestResult[], durationS: number, slo: Slo): SummaryRow {
  const ok = records.filter((r) => r.status === 'ok');
  const failed = records.filter((r) => r.status === 'failed').length;
  const cancelled = records.filter((r) => r.status === 'cancelled').length;
  const out: SummaryRow = {
    requests: records.length,
    ok: ok.length,
    failed,
    cancelled,
    error_rate: round((failed + cancelled) / Math.max(1, records.length), 4),
  };
  const metric = (name: string, pick: (r: RequestResult) => number | undefined) => {
    const vals = ok.map(pick).filter((v): v is number => v !== undefined);
    for (const [k, v] of Object.entries(percentiles(vals))) out[`${name}_${k}_ms`] = v;
  };
  metric('ttft', (r) => r.timing.ttftMs);
  const itl = percentiles(ok.flatMap((r) => r.timing.itlMs));
  for (const [k, v] of Object.entries(itl)) out[`itl_${k}_ms`] = v;
  metric('tpot', (r) => r.timing.tpotMs);
  metric('e2e', (r) => r.timing.e2eMs);
  const outputTokens = ok.reduce((s, r) => s + r.tokens.output, 0);
  out.req_per_s = round(ok.length / durationS, 3);
  out.output_tok_per_s = round(outputTokens / durationS, 1);
  const meeting = records.filter((r) => meetsSlo(r, slo)).length;
  out.goodput_req_per_s = round(meeting / durationS, 3);
  // Share of requests sent that met every SLO (failed ones count against it): what capacity searches hold to a target.
  out.goodput_share = records.length ? round(meeting / records.length, 4) : null;
  const cost = records.reduce((s, r) => s + r.costUsd, 0);
  out.cost_usd = round(cost, 6);
  out.cost_per_1k_req_usd = records.length ? round((1000 * cost) / records.length, 4) : null;
  const energy = records.filter((r) => r.energyJ !== undefined);
  const energyTokens = energy.reduce((s, r) => s + r.tokens.output, 0);
  out.j_per_output_token =
    energyTokens > 0 ? round(energy.reduce((s, r) => s + r.energyJ!, 0) / energyTokens, 4) : null;
  const q = mean(records.map((r) => r.quality).filter((v): v is number => v !== undefined));
  out.quality = q === null ? null : round(q, 4);
  out.judged = records.filter((r) => r.quality !== undefined).length;
  const rw = mean(records.map((r) => r.reward).filter((v): v is number => v !== undefined));
  out.reward = rw === null ? null : round(rw, 4);
  return out;
}

/** Seconds from a group's first send to its last completion. */
function spanS(records: RequestResult[]): number {
  let first = Infinity;
  let last = -Infinity;
  for (const r of records) {
    first = Math.min(first, r.timing.sentMs);
    last = Math.max(last, r.timing.sentMs + (r.timing.e2eMs ?? 0));
  }
  return Math.max((last - first) / 1000, 1e-9);
}

/**
 * Rows per group. Rates divide by the run's duration (pools, categories share the run's
 * time) or, for groups that follow each other in time (sweep stages), by the group's own span.
 */
function grouped(
  records: RequestResult[],
  key: (r: RequestResult) => string,
  name: string,
  durationS: number | 'own',
  slo: Slo,
): SummaryRow[] {
  const groups = new Map<string, RequestResult[]>();
  for (const r of records) {
    const k = key(r);
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const rows = [...groups.entries()].map(([k, g]) => ({
    [name]: k,
    ...row(g, durationS === 'own' ? spanS(g) : durationS, slo),
  }));
  return aq.from(rows).orderby(name).objects() as SummaryRow[];
}

export interface SummaryInput {
  runId: string;
  experiment: string;
  records: RequestResult[];
  durationS: number;
  slo: Slo;
  stoppedBy: string;
  energyMethod: string;
  /** Router under test vs baselines: extra named tables (e.g. a policy comparison). */
  extraTables?: Record<string, SummaryRow[]>;
  notes?: string[];
}

export function summarise(input: SummaryInput): RunSummary {
  const { records, durationS, slo } = input;
  const d = Math.max(durationS, 1e-9);
  const tables: Record<string, SummaryRow[]> = {
    overall: [{ scope: 'all', ...row(records, d, slo) }],
    pool: grouped(records, (r) => r.decision.pool, 'pool', d, slo),
    category: grouped(records, (r) => r.labels.category, 'category', d, slo),
    archetype: grouped(records, (r) => r.labels.archetype, 'archetype', d, slo),
  };
  if (new Set(records.map((r) => r.decision.policy)).size > 1)
    tables.policy = grouped(records, (r) => r.decision.policy, 'policy', d, slo);
  if (new Set(records.map((r) => r.stage)).size > 1)
    tables.stage = grouped(records, (r) => `${r.stage}: ${r.stageLabel}`, 'stage', 'own', slo);
  Object.assign(tables, input.extraTables);
  return {
    runId: input.runId,
    experiment: input.experiment,
    durationS: round(durationS, 3),
    sent: records.length,
    ok: records.filter((r) => r.status === 'ok').length,
    failed: records.filter((r) => r.status === 'failed').length,
    cancelled: records.filter((r) => r.status === 'cancelled').length,
    stoppedBy: input.stoppedBy,
    percentileMethod: 'HDR histogram (3 significant digits), value at or below which p% of samples fall',
    energyMethod: input.energyMethod,
    ...(input.notes?.length ? { notes: input.notes } : {}),
    tables,
  };
}

/** Columns shown in summary.md; summary.json has them all. */
const MD_COLUMNS = [
  'requests',
  'error_rate',
  'ttft_p50_ms',
  'ttft_p99_ms',
  'itl_p50_ms',
  'itl_p99_ms',
  'tpot_p50_ms',
  'e2e_p50_ms',
  'e2e_p99_ms',
  'req_per_s',
  'output_tok_per_s',
  'goodput_req_per_s',
  'goodput_share',
  'cost_per_1k_req_usd',
  'j_per_output_token',
  'quality',
  'reward',
];

export function tableMarkdown(rows: SummaryRow[]): string {
  if (rows.length === 0) return '(none)\n';
  const key = Object.keys(rows[0]!)[0]!;
  const cols = [key, ...MD_COLUMNS.filter((c) => c in rows[0]!)];
  return aq.from(rows).select(cols).toMarkdown();
}

export function summaryMarkdown(s: RunSummary): string {
  const lines = [
    `# ${s.experiment} — run ${s.runId}`,
    '',
    `${s.sent} requests sent: ${s.ok} ok, ${s.failed} failed, ${s.cancelled} cancelled, over ${s.durationS} s (stopped by ${s.stoppedBy}).`,
    `Percentiles: ${s.percentileMethod}. Latency statistics exclude failed requests; error rates count them.`,
    `Energy per request: ${s.energyMethod}.`,
    ...(s.notes ?? []).map((n) => `Note: ${n}`),
  ];
  for (const [name, rows] of Object.entries(s.tables)) lines.push('', `## ${name}`, '', tableMarkdown(rows).trimEnd());
  return lines.join('\n') + '\n';
}
