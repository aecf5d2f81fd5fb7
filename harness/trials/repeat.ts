/**
 * Repeated trials (`wrp run --repeat N`): the experiment run N times, trial i with seed
 * `seed + i - 1`, so trial i of two experiments that share a base seed sees the same
 * sessions at the same times (paired trials: `wrp compare` pairs them). Each trial is a
 * whole run (runExperiment) in its own folder; the summary gives every metric of the
 * overall, per-pool, per-policy and per-stage tables as the mean across trials with its
 * 95% t interval (harness/metrics/intervals.ts), clipped to the metric's range.
 *
 * Writes repeat.json and summary.md in the repeat folder.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { meanInterval, momentsOf } from '../metrics/intervals.ts';
import type { ExperimentConfig } from '../runner/config.ts';
import { makeRunDir, newRunId } from '../runner/results-writer.ts';
import { runExperiment } from '../runner/runner.ts';
import type { RunSummary } from '../runner/summary.ts';
import type { PolicyFactory } from '../router/policies.ts';
import { UsageError } from '../../core/errors.ts';

export interface RepeatOptions {
  config: ExperimentConfig;
  configFile: string;
  policies: Record<string, PolicyFactory>;
  outRoot?: string;
  trials: number;
  log: (line: string) => void;
  /** Called after each trial (e.g. to write its report). */
  onTrial?: (t: RepeatTrial) => Promise<void>;
}

export interface RepeatTrial {
  trial: number;
  seed: number;
  runDir: string;
  stoppedBy: string;
}

export interface AggregateRow {
  /** The row's group: `all`, a pool, a policy or a stage. */
  key: string;
  metric: string;
  mean: number;
  lower: number;
  upper: number;
  /** Trials that had the value. */
  n: number;
  values: number[];
}

export interface RepeatResult {
  experiment: string;
  baseSeed: number;
  trials: RepeatTrial[];
  /** Table name (overall, pool, policy, stage) -> one row per group and metric. */
  tables: Record<string, AggregateRow[]>;
}

/** The metrics aggregated across trials. */
export const REPEAT_METRICS = [
  'ttft_p50_ms',
  'ttft_p99_ms',
  'tpot_p50_ms',
  'e2e_p99_ms',
  'req_per_s',
  'goodput_req_per_s',
  'goodput_share',
  'error_rate',
  'cost_per_1k_req_usd',
  'j_per_output_token',
  'quality',
  'reward',
];

const TABLES = ['overall', 'pool', 'policy', 'stage'];
const UNIT_METRICS = new Set(['goodput_share', 'error_rate', 'quality', 'reward']);

export const trialSeed = (baseSeed: number, trial: number) => baseSeed + trial - 1;

export function aggregateSummaries(summaries: RunSummary[]): Record<string, AggregateRow[]> {
  const out: Record<string, AggregateRow[]> = {};
  for (const table of TABLES) {
    const values = new Map<string, number[]>();
    const keys: string[] = [];
    for (const s of summaries)
      for (const row of s.tables[table] ?? []) {
        const key = String(Object.values(row)[0]);
        if (!keys.includes(key)) keys.push(key);
        for (const metric of REPEAT_METRICS) {
          const v = row[metric];
          if (typeof v !== 'number' || !Number.isFinite(v)) continue;
          const k = `${key}\u0000${metric}`;
          const list = values.get(k) ?? [];
          list.push(v);
          values.set(k, list);
        }
      }
    const rows: AggregateRow[] = [];
    for (const key of keys)
      for (const metric of REPEAT_METRICS) {
        const vs = values.get(`${key}\u0000${metric}`);
        if (!vs) continue;
        const i = meanInterval(momentsOf(vs));
        // Few trials give wide t intervals: clipped to the metric's range (all >= 0; shares and scores <= 1).
        const hi = UNIT_METRICS.has(metric) ? 1 : Infinity;
        const clip = (x: number) => (Number.isNaN(x) ? x : Math.min(hi, Math.max(0, x)));
        rows.push({
          key,
          metric,
          mean: i.estimate,
          lower: clip(i.lower),
          upper: clip(i.upper),
          n: vs.length,
          values: vs,
        });
      }
    if (rows.length) out[table] = rows;
  }
  return out;
}

export async function runRepeated(o: RepeatOptions): Promise<{ dir: string; result: RepeatResult }> {
  if (!(Number.isInteger(o.trials) && o.trials >= 2))
    throw new UsageError(`--repeat: expected an integer >= 2 trials, got ${o.trials}`);
  const dir = makeRunDir(o.outRoot ?? o.config.output.dir, `${o.config.name}-repeat`, newRunId());
  o.log(
    `repeat ${o.config.name} ${o.trials} times -> ${dir} (seeds ${o.config.seed}..${trialSeed(o.config.seed, o.trials)})`,
  );
  const trials: RepeatTrial[] = [];
  const summaries: RunSummary[] = [];
  for (let i = 1; i <= o.trials; i++) {
    const config: ExperimentConfig = structuredClone(o.config);
    config.name = `trial-${String(i).padStart(2, '0')}`;
    config.seed = trialSeed(o.config.seed, i);
    const outcome = await runExperiment({
      config,
      configFile: o.configFile,
      policies: o.policies,
      outRoot: dir,
      progress: false,
      log: () => {},
    });
    const t = { trial: i, seed: config.seed, runDir: outcome.runDir, stoppedBy: outcome.summary.stoppedBy };
    trials.push(t);
    summaries.push(outcome.summary);
    o.log(`  trial ${i} (seed ${config.seed}): ${outcome.summary.sent} requests, stopped by ${t.stoppedBy}`);
    await o.onTrial?.(t);
  }
  const result: RepeatResult = {
    experiment: o.config.name,
    baseSeed: o.config.seed,
    trials,
    tables: aggregateSummaries(summaries),
  };
  writeFileSync(join(dir, 'repeat.json'), JSON.stringify(result, null, 2) + '\n');
  writeFileSync(join(dir, 'summary.md'), repeatMarkdown(result));
  return { dir, result };
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : Number(x.toPrecision(4)).toString());

/** "mean [lower, upper]" (no interval from a single trial). */
export function withInterval(r: Pick<AggregateRow, 'mean' | 'lower' | 'upper'>): string {
  return Number.isFinite(r.lower) ? `${fmt(r.mean)} [${fmt(r.lower)}, ${fmt(r.upper)}]` : fmt(r.mean);
}

/** One row per group, one column per metric: the table the CLI prints and summary.md holds. */
export function pivot(rows: AggregateRow[]): Record<string, string>[] {
  const byKey = new Map<string, Record<string, string>>();
  for (const r of rows) {
    const row = byKey.get(r.key) ?? { group: r.key };
    row[r.metric] = withInterval(r);
    byKey.set(r.key, row);
  }
  return [...byKey.values()];
}

export function repeatMarkdown(r: RepeatResult): string {
  const lines = [
    `# ${r.experiment}: ${r.trials.length} trials`,
    '',
    `Seeds ${r.baseSeed}..${trialSeed(r.baseSeed, r.trials.length)} (trial i: seed + i - 1). Each cell: mean across trials [95% t interval].`,
  ];
  for (const [name, rows] of Object.entries(r.tables)) {
    const table = pivot(rows);
    const cols = ['group', ...REPEAT_METRICS.filter((m) => table.some((t) => m in t))];
    lines.push('', `## ${name}`, '', `|${cols.join('|')}|`, `|${cols.map(() => '-').join('|')}|`);
    for (const t of table) lines.push(`|${cols.map((c) => t[c] ?? '-').join('|')}|`);
  }
  return lines.join('\n') + '\n';
}
