import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentTtft } from './recent-ttft.ts';

describe('RecentTtft', () => {
  it("is the median (index floor(n/2) of the sorted values) of each pool's last N samples", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.integer({ min: 0, max: 20 })), { maxLength: 80 }),
        (size, samples) => {
          const r = new RecentTtft(size);
          const seen: Record<string, number[]> = { a: [], b: [] };
          for (const [pool, v] of samples) {
            r.add(pool, v);
            seen[pool]!.push(v);
            for (const p of ['a', 'b']) {
              const last = [...seen[p]!.slice(-size)].sort((x, y) => x - y);
              expect(r.median(p)).toBe(last[Math.floor(last.length / 2)]);
            }
          }
        },
      ),
    );
  });
});
