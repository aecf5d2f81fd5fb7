/**
 * A capacity search's evidence: each trial's goodput share and p99 TTFT against its
 * offered rate, the target share and the SLO dashed, the capacity found a green rule.
 */
import type { TopLevelSpec } from 'vega-lite';
import { PANEL, type Chart, type Layer, type Panel } from './chart.ts';

export interface TrialPoint {
  trial: number;
  rate: number;
  share: number;
  ttftP99: number | null;
  verdict: string;
}

function rule(axis: 'x' | 'y', value: number, label: string, color: string, dash: boolean): Layer {
  return {
    data: { values: [{ v: value, label }] },
    layer: [
      {
        mark: { type: 'rule', color, ...(dash ? { strokeDash: [6, 3] } : { strokeWidth: 2 }) },
        encoding: { [axis]: { field: 'v', type: 'quantitative' } },
      },
      {
        mark: { type: 'text', align: 'left', dx: 4, dy: -6, color, fontSize: 10 },
        encoding: {
          [axis]: { field: 'v', type: 'quantitative' },
          [axis === 'x' ? 'y' : 'x']: { value: 8 },
          text: { field: 'label' },
        },
      },
    ],
  };
}

export function capacityChart(
  trials: TrialPoint[],
  target: number,
  capacity: number | undefined,
  ttftSloMs: number | undefined,
): Chart {
  const points = (field: 'share' | 'ttftP99', title: string, format?: string): Layer => ({
    data: { values: trials.filter((t) => t[field] !== null) },
    mark: { type: 'point', filled: true, size: 70 },
    encoding: {
      x: { field: 'rate', type: 'quantitative', title: 'offered rate (sessions/s)' },
      y: { field, type: 'quantitative', title, ...(format ? { axis: { format } } : {}) },
      color: {
        field: 'verdict',
        type: 'nominal',
        title: null,
        scale: { domain: ['meets target', 'below target', 'saturated'], range: ['#54a24b', '#e45756', '#b279a2'] },
      },
      tooltip: [
        { field: 'trial' },
        { field: 'rate' },
        { field: 'share', format: '.3f' },
        { field: 'ttftP99', title: 'TTFT p99 ms', format: '.0f' },
        { field: 'verdict' },
      ],
    },
  });
  const cap =
    capacity !== undefined ? [rule('x', capacity, `capacity ${capacity.toPrecision(3)}/s`, '#54a24b', false)] : [];
  const share: Panel = {
    ...PANEL,
    title: 'goodput share per trial',
    layer: [
      points('share', 'share meeting every SLO', '%'),
      rule('y', target, `target ${target}`, '#222', true),
      ...cap,
    ],
  };
  const ttft: Panel = {
    ...PANEL,
    title: 'TTFT p99 per trial',
    layer: [
      points('ttftP99', 'TTFT p99 (ms)'),
      ...(ttftSloMs !== undefined ? [rule('y', ttftSloMs, `SLO ${ttftSloMs} ms`, '#222', true)] : []),
      ...cap,
    ],
  };
  const spec: TopLevelSpec = { hconcat: [share, ttft] };
  return {
    title: 'Capacity search',
    caption:
      'One point per trial run, in the order the search tried them (tooltips). Green rule: the highest rate whose goodput share met the target.',
    spec,
  };
}
