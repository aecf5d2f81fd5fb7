/**
 * Latency histograms the report keeps per series (HDR, microsecond resolution, 3
 * significant digits, as the run summary's), and what charts and comparisons read from
 * them: CDF points and quantiles with their order-statistic intervals.
 */
import * as hdr from 'hdr-histogram-js';
import { quantileInterval, type Interval } from '../metrics/intervals.ts';

export type Histogram = hdr.Histogram;

export function newHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

export function recordMs(h: Histogram, ms: number): void {
  if (Number.isFinite(ms)) h.recordValue(Math.max(1, Math.round(ms * 1000)));
}

/** Percentiles the CDFs are drawn at: even steps, denser in the tail. */
const CDF_PCTS = [
  0, 1, 2, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 92, 94, 95, 96, 97, 98, 99, 99.5,
  99.9, 100,
];

export function cdfPoints(h: Histogram): { pct: number; ms: number }[] {
  if (h.totalCount === 0) return [];
  return CDF_PCTS.map((pct) => ({ pct, ms: h.getValueAtPercentile(pct) / 1000 }));
}

export function quantileMs(h: Histogram, p: number): number | null {
  return h.totalCount === 0 ? null : h.getValueAtPercentile(p * 100) / 1000;
}

/** The p-quantile (p in (0,1)) with its 95% order-statistic interval, in ms. */
export function quantileWithInterval(h: Histogram, p: number): Interval {
  const n = h.totalCount;
  return quantileInterval(p, n, (k) => h.getValueAtPercentile((100 * k) / n) / 1000);
}
