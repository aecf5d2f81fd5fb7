/**
 * Quality, cost and reward per category and group (pool, policy or run), each a mean with
 * its 95% confidence interval (t interval over the group's requests).
 */
import type { TopLevelSpec } from 'vega-lite';
import { finite, type Chart } from './chart.ts';

export interface IntervalRow {
  category: string;
  group: string;
  metric: string;
  mean: number | null;
  lower: number | null;
  upper: number | null;
  n: number;
}

/** Rows in this order, whatever order the data come in. */
export const METRIC_ORDER = ['quality', 'cost per request (USD)', 'reward'];

export interface IntervalLayout {
  /** Chart title (default: quality, cost and reward per category and group). */
  title?: string;
  /** What the x axis holds (default: category). */
  xTitle?: string;
  /** Small panels wrapped this many to a row, instead of one wide panel per metric. */
  columns?: number;
}

export function categoryIntervals(
  rows: IntervalRow[],
  groupTitle: string,
  caption: string,
  layout: IntervalLayout = {},
): Chart {
  const values = rows
    .filter((r) => finite(r.mean) !== null)
    .map((r) => ({ ...r, lower: finite(r.lower) ?? r.mean, upper: finite(r.upper) ?? r.mean }));
  const present = new Set(values.map((r) => r.metric));
  const metrics = [
    ...METRIC_ORDER.filter((m) => present.has(m)),
    ...[...present].filter((m) => !METRIC_ORDER.includes(m)),
  ];
  const spec: TopLevelSpec = {
    data: { values },
    ...(layout.columns
      ? { facet: { field: 'metric', type: 'nominal', title: null, sort: metrics }, columns: layout.columns }
      : { facet: { row: { field: 'metric', type: 'nominal', title: null, sort: metrics } } }),
    spec: {
      width: layout.columns ? 200 : 720,
      height: layout.columns ? 120 : 150,
      layer: [
        {
          mark: { type: 'errorbar', ticks: true },
          encoding: {
            x: {
              field: 'category',
              type: 'nominal',
              title: layout.xTitle ?? 'category',
              axis: { labelAngle: layout.columns ? 0 : -30 },
            },
            xOffset: { field: 'group', type: 'nominal' },
            y: { field: 'lower', type: 'quantitative', title: null, scale: { zero: false } },
            y2: { field: 'upper' },
            color: { field: 'group', type: 'nominal', title: groupTitle },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 40 },
          encoding: {
            x: { field: 'category', type: 'nominal' },
            xOffset: { field: 'group', type: 'nominal' },
            y: { field: 'mean', type: 'quantitative' },
            color: { field: 'group', type: 'nominal', title: groupTitle },
            tooltip: [
              { field: 'category' },
              { field: 'group', title: groupTitle },
              { field: 'metric' },
              { field: 'mean', format: '.4f' },
              { field: 'lower', title: '95% CI low', format: '.4f' },
              { field: 'upper', title: '95% CI high', format: '.4f' },
              { field: 'n', title: 'requests' },
            ],
          },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
  return { title: layout.title ?? `Quality, cost and reward per category and ${groupTitle}`, caption, spec };
}
