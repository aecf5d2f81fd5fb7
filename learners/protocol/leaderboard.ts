/**
 * From run records to the leaderboard (PROTOCOL.md "Leaderboard"): per scenario and learner,
 * the mean and 95% t interval across seeds of reward, quality, cost, cumulative regret and,
 * with two pools, cost-APGR; the paired difference in reward to the static rule and to the
 * scenario's leader (same seeds on both sides); and, in scenarios with background load, the
 * pool-aware verdict (records with `backgroundLoad`). Rows of a scenario are ranked by mean reward; a learner whose paired
 * difference to the leader has an interval containing 0 is marked as tied with it.
 */
import type { RunRecord } from './run.ts';
import { pairedInterval, tInterval, type Interval } from './stats.ts';

export const METRICS = [
  'reward',
  'quality',
  'costUsd',
  'regret',
  'costApgr',
  'sloViolationShare',
  'switchShare',
] as const;
export type Metric = (typeof METRICS)[number];

export interface BoardRow {
  learner: string;
  kind: 'baseline' | 'learner';
  poolAware: boolean;
  seeds: number;
  metrics: Partial<Record<Metric, Interval>>;
  /** Paired reward difference to the static rule, and to the scenario's leader. */
  vsStatic?: Interval;
  vsLeader?: Interval;
  rank: number;
}

export interface PoolAwareVerdict {
  /** True when some pool-aware learner's paired reward difference to every pool-blind learner has a 95% interval above 0. */
  shown: boolean;
  best: string;
  /** Its paired difference to each pool-blind learner. */
  against: { learner: string; diff: Interval }[];
  text: string;
}

export interface ScenarioBoard {
  scenario: string;
  rows: BoardRow[];
  poolAware?: PoolAwareVerdict;
}

/** Per-seed values of one metric, keyed by seed (runs without it are left out). */
function bySeed(runs: RunRecord[], metric: Metric): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of runs) {
    const v = r[metric];
    if (v !== undefined && Number.isFinite(v)) m.set(r.seed, v);
  }
  return m;
}

/** Paired interval of a - b over the seeds both have. */
function paired(a: RunRecord[], b: RunRecord[], metric: Metric = 'reward'): Interval | undefined {
  const x = bySeed(a, metric);
  const y = bySeed(b, metric);
  const seeds = [...x.keys()].filter((s) => y.has(s));
  if (seeds.length === 0) return undefined;
  return pairedInterval(
    seeds.map((s) => x.get(s)!),
    seeds.map((s) => y.get(s)!),
  );
}

const fmt = (x: number, d = 4) => (Number.isFinite(x) ? x.toFixed(d) : '-');

function verdict(byLearner: Map<string, RunRecord[]>): PoolAwareVerdict | undefined {
  const aware = [...byLearner].filter(([, r]) => r[0]!.poolAware);
  const blind = [...byLearner].filter(([, r]) => !r[0]!.poolAware && r[0]!.kind === 'learner');
  if (aware.length === 0 || blind.length === 0) return undefined;
  const scored = aware.map(([name, runs]) => {
    const against = blind.map(([b, br]) => ({ learner: b, diff: paired(runs, br)! }));
    return { name, against, worst: Math.min(...against.map((a) => a.diff.lower)) };
  });
  const best = scored.sort((a, b) => b.worst - a.worst)[0]!;
  const shown = best.worst > 0;
  const closest = [...best.against].sort((a, b) => a.diff.mean - b.diff.mean)[0]!;
  const text = shown
    ? `pool-aware routing shown: ${best.name} beats every pool-blind learner on reward; its smallest margin is ${fmt(closest.diff.mean)} [95% CI ${fmt(closest.diff.lower)}, ${fmt(closest.diff.upper)}] over ${closest.learner}`
    : `pool-aware routing NOT shown: the best pool-aware learner, ${best.name}, does not beat every pool-blind learner by more than the interval; against ${closest.learner} its reward difference is ${fmt(closest.diff.mean)} [95% CI ${fmt(closest.diff.lower)}, ${fmt(closest.diff.upper)}]`;
  return { shown, best: best.name, against: best.against, text };
}

export function buildBoards(records: RunRecord[]): ScenarioBoard[] {
  const scenarios = [...new Set(records.map((r) => r.scenario))];
  return scenarios.map((scenario) => {
    const byLearner = new Map<string, RunRecord[]>();
    for (const r of records)
      if (r.scenario === scenario) byLearner.set(r.learner, [...(byLearner.get(r.learner) ?? []), r]);
    const mean = (runs: RunRecord[]) => tInterval(runs.map((r) => r.reward)).mean;
    const ranked = [...byLearner].sort((a, b) => mean(b[1]) - mean(a[1]));
    const leader = ranked[0]![1];
    const stat = byLearner.get('static');
    const rows: BoardRow[] = ranked.map(([learner, runs], i) => {
      const metrics: BoardRow['metrics'] = {};
      for (const m of METRICS) {
        const v = [...bySeed(runs, m).values()];
        if (v.length > 0) metrics[m] = tInterval(v);
      }
      const row: BoardRow = {
        learner,
        kind: runs[0]!.kind,
        poolAware: runs[0]!.poolAware,
        seeds: runs.length,
        metrics,
        rank: i + 1,
      };
      if (stat && learner !== 'static') row.vsStatic = paired(runs, stat);
      if (i > 0) row.vsLeader = paired(runs, leader);
      return row;
    });
    const board: ScenarioBoard = { scenario, rows };
    if (leader[0]!.backgroundLoad) {
      const v = verdict(byLearner);
      if (v) board.poolAware = v;
    }
    return board;
  });
}

const ci = (i: Interval | undefined, d = 4) =>
  i === undefined ? '-' : Number.isNaN(i.halfWidth) ? fmt(i.mean, d) : `${fmt(i.mean, d)} ± ${fmt(i.halfWidth, d)}`;
const usd = (i: Interval | undefined) =>
  i === undefined ? '-' : `${(i.mean * 1e6).toFixed(1)} ± ${(i.halfWidth * 1e6).toFixed(1)}`;
const signed = (i: Interval | undefined) =>
  i === undefined
    ? '-'
    : `${i.mean >= 0 ? '+' : ''}${fmt(i.mean)} [${fmt(i.lower)}, ${fmt(i.upper)}]${i.lower > 0 ? ' ▲' : i.upper < 0 ? ' ▼' : ''}`;

/** One scenario's table (markdown). */
export function boardMarkdown(b: ScenarioBoard): string {
  const hasApgr = b.rows.some((r) => r.metrics.costApgr);
  const hasSwitch = b.rows.some((r) => r.metrics.switchShare);
  const hasSlo = b.rows.some((r) => (r.metrics.sloViolationShare?.mean ?? 0) > 0);
  const head = [
    '#',
    'learner',
    'reward',
    'quality',
    'µUSD/req',
    'regret',
    ...(hasApgr ? ['cost-APGR'] : []),
    ...(hasSlo ? ['SLO miss'] : []),
    ...(hasSwitch ? ['switches'] : []),
    'Δ reward vs static [95% CI]',
    'tied with #1',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of b.rows) {
    const m = r.metrics;
    const name = `${r.learner}${r.kind === 'baseline' ? ' (baseline)' : ''}${r.poolAware ? ' (pool-aware)' : ''}`;
    const tied = r.rank === 1 ? 'leader' : r.vsLeader && r.vsLeader.upper >= 0 ? 'yes' : 'no';
    lines.push(
      `| ${[
        r.rank,
        name,
        ci(m.reward),
        ci(m.quality, 3),
        usd(m.costUsd),
        ci(m.regret, 1),
        ...(hasApgr ? [ci(m.costApgr, 3)] : []),
        ...(hasSlo ? [ci(m.sloViolationShare, 3)] : []),
        ...(hasSwitch ? [ci(m.switchShare, 3)] : []),
        r.learner === 'static' ? '(reference)' : signed(r.vsStatic),
        tied,
      ].join(' | ')} |`,
    );
  }
  const seeds = Math.max(...b.rows.map((r) => r.seeds));
  const out = [`### ${b.scenario}`, '', `${seeds} paired seeds; mean ± 95% t-interval half width.`, '', ...lines];
  if (b.poolAware) out.push('', `**${b.poolAware.text}.**`);
  return out.join('\n');
}

/** Across scenarios: each learner's mean rank and how often it beats / loses to the static rule (paired interval excluding 0). */
export function overallMarkdown(boards: ScenarioBoard[]): string {
  const learners = [...new Set(boards.flatMap((b) => b.rows.map((r) => r.learner)))];
  const rows = learners.map((l) => {
    const mine = boards.flatMap((b) => b.rows.filter((r) => r.learner === l));
    const rank = mine.reduce((a, r) => a + r.rank, 0) / mine.length;
    const better = mine.filter((r) => r.vsStatic && r.vsStatic.lower > 0).length;
    const worse = mine.filter((r) => r.vsStatic && r.vsStatic.upper < 0).length;
    const leads = mine.filter((r) => r.rank === 1 || (r.vsLeader && r.vsLeader.upper >= 0)).length;
    return { l, rank, better, worse, leads, n: mine.length, kind: mine[0]!.kind };
  });
  rows.sort((a, b) => a.rank - b.rank);
  const lines = [
    '| learner | mean rank | scenarios | tied with or leading #1 | beats static ▲ | loses to static ▼ |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.l}${r.kind === 'baseline' ? ' (baseline)' : ''} | ${r.rank.toFixed(2)} | ${r.n} | ${r.leads} | ${r.l === 'static' ? '-' : r.better} | ${r.l === 'static' ? '-' : r.worse} |`,
    ),
  ];
  return ['## Leaderboard (all scenarios, ranked by reward)', '', ...lines].join('\n');
}
