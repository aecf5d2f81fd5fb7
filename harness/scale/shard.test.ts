import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWrpError } from '../../core/errors.ts';
import { inShard, parseShard } from './shard.ts';

describe('shards', () => {
  it('parses i/N, 0-based, and refuses anything else with a usage error', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['3/3', '1/0', '-1/2', 'a/b', '1', ''])
      expect(() => parseShard(bad)).toThrow(/--shard: expected i\/N with 0 <= i < N/);
    try {
      parseShard('3/3');
    } catch (e) {
      expect(isWrpError(e, 'WRP_USAGE')).toBe(true);
    }
  });

  it('puts every unit in exactly one shard, and the shards within one unit of the same size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 500 }), (count, units) => {
        const sizes = Array.from({ length: count }, () => 0);
        for (let u = 0; u < units; u++) {
          const owners = sizes.map((_, index) => inShard(u, { index, count }));
          expect(owners.filter(Boolean)).toHaveLength(1);
          sizes[owners.indexOf(true)]!++;
        }
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });
});
