/**
 * Latency charts: cumulative distributions of TTFT, ITL and E2E per series (a pool, or a
 * run in a comparison), and for sweeps p50/p99 TTFT and TPOT against offered load with
 * the SLO lines and the goodput knee marked.
 */
import type { TopLevelSpec } from 'vega-lite';
import { finite, PANEL, type Chart, type Layer, type Panel } from './chart.ts';

/** Panels of the three-across load curves. */
const SMALL = { width: 250, height: 200 } as const;

export interface CdfPoint {
  /** Pool, or run in a comparison. */
  series: string;
  metric: string;
  ms: number;
  /** Percent of samples at or below `ms`. */
  pct: number;
}

/** One panel per metric (independent x, log scale), one step line per series. */
export function latencyCdf(points: CdfPoint[], seriesTitle: string, caption?: string): Chart {
  const spec: TopLevelSpec = {
    data: { values: points.filter((p) => p.ms > 0) },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: ['TTFT', 'ITL', 'TPOT', 'E2E'] } },
    spec: {
      ...PANEL,
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.6 },
      encoding: {
        x: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms (log scale)' },
        y: { field: 'pct', type: 'quantitative', title: '% of requests at or below', scale: { domain: [0, 100] } },
        color: { field: 'series', type: 'nominal', title: seriesTitle },
        tooltip: [
          { field: 'series', title: seriesTitle },
          { field: 'metric' },
          { field: 'pct', title: 'percentile' },
          { field: 'ms', format: '.1f' },
        ],
      },
    },
    resolve: { scale: { x: 'independent' } },
  };
  return { title: 'Latency distributions', caption, spec };
}

export interface LoadPoint {
  /** Offered load (sessions started per second in the stage) on the x axis. */
  offered: number;
  stage: string;
  metric: 'TTFT' | 'TPOT';
  percentile: 'p50' | 'p99';
  ms: number | null;
}

export interface GoodputPoint {
  offered: number;
  stage: string;
  goodput: number;
  throughput: number;
}

function latencyPanel(
  metric: 'TTFT' | 'TPOT',
  points: LoadPoint[],
  sloMs: number | undefined,
  kneeAt: number | undefined,
): Panel {
  const layers: Layer[] = [
    {
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'offered', type: 'quantitative', title: 'offered load (sessions/s)' },
        y: { field: 'ms', type: 'quantitative', title: `${metric} (ms, log scale)`, scale: { type: 'log' } },
        color: {
          field: 'percentile',
          type: 'nominal',
          title: null,
          scale: { domain: ['p50', 'p99'], range: ['#4c78a8', '#e45756'] },
          legend: { orient: 'bottom', direction: 'horizontal' },
        },
        tooltip: [{ field: 'stage' }, { field: 'percentile' }, { field: 'ms', format: '.1f' }],
      },
    },
  ];
  if (sloMs !== undefined)
    layers.push({
      data: { values: [{ y: sloMs, label: `SLO ${sloMs} ms` }] },
      layer: [
        {
          mark: { type: 'rule', strokeDash: [6, 3], color: '#222' },
          encoding: { y: { field: 'y', type: 'quantitative' } },
        },
        {
          mark: { type: 'text', align: 'right', dx: -3, dy: -6, color: '#222' },
          encoding: { y: { field: 'y', type: 'quantitative' }, x: { value: SMALL.width }, text: { field: 'label' } },
        },
      ],
    });
  if (kneeAt !== undefined) layers.push(kneeRule(kneeAt));
  return {
    ...SMALL,
    title: `${metric} vs offered load`,
    data: { values: points.filter((p) => p.metric === metric && finite(p.ms) !== null) },
    layer: layers,
  };
}

function kneeRule(x: number): Layer {
  return {
    data: { values: [{ x, label: 'goodput knee' }] },
    layer: [
      {
        mark: { type: 'rule', color: '#54a24b', strokeWidth: 2 },
        encoding: { x: { field: 'x', type: 'quantitative' } },
      },
      {
        mark: { type: 'text', align: 'right', dx: -4, baseline: 'top', color: '#54a24b' },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { value: 4 }, text: { field: 'label' } },
      },
    ],
  };
}

/**
 * p50/p99 TTFT and TPOT against offered load, and goodput against offered load; the SLO
 * lines dashed, the knee (the stage of highest goodput) a green rule on every panel.
 */
export function loadCurves(
  points: LoadPoint[],
  goodput: GoodputPoint[],
  slo: { ttft_ms?: number; tpot_ms?: number },
  kneeAt: number | undefined,
): Chart {
  const goodputPanel: Panel = {
    ...SMALL,
    title: 'Throughput and goodput vs offered load',
    data: {
      values: goodput.flatMap((g) => [
        { offered: g.offered, stage: g.stage, series: 'throughput (ok)', rps: g.throughput },
        { offered: g.offered, stage: g.stage, series: 'goodput (met every SLO)', rps: g.goodput },
      ]),
    },
    layer: [
      {
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'offered', type: 'quantitative', title: 'offered load (sessions/s)' },
          y: { field: 'rps', type: 'quantitative', title: 'requests/s' },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            scale: { range: ['#54a24b', '#4c78a8'] },
            legend: { orient: 'bottom', direction: 'horizontal' },
          },
          tooltip: [{ field: 'stage' }, { field: 'series' }, { field: 'rps', format: '.2f' }],
        },
      },
      ...(kneeAt !== undefined ? [kneeRule(kneeAt)] : []),
    ],
  };
  const spec: TopLevelSpec = {
    hconcat: [
      latencyPanel('TTFT', points, slo.ttft_ms, kneeAt),
      latencyPanel('TPOT', points, slo.tpot_ms, kneeAt),
      goodputPanel,
    ],
    resolve: { scale: { color: 'independent' } },
  };
  return {
    title: 'Latency and goodput against offered load',
    caption:
      'One point per sweep stage; offered load = sessions the stage started per second of its span (the rate of an open-loop stage, the achieved rate of a closed-loop one); later turns of a session count in its stage. Dashed: the SLO; green: the goodput knee (the stage with the highest goodput; beyond it more load adds no requests that meet the SLOs).',
    spec,
  };
}
