/**
 * `wrp compare DIR...`: two or more runs, repeated-trial folders or evaluated policies
 * side by side, the first as the baseline. Tables give each metric in both, the difference
 * and its 95% interval (compare-runs.ts for runs; trial by trial for repeats sharing a
 * base seed; side by side for policies); the charts overlay the runs.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as aq from 'arquero';
import { meanInterval, momentsOf, welchDifference } from '../metrics/intervals.ts';
import type { RepeatResult } from '../trials/repeat.ts';
import type { Chart } from './charts/chart.ts';
import { costQualityPlane, type PlanePoint } from './charts/frontier.ts';
import { latencyCdf } from './charts/latency.ts';
import { categoryIntervals, type IntervalRow } from './charts/quality.ts';
import { throughputOverTime } from './charts/throughput.ts';
import {
  compareKind,
  compareRuns,
  loadComparedRun,
  type Comparison,
  type ComparedRun,
  type MetricRow,
} from './compare-runs.ts';
import type { ReportPage, Section } from './page.ts';
import { readEvalJson } from './policy-files.ts';
import { categoryRows, cdfRows, planeRows, rateRows } from './run-charts.ts';
import { readSummary } from './run-report.ts';
import { UsageError } from '../../core/errors.ts';

export interface CompareOutput {
  page: ReportPage;
  markdown: string;
  comparisons: Comparison[];
}

const COLUMNS = ['metric', 'baseline', 'other', 'difference', 'lower', 'upper', 'method', 'n'];

function labels(dirs: string[], names: string[]): string[] {
  const unique = new Set(names).size === names.length;
  return dirs.map((d, i) => (unique ? names[i]! : `${names[i]} (${basename(d)})`));
}

function comparisonMarkdown(c: Comparison): string {
  const f = (x: number | null) => (x === null ? '-' : Number(x.toPrecision(4)));
  const rows = c.rows.map((r) => ({
    ...r,
    baseline: f(r.baseline),
    other: f(r.other),
    difference: f(r.difference),
    lower: f(r.lower),
    upper: f(r.upper),
  }));
  return [`## ${c.other} vs ${c.baseline}`, '', `${c.pairing}.`, '', aq.from(rows).select(COLUMNS).toMarkdown()].join(
    '\n',
  );
}

async function compareRunDirs(dirs: string[]): Promise<CompareOutput> {
  const names = dirs.map((d) => loadName(d));
  const label = labels(dirs, names);
  const runs: ComparedRun[] = [];
  for (const [i, d] of dirs.entries()) runs.push(await loadComparedRun(d, label[i]!));
  const base = runs[0]!;
  const comparisons: Comparison[] = [];
  for (const r of runs.slice(1)) comparisons.push(await compareRuns(base, r));
  const charts: Chart[] = [
    latencyCdf(
      cdfRows(new Map(runs.map((r) => [r.label, r.digest.overall]))),
      'run',
      'Every pool of each run together: share of successful requests at or below each latency.',
    ),
  ];
  const rates = runs.map((r) => rateRows(r.digest, r.label));
  charts.push(
    throughputOverTime(
      rates.flatMap((x) => x.rates),
      rates.flatMap((x) => x.errors),
      Math.max(...rates.map((x) => x.bucketS)),
      true,
    ),
  );
  const categories: IntervalRow[] = runs.flatMap((r) => categoryRows(r.digest, () => r.label));
  if (categories.length)
    charts.push(
      categoryIntervals(
        categories,
        'run',
        'Per category (every pool together), mean with its 95% t interval, one color per run.',
      ),
    );
  const plane: PlanePoint[] = runs.flatMap((r) =>
    planeRows(r.digest, r.label).map((p) => ({ ...p, label: p.kind === r.label ? p.label : `${r.label}: ${p.label}` })),
  );
  if (plane.length >= 2)
    charts.push(
      costQualityPlane(plane, 'mean cost per request (USD)', "Each run's policies at their mean cost and quality."),
    );
  const sections: Section[] = comparisons.map((c) => ({
    heading: `${c.other} vs ${c.baseline}`,
    text: [`${c.pairing}. Difference = ${c.other} - ${c.baseline}; lower/upper: its 95% interval.`],
    tables: [{ rows: c.rows, columns: COLUMNS }],
  }));
  sections.push({ heading: 'Charts', charts });
  return {
    page: { title: `Compared: ${label.join(', ')}`, subtitle: dirs.join(' · '), sections },
    markdown: [`# Compared with ${base.label}`, '', ...comparisons.map(comparisonMarkdown)].join('\n\n') + '\n',
    comparisons,
  };
}

function loadName(dir: string): string {
  return readSummary(dir).experiment || basename(dir);
}

function compareRepeats(dirs: string[]): CompareOutput {
  const reps = dirs.map((d) => JSON.parse(readFileSync(join(d, 'repeat.json'), 'utf8')) as RepeatResult);
  const label = labels(
    dirs,
    reps.map((r) => r.experiment),
  );
  const base = reps[0]!;
  const comparisons: Comparison[] = reps.slice(1).map((r, j) => {
    const paired = r.baseSeed === base.baseSeed;
    const rows: MetricRow[] = [];
    for (const a of base.tables.overall ?? []) {
      const b = (r.tables.overall ?? []).find((x) => x.metric === a.metric);
      if (!b) continue;
      let i;
      if (paired) {
        const n = Math.min(a.values.length, b.values.length);
        i = meanInterval(momentsOf(Array.from({ length: n }, (_, k) => b.values[k]! - a.values[k]!)));
      } else i = welchDifference(momentsOf(a.values), momentsOf(b.values));
      rows.push({
        metric: a.metric,
        baseline: a.mean,
        other: b.mean,
        difference: b.mean - a.mean,
        lower: Number.isFinite(i.lower) ? i.lower : null,
        upper: Number.isFinite(i.upper) ? i.upper : null,
        method: paired ? 'paired t (trial by trial)' : 'Welch (across trials)',
        n: i.n,
      });
    }
    return {
      baseline: label[0]!,
      other: label[j + 1]!,
      paired,
      pairing: paired
        ? `same base seed (${base.baseSeed}): trial i paired with trial i`
        : `base seeds differ (${base.baseSeed} vs ${r.baseSeed}): trials compared as independent samples`,
      rows,
    };
  });
  const diffs: IntervalRow[] = comparisons.flatMap((c) =>
    c.rows.map((r) => ({
      category: c.other,
      group: c.other,
      metric: r.metric,
      mean: r.difference,
      lower: r.lower,
      upper: r.upper,
      n: r.n,
    })),
  );
  const sections: Section[] = comparisons.map((c) => ({
    heading: `${c.other} vs ${c.baseline}`,
    text: [
      `${c.pairing}. Overall metrics: mean across trials; difference = ${c.other} - ${c.baseline} with its 95% interval.`,
    ],
    tables: [{ rows: c.rows, columns: COLUMNS }],
  }));
  sections.push({
    heading: 'Differences',
    charts: [
      categoryIntervals(
        diffs,
        'compared with the baseline',
        `Each overall metric's difference from ${label[0]} with its 95% interval.`,
        { title: `Differences from ${label[0]}`, xTitle: 'compared run', columns: 4 },
      ),
    ],
  });
  return {
    page: { title: `Compared: ${label.join(', ')}`, subtitle: dirs.join(' · '), sections },
    markdown: [`# Compared with ${label[0]}`, '', ...comparisons.map(comparisonMarkdown)].join('\n\n') + '\n',
    comparisons,
  };
}

function comparePolicies(dirs: string[]): CompareOutput {
  const evals = dirs.map((d) => readEvalJson(d)!);
  const label = labels(
    dirs,
    evals.map((e) => e.learner),
  );
  const rows = evals.map((e, i) => ({
    policy: label[i],
    data: e.data,
    n: e.n,
    quality: e.quality?.estimate,
    quality_lower: e.quality?.lower,
    quality_upper: e.quality?.upper,
    ips_reward: e.ips?.estimate,
    ips_lower: e.ips?.lower,
    ips_upper: e.ips?.upper,
    mean_cost: e.meanCost,
    reward: e.reward,
    regret: e.regret,
    apgr: e.twoModel?.apgr,
  }));
  const plane: PlanePoint[] = evals.flatMap((e, i) =>
    e.quality && e.meanCost !== undefined
      ? [{ label: label[i]!, kind: 'policy', cost: e.meanCost, quality: e.quality.estimate }]
      : [],
  );
  for (const m of evals[0]?.references?.singleModels ?? [])
    if (m.cost !== undefined) plane.push({ label: m.model, kind: 'single model', cost: m.cost, quality: m.quality });
  const sameData = new Set(evals.map((e) => e.data)).size === 1;
  const sections: Section[] = [
    {
      heading: 'Policies',
      text: [
        sameData
          ? `All evaluated on ${evals[0]!.data}. Quality with its 95% bootstrap interval; for logged runs the IPS estimate of reward.`
          : 'Evaluated on different data: the figures are not comparable row by row.',
      ],
      tables: [{ rows }],
      charts:
        plane.length >= 2
          ? [
              costQualityPlane(
                plane,
                'mean cost per request (USD)',
                'Each policy and, from the first evaluation, every single model.',
              ),
            ]
          : [],
    },
  ];
  return {
    page: { title: `Compared: ${label.join(', ')}`, subtitle: dirs.join(' · '), sections },
    markdown: `# Policies compared\n\n${aq.from(rows).toMarkdown()}\n`,
    comparisons: [],
  };
}

export async function buildComparison(dirs: string[]): Promise<CompareOutput> {
  if (dirs.length < 2) throw new UsageError(`expected two or more folders to compare, got ${dirs.length}`);
  const kinds = dirs.map(compareKind);
  const bad = dirs.findIndex((_, i) => kinds[i] === undefined);
  if (bad >= 0)
    throw new UsageError(
      `${dirs[bad]}: expected a run folder (config.resolved.yaml), a repeat folder (repeat.json) or an evaluated policy (eval.json)`,
    );
  if (new Set(kinds).size > 1)
    throw new UsageError(`expected folders of one kind (runs, repeats or policies), got ${kinds.join(', ')}`);
  if (kinds[0] === 'run') return compareRunDirs(dirs);
  if (kinds[0] === 'repeat') return compareRepeats(dirs);
  return comparePolicies(dirs);
}
