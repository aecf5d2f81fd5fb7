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

/**
 * Samples counted by HDR bucket in plain JavaScript and added to a histogram in one call per
 * bucket: for the many samples of one kind (inter-token gaps, hundreds per request) a
 * WebAssembly call per sample costs more than everything else done with a record. The
 * buckets are hdr-histogram-js's for this module's histograms (1 us lowest, 3 significant
 * digits: 2,048 sub-buckets, doubling buckets), and each bucket is added at its lowest
 * value, which the histogram files in the same bucket: its percentiles are the same as if
 * every sample had been recorded one by one.
 */
export class BucketCounts {
  private counts: Int32Array | undefined;
  private lo = Infinity;
  private hi = -1;

  /** Counts milliseconds as whole microseconds (at least 1), as recordMs does. */
  addMs(ms: number): void {
    const v = Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000)));
    // Bucket b holds values < 2048 * 2^b; the sub-bucket is the value's top 11 bits.
    const b = 21 - Math.clz32(v | 2047);
    const i = ((b + 1) << 10) + ((v >>> b) - 1024);
    const counts = (this.counts ??= new Int32Array(COUNTS_LENGTH));
    counts[i]!++;
    if (i < this.lo) this.lo = i;
    if (i > this.hi) this.hi = i;
  }

  /** Adds the counts to each of `hs` and starts afresh. */
  drainInto(...hs: Histogram[]): void {
    const counts = this.counts;
    if (counts === undefined) return;
    for (let i = this.lo; i <= this.hi; i++) {
      const c = counts[i]!;
      if (c === 0) continue;
      const value = i < 2048 ? i : ((i & 1023) + 1024) * 2 ** ((i >> 10) - 1);
      for (const h of hs) h.recordValueWithCount(value, c);
      counts[i] = 0;
    }
    this.lo = Infinity;
    this.hi = -1;
  }
}

/** Buckets up to HIGHEST_US: 21 doublings above 2,048 us, 1,024 sub-buckets each, plus the first 2,048. */
const COUNTS_LENGTH = (22 + 1) << 10;
