/** Energy: joules per output token and output tokens per joule, per pool and archetype. */
import type { TopLevelSpec } from 'vega-lite';
import { PANEL, type Chart, type Panel } from './chart.ts';

export interface EnergyRow {
  pool: string;
  archetype: string;
  jPerToken: number;
  tokensPerJ: number;
  tokens: number;
}

function panel(field: 'jPerToken' | 'tokensPerJ', title: string, rows: EnergyRow[]): Panel {
  return {
    ...PANEL,
    title,
    data: { values: rows },
    mark: 'bar',
    encoding: {
      x: { field: 'archetype', type: 'nominal', title: 'archetype', axis: { labelAngle: 0 } },
      xOffset: { field: 'pool', type: 'nominal' },
      y: { field, type: 'quantitative', title },
      color: { field: 'pool', type: 'nominal', title: 'pool' },
      tooltip: [
        { field: 'pool' },
        { field: 'archetype' },
        { field: 'jPerToken', title: 'J / output token', format: '.4f' },
        { field: 'tokensPerJ', title: 'output tokens / J', format: '.2f' },
        { field: 'tokens', title: 'output tokens' },
      ],
    },
  };
}

export function energyChart(rows: EnergyRow[], method: string): Chart {
  const spec: TopLevelSpec = {
    hconcat: [panel('jPerToken', 'J per output token', rows), panel('tokensPerJ', 'output tokens per J', rows)],
  };
  return { title: 'Energy per token', caption: `Energy attribution: ${method}.`, spec };
}
