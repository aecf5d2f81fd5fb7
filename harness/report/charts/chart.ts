/**
 * What every chart module returns: a titled vega-lite spec with its data embedded as
 * values (no URLs: a report opens offline), and the sizes the charts share so a page
 * lines up.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Field } from 'vega-lite/types_unstable/channeldef.js';
import type { LayerSpec, NonNormalizedSpec } from 'vega-lite/types_unstable/spec/index.js';

/** A panel of a concatenation. */
export type Panel = NonNormalizedSpec;
/** One layer of a layered panel. */
export type Layer = LayerSpec<Field>['layer'][number];

export interface Chart {
  title: string;
  /** One or two sentences under the chart: what it shows and how it was computed. */
  caption?: string;
  spec: TopLevelSpec;
}

/** One panel of a faceted or concatenated chart. */
export const PANEL = { width: 300, height: 200 } as const;
/** A chart that has the row to itself. */
export const WIDE = { width: 760, height: 240 } as const;

/** Numbers a chart cannot draw (NaN, Infinity) become null, which vega-lite leaves out. */
export function finite(x: number | null | undefined): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : x;
}
