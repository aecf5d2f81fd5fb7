/**
 * The cost-quality plane: every policy and single model as a point, the non-decreasing
 * convex hull (harness/metrics/frontier.ts) through them; and for two-model routers the
 * PGR curve (share of calls to the strong model vs performance gap recovered) with APGR.
 */
import type { TopLevelSpec } from 'vega-lite';
import { ndch } from '../../metrics/frontier.ts';
import { type Chart, type Layer } from './chart.ts';

export interface PlanePoint {
  label: string;
  /** e.g. `policy`, `single model`, `lambda sweep`, or the run's name in a comparison. */
  kind: string;
  cost: number;
  quality: number;
}

export function costQualityPlane(points: PlanePoint[], costTitle: string, caption: string): Chart {
  const usable = points.filter((p) => Number.isFinite(p.cost) && Number.isFinite(p.quality));
  // The oracle is a bound, not a router one can mix in: it is drawn, never part of the hull.
  const routers = usable.filter((p) => p.kind !== 'oracle');
  const hull = routers.length ? ndch(routers).map((p) => ({ cost: p.cost, quality: p.quality })) : [];
  // Past its last vertex the hull stays flat (spending more is allowed, it buys nothing): drawn to the dearest point.
  const top = hull[hull.length - 1];
  const dearest = Math.max(...routers.map((p) => p.cost));
  if (top && dearest > top.cost) hull.push({ cost: dearest, quality: top.quality });
  const labelled = usable.filter((p) => p.kind !== 'lambda sweep');
  const layers: Layer[] = [
    {
      data: { values: hull },
      mark: { type: 'line', color: '#999', strokeDash: [4, 3], point: { color: '#999', size: 20 } },
      encoding: {
        // Room on the right for the labels of the dearest points.
        x: { field: 'cost', type: 'quantitative', title: costTitle, scale: { zero: false, padding: 40 } },
        y: { field: 'quality', type: 'quantitative', title: 'quality', scale: { zero: false } },
        order: { field: 'cost', type: 'quantitative' },
      },
    },
    {
      data: { values: usable },
      mark: { type: 'point', filled: true, size: 80 },
      encoding: {
        x: { field: 'cost', type: 'quantitative' },
        y: { field: 'quality', type: 'quantitative' },
        color: { field: 'kind', type: 'nominal', title: null, legend: { orient: 'bottom' } },
        shape: { field: 'kind', type: 'nominal', title: null, legend: { orient: 'bottom' } },
        tooltip: [
          { field: 'label' },
          { field: 'kind' },
          { field: 'cost', format: '.6f' },
          { field: 'quality', format: '.4f' },
        ],
      },
    },
    {
      data: { values: labelled },
      mark: { type: 'text', align: 'left', dx: 7, dy: -7, fontSize: 10 },
      encoding: {
        x: { field: 'cost', type: 'quantitative' },
        y: { field: 'quality', type: 'quantitative' },
        text: { field: 'label' },
      },
    },
  ];
  const spec: TopLevelSpec = { width: 620, height: 320, layer: layers };
  return {
    title: 'Cost-quality plane',
    caption: `${caption} Dashed: the non-decreasing convex hull (the best quality reachable at each cost by mixing the points).`,
    spec,
  };
}

export interface PgrCurvePoint {
  share: number;
  pgr: number;
  series: string;
}

export function pgrCurveChart(points: PgrCurvePoint[], strong: string, caption: string): Chart {
  const spec: TopLevelSpec = {
    width: 420,
    height: 300,
    layer: [
      {
        data: {
          values: [
            { share: 0, pgr: 0 },
            { share: 1, pgr: 1 },
          ],
        },
        mark: { type: 'line', color: '#bbb', strokeDash: [4, 3] },
        encoding: {
          x: { field: 'share', type: 'quantitative', title: `share of calls to ${strong}`, axis: { format: '%' } },
          y: { field: 'pgr', type: 'quantitative', title: 'performance gap recovered', axis: { format: '%' } },
        },
      },
      {
        data: { values: points },
        mark: { type: 'line', interpolate: 'linear' },
        encoding: {
          x: { field: 'share', type: 'quantitative' },
          y: { field: 'pgr', type: 'quantitative' },
          color: { field: 'series', type: 'nominal', title: null },
          tooltip: [{ field: 'series' }, { field: 'share', format: '.3f' }, { field: 'pgr', format: '.3f' }],
        },
      },
    ],
  };
  return { title: 'PGR curve (two models)', caption: `${caption} Dashed: a random router (APGR 0.5).`, spec };
}
