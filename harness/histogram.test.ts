import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketCounts, newHistogram, percentileMs, recordMs } from './histogram.ts';

describe('BucketCounts', () => {
  it('gives a histogram the same percentiles as recording every sample', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: 0, max: 5, noNaN: true }), fc.double({ min: 0, max: 4e6, noNaN: true })), {
          minLength: 1,
          maxLength: 300,
        }),
        (samples) => {
          const one = newHistogram();
          const counted = newHistogram();
          const counts = new BucketCounts();
          for (const ms of samples) {
            recordMs(one, ms);
            counts.addMs(ms);
          }
          counts.drainInto(counted);
          for (const p of [0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 100])
            expect(percentileMs(counted, p), `p${p}`).toBe(percentileMs(one, p));
          expect(counted.totalCount).toBe(one.totalCount);
          one.destroy();
          counted.destroy();
        },
      ),
      { numRuns: 200 },
    );
  });
});
