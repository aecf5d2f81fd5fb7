/**
 * Learning: reward per window of requests and cumulative regret over requests, one line
 * per series (policy, or run); each pool's share of traffic per category over time, where
 * a drift in the mix or a router changing its mind shows.
 */
import type { TopLevelSpec } from 'vega-lite';
import { WIDE, type Chart, type Panel } from './chart.ts';

export interface CurvePoint {
  /** Requests seen so far (the window's end). */
  requests: number;
  series: string;
  /** Mean reward over the window. */
  reward: number | null;
  /** Cumulative regret at the window's end. */
  regret: number | null;
}

export function learningCurves(points: CurvePoint[], regretMeaning: string | undefined): Chart {
  const panel = (field: 'reward' | 'regret', title: string): Panel => ({
    width: 360,
    height: 220,
    title,
    data: { values: points.filter((p) => p[field] !== null) },
    mark: { type: 'line', interpolate: 'monotone' },
    encoding: {
      x: { field: 'requests', type: 'quantitative', title: 'requests' },
      y: { field, type: 'quantitative', title },
      color: { field: 'series', type: 'nominal', title: null },
      tooltip: [{ field: 'series' }, { field: 'requests' }, { field, format: '.4f' }],
    },
  });
  const panels = [panel('reward', 'mean reward per window')];
  if (regretMeaning !== undefined && points.some((p) => p.regret !== null))
    panels.push(panel('regret', 'cumulative regret'));
  const spec: TopLevelSpec = { hconcat: panels };
  return {
    title: 'Learning: reward and regret over requests',
    caption: `Reward averaged over consecutive windows of requests, in the order the router learned from them.${regretMeaning ? ` Regret: ${regretMeaning}.` : ''}`,
    spec,
  };
}

export interface ShareRow {
  /** Bucket start (seconds, or requests when `xTitle` says so). */
  x: number;
  category: string;
  /** Facet column: the policy (split runs) or a single value. */
  facet: string;
  pool: string;
  count: number;
}

export function trafficShare(rows: ShareRow[], xTitle: string): Chart {
  const facets = new Set(rows.map((r) => r.facet)).size;
  const spec: TopLevelSpec = {
    data: { values: rows },
    facet: {
      row: { field: 'category', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left' } },
      ...(facets > 1 ? { column: { field: 'facet', type: 'nominal', title: null } } : {}),
    },
    spec: {
      width: facets > 1 ? Math.max(180, Math.floor((WIDE.width - 80) / facets)) : WIDE.width - 120,
      height: 60,
      mark: { type: 'area', interpolate: 'step-after' },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: xTitle },
        y: {
          field: 'count',
          type: 'quantitative',
          stack: 'normalize',
          title: 'share',
          axis: { format: '%', tickCount: 2 },
        },
        color: { field: 'pool', type: 'nominal', title: 'pool' },
        tooltip: [
          { field: 'category' },
          { field: 'facet', title: 'policy' },
          { field: 'pool' },
          { field: 'x', title: xTitle },
          { field: 'count' },
        ],
      },
    },
  };
  return {
    title: "Each pool's share of traffic per category over time",
    caption: 'Requests per bucket, by the pool they were routed to (normalized to 100% per bucket).',
    spec,
  };
}
