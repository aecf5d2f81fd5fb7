/**
 * summary.json / summary.md of a run: per pool, category, archetype (and sweep stage)
 * latency percentiles, throughput, goodput under the SLOs, error rate, cost, J/token,
 * quality and reward, and how well the load generator held its schedule (send lag,
 * offered vs achieved rate). Records stream through a SummaryBuilder one at a time
 * (summary-stats.ts keeps the totals and HDR histograms), so memory stays flat however
 * long the run; the tables are arquero tables.
 */
import * as aq from 'arquero';
import type { RequestResult } from '../types.ts';
import { newHistogram, percentileMs, recordMs, type Histogram } from '../histogram.ts';
import { GroupStats, LeafStats, type GroupKeys, type Slo } from './summary-stats.ts';

export { meetsSlo, type Slo } from './summary-stats.ts';

export type SummaryRow = Record<string, string | number | null>;

/** How the load generator kept to its schedule. */
export interface LoadSummary {
  /** Requests sent per second, first send to last send. */
  sentPerS: number;
  /** How late requests went out against their schedule (ms): open-loop arrivals, think times. */
  sendLagMs: { p50: number | null; p90: number | null; p99: number | null; max: number | null };
  /** Open loop: sessions the arrival process had due by the stop, and sessions started, per second of the run. */
  offeredPerS?: number;
  achievedPerS?: number;
  /** Open loop: sessions due by the stop that were never started (the generator was behind). */
  behindAtStop?: number;
}

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
  load?: LoadSummary;
  /** What the run's inputs and files reported: dataset rows dropped, a torn last line, ... */
  notes?: string[];
  tables: Record<string, SummaryRow[]>;
}

const PCTS = [50, 90, 99] as const;
/** A send lag p99 above this gets a note in the summary. */
const LATE_SEND_NOTE_MS = 250;
const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** One summary row over a group; latency statistics over successful requests only. */
function row(g: GroupStats, durationS: number): SummaryRow {
  const out: SummaryRow = {
    requests: g.requests,
    ok: g.ok,
    failed: g.failed,
    cancelled: g.cancelled,
    error_rate: round((g.failed + g.cancelled) / Math.max(1, g.requests), 4),
  };
  for (const name of ['ttft', 'itl', 'tpot', 'e2e'] as const)
    for (const p of PCTS) out[`${name}_p${p}_ms`] = percentileMs(g.latency[name], p);
  out.req_per_s = round(g.ok / durationS, 3);
  out.output_tok_per_s = round(g.okOutputTokens / durationS, 1);
  out.goodput_req_per_s = round(g.meetingSlo / durationS, 3);
  // Share of requests sent that met every SLO (failed ones count against it): what capacity searches hold to a target.
  out.goodput_share = g.requests ? round(g.meetingSlo / g.requests, 4) : null;
  out.cost_usd = round(g.costUsd, 6);
  out.cost_per_1k_req_usd = g.requests ? round((1000 * g.costUsd) / g.requests, 4) : null;
  out.j_per_output_token = g.energyTokens > 0 ? round(g.energyJ / g.energyTokens, 4) : null;
  out.quality = g.judged ? round(g.qualitySum / g.judged, 4) : null;
  out.judged = g.judged;
  out.reward = g.rewarded ? round(g.rewardSum / g.rewarded, 4) : null;
  return out;
}

export interface SummaryMeta {
  runId: string;
  experiment: string;
  slo: Slo;
  stoppedBy: string;
  energyMethod: string;
  /** Seconds the rates divide by (default: first send to last completion). */
  durationS?: number;
  /** Open-loop figures only the load loop knows (offered vs achieved). */
  load?: Pick<LoadSummary, 'offeredPerS' | 'achievedPerS' | 'behindAtStop'>;
  /** Router under test vs baselines: extra named tables (e.g. a policy comparison). */
  extraTables?: Record<string, SummaryRow[]>;
  notes?: string[];
}

/** Takes records one at a time; `build()` makes the summary; `destroy()` frees the histograms. */
export class SummaryBuilder {
  private readonly leaves = new LeafStats();
  private readonly sendLag: Histogram = newHistogram();
  private sendLagMax = -Infinity;
  private firstSentMs = Infinity;
  private lastSentMs = -Infinity;

  constructor(private readonly slo: Slo) {}

  /** Adds a record; returns its leaf (for `addEnergy`). */
  add(r: RequestResult): number {
    const lag = r.timing.sendLagMs;
    if (Number.isFinite(lag)) {
      recordMs(this.sendLag, Math.max(0, lag));
      this.sendLagMax = Math.max(this.sendLagMax, lag);
    }
    this.firstSentMs = Math.min(this.firstSentMs, r.timing.sentMs);
    this.lastSentMs = Math.max(this.lastSentMs, r.timing.sentMs);
    return this.leaves.add(r, this.slo);
  }

  /** A record's attributed energy (J), to the leaf `add` returned for it. */
  addEnergy(leaf: number, joules: number, outputTokens: number): void {
    this.leaves.leaves[leaf]!.stats.addEnergy(joules, outputTokens);
  }

  /** The pool a leaf belongs to. */
  leafKeys(leaf: number): GroupKeys {
    return this.leaves.leaves[leaf]!.keys;
  }

  build(meta: SummaryMeta): RunSummary {
    const overall = this.leaves.mergedBy(undefined).get('all') ?? new GroupStats();
    try {
      const durationS = meta.durationS ?? overall.spanS();
      const d = Math.max(durationS, 1e-9);
      const table = (key: keyof GroupKeys, ownSpan: boolean): SummaryRow[] => {
        const groups = this.leaves.mergedBy(key);
        try {
          const rows = [...groups].map(([name, g]) => ({
            [key]: name,
            ...row(g, ownSpan ? Math.max(g.spanS(), 1e-9) : d),
          }));
          return aq.from(rows).orderby(key).objects() as SummaryRow[];
        } finally {
          for (const g of groups.values()) g.destroy();
        }
      };
      const distinct = (key: keyof GroupKeys) => new Set(this.leaves.leaves.map((l) => l.keys[key])).size;
      const tables: Record<string, SummaryRow[]> = {
        overall: [{ scope: 'all', ...row(overall, d) }],
        pool: table('pool', false),
        category: table('category', false),
        archetype: table('archetype', false),
      };
      if (distinct('policy') > 1) tables.policy = table('policy', false);
      // Sweep stages follow each other in time: each one's rates divide by its own span.
      if (distinct('stage') > 1) tables.stage = table('stage', true);
      Object.assign(tables, meta.extraTables);
      const sendSpanS = (this.lastSentMs - this.firstSentMs) / 1000;
      const notes = [...(meta.notes ?? [])];
      const lagP99 = percentileMs(this.sendLag, 99);
      if (lagP99 !== null && lagP99 > LATE_SEND_NOTE_MS)
        notes.push(
          `send lag p99 ${lagP99} ms: requests went out that late against their schedule (the load generator, not the pools)`,
        );
      const load: LoadSummary = {
        sentPerS: overall.requests > 1 && sendSpanS > 0 ? round((overall.requests - 1) / sendSpanS, 3) : 0,
        sendLagMs: {
          p50: percentileMs(this.sendLag, 50),
          p90: percentileMs(this.sendLag, 90),
          p99: percentileMs(this.sendLag, 99),
          max: this.sendLag.totalCount === 0 ? null : round(this.sendLagMax, 2),
        },
        ...meta.load,
      };
      return {
        runId: meta.runId,
        experiment: meta.experiment,
        durationS: round(durationS, 3),
        sent: overall.requests,
        ok: overall.ok,
        failed: overall.failed,
        cancelled: overall.cancelled,
        stoppedBy: meta.stoppedBy,
        percentileMethod: 'HDR histogram (3 significant digits), value at or below which p% of samples fall',
        energyMethod: meta.energyMethod,
        load,
        ...(notes.length ? { notes } : {}),
        tables,
      };
    } finally {
      overall.destroy();
    }
  }

  destroy(): void {
    this.leaves.destroy();
    this.sendLag.destroy();
  }
}

export interface SummaryInput extends SummaryMeta {
  records: Iterable<RequestResult>;
  durationS: number;
}

/** A summary of records in memory (tests, small sets); a run streams through SummaryBuilder instead. */
export function summarise(input: SummaryInput): RunSummary {
  const b = new SummaryBuilder(input.slo);
  try {
    for (const r of input.records) {
      const leaf = b.add(r);
      if (r.energyJ !== undefined) b.addEnergy(leaf, r.energyJ, r.tokens.output);
    }
    return b.build(input);
  } finally {
    b.destroy();
  }
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
    ...(s.load ? [`Load: ${describeLoad(s.load)}.`] : []),
    ...(s.notes ?? []).map((n) => `Note: ${n}`),
  ];
  for (const [name, rows] of Object.entries(s.tables)) lines.push('', `## ${name}`, '', tableMarkdown(rows).trimEnd());
  return lines.join('\n') + '\n';
}

/** The load line of the summary and the run log: send rate, lag percentiles, offered vs achieved. */
export function describeLoad(l: LoadSummary): string {
  const lag = l.sendLagMs;
  const parts = [
    `${l.sentPerS} requests/s sent`,
    lag.p50 === null ? 'no send lag measured' : `send lag p50 ${lag.p50} ms, p99 ${lag.p99} ms, max ${lag.max} ms`,
  ];
  if (l.offeredPerS !== undefined && l.achievedPerS !== undefined)
    parts.push(`open loop: ${l.achievedPerS} sessions/s started of ${l.offeredPerS} offered`);
  if (l.behindAtStop) parts.push(`${l.behindAtStop} due sessions not started at the stop`);
  return parts.join('; ');
}
