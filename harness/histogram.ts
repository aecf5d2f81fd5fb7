/**
 * HDR histograms of latencies in milliseconds, as the summary and the simulated pool's
 * frame-lag watch keep them: hdr-histogram-js's WebAssembly build (about ten times faster
 * per sample than its JavaScript one), 3 significant digits, whole microseconds from 1 us
 * to one hour (longer samples are recorded at one hour). WebAssembly memory is not garbage
 * collected: whoever builds a histogram calls `destroy()` on it.
 */
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

const HIGHEST_US = 3_600_000_000;
let wasmReady = false;

export function newHistogram(): Histogram {
  if (!wasmReady) {
    hdr.initWebAssemblySync();
    wasmReady = true;
  }
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: true,
  });
}

/** Records milliseconds as whole microseconds (at least 1). */
export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000))));
}

/** The value at or below which p% of the samples fall, ms with 2 decimals; null when empty. */
export function percentileMs(h: Histogram, p: number): number | null {
  return h.totalCount === 0 ? null : Number((h.getValueAtPercentile(p) / 1000).toFixed(2));
}
