/**
 * The report of repeated trials (repeat.json): every metric as the mean across trials
 * with its 95% t interval, per table (overall, pool, policy, stage), each trial's value a
 * dot beside it so the spread is visible.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { pivot, REPEAT_METRICS, trialSeed, type AggregateRow, type RepeatResult } from '../trials/repeat.ts';
import type { Chart } from './charts/chart.ts';
import type { ReportPage, Section } from './page.ts';

function trialsChart(name: string, rows: AggregateRow[], trials: number): Chart {
  const metrics = REPEAT_METRICS.filter((m) => rows.some((r) => r.metric === m));
  const dots = rows.flatMap((r) => r.values.map((v, i) => ({ key: r.key, metric: r.metric, value: v, trial: i + 1 })));
  // One dataset (a facet partitions only the data it is given): aggregate rows and each trial's value.
  const means = rows.map((r) => ({
    key: r.key,
    metric: r.metric,
    mean: r.mean,
    lower: Number.isFinite(r.lower) ? r.lower : r.mean,
    upper: Number.isFinite(r.upper) ? r.upper : r.mean,
  }));
  const spec: TopLevelSpec = {
    data: { values: [...means, ...dots] },
    facet: { field: 'metric', type: 'nominal', title: null, sort: metrics },
    columns: 4,
    spec: {
      width: 200,
      height: 130,
      layer: [
        {
          transform: [{ filter: 'isValid(datum.value)' }],
          mark: { type: 'point', color: '#888', size: 30, xOffset: 14 },
          encoding: {
            x: { field: 'key', type: 'nominal', title: null, axis: { labelAngle: 0 } },
            y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
            tooltip: [{ field: 'key' }, { field: 'trial' }, { field: 'value', format: '.4f' }],
          },
        },
        {
          transform: [{ filter: 'isValid(datum.mean)' }],
          mark: { type: 'errorbar', ticks: true, color: '#4c78a8' },
          encoding: {
            x: { field: 'key', type: 'nominal' },
            y: { field: 'lower', type: 'quantitative' },
            y2: { field: 'upper' },
          },
        },
        {
          transform: [{ filter: 'isValid(datum.mean)' }],
          mark: { type: 'point', filled: true, color: '#4c78a8' },
          encoding: {
            x: { field: 'key', type: 'nominal' },
            y: { field: 'mean', type: 'quantitative' },
            tooltip: [
              { field: 'key' },
              { field: 'metric' },
              { field: 'mean', format: '.4f' },
              { field: 'lower', format: '.4f' },
              { field: 'upper', format: '.4f' },
            ],
          },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
  return {
    title: `${name}: mean across ${trials} trials`,
    caption: 'Blue: the mean with its 95% t interval across trials; grey circles: each trial.',
    spec,
  };
}

export function repeatReport(dir: string): ReportPage {
  const r = JSON.parse(readFileSync(join(dir, 'repeat.json'), 'utf8')) as RepeatResult;
  const sections: Section[] = [
    {
      heading: 'Trials',
      text: [
        `${r.trials.length} runs of ${r.experiment}, trial i with seed ${r.baseSeed} + i - 1 (${r.baseSeed}..${trialSeed(r.baseSeed, r.trials.length)}): trial i of another experiment with the same base seed sees the same sessions, so the two pair trial by trial (wrp compare).`,
      ],
      tables: [{ rows: r.trials.map((t) => ({ ...t, runDir: relative(dir, t.runDir) })) }],
    },
  ];
  for (const [name, rows] of Object.entries(r.tables)) {
    const table = pivot(rows);
    sections.push({
      heading: name,
      tables: [
        {
          title: 'mean [95% interval] across trials',
          rows: table,
          columns: ['group', ...REPEAT_METRICS.filter((m) => table.some((t) => m in t))],
        },
      ],
      charts: [trialsChart(name, rows, r.trials.length)],
    });
  }
  return { title: `${r.experiment}: ${r.trials.length} trials`, subtitle: dir, sections };
}
