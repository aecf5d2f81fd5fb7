/**
 * Throughput and goodput over the run's time, one line each (per series in a comparison),
 * with failed requests below as bars per error class at the time they ended.
 */
import type { TopLevelSpec } from 'vega-lite';
import { WIDE, type Chart, type Panel } from './chart.ts';

export interface RatePoint {
  /** Seconds from the run's start (the bucket's start). */
  t: number;
  series: string;
  /** `throughput (ok)` or `goodput (met every SLO)`. */
  kind: string;
  rps: number;
}

export interface ErrorPoint {
  t: number;
  series: string;
  errorClass: string;
  count: number;
}

export function throughputOverTime(rates: RatePoint[], errors: ErrorPoint[], bucketS: number, compare: boolean): Chart {
  const end = Math.max(bucketS, ...rates.map((r) => r.t), ...errors.map((e) => e.t + bucketS));
  const top: Panel = {
    ...WIDE,
    data: { values: rates },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'seconds since the run started', scale: { domain: [0, end] } },
      y: { field: 'rps', type: 'quantitative', title: 'requests/s' },
      color: compare
        ? { field: 'series', type: 'nominal', title: null }
        : { field: 'kind', type: 'nominal', title: null, scale: { range: ['#54a24b', '#4c78a8'] } },
      ...(compare ? { strokeDash: { field: 'kind', type: 'nominal', title: null } } : {}),
      tooltip: [{ field: 'series' }, { field: 'kind' }, { field: 't', title: 's' }, { field: 'rps', format: '.2f' }],
    },
  };
  const panels: Panel[] = [top];
  if (errors.length > 0)
    panels.push({
      width: WIDE.width,
      height: 90,
      title: { text: 'failed requests by error class', fontSize: 11, anchor: 'start' },
      data: { values: errors.map((e) => ({ ...e, t2: e.t + bucketS })) },
      mark: { type: 'bar' },
      encoding: {
        // The rates' time axis, so a failure sits under the throughput it interrupted.
        x: {
          field: 't',
          type: 'quantitative',
          bin: { binned: true },
          title: 'seconds since the run started',
          scale: { domain: [0, end] },
        },
        x2: { field: 't2' },
        y: { field: 'count', type: 'quantitative', title: 'failed', stack: true },
        color: { field: 'errorClass', type: 'nominal', title: 'error class', scale: { scheme: 'reds' } },
        ...(compare ? { row: { field: 'series', type: 'nominal', title: null } } : {}),
        tooltip: [{ field: 'series' }, { field: 'errorClass' }, { field: 't', title: 's' }, { field: 'count' }],
      },
    });
  const spec: TopLevelSpec = { vconcat: panels, resolve: { scale: { color: 'independent' } } };
  return {
    title: 'Throughput and goodput over time',
    caption: `Requests that completed in each ${Number(bucketS.toPrecision(3))} s bucket, per second: throughput counts successful requests, goodput those that met every SLO.${errors.length ? ' Below: failed and cancelled requests by error class.' : ' No request failed.'}`,
    spec,
  };
}
