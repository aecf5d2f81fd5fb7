import { describe, expect, it } from 'vitest';
import { isWrpError } from '../../core/errors.ts';
import { checkShardSet, scheduleHash, type ShardFolder } from './manifest.ts';

const shard = (dir: string, index: number, o: { count?: number; schedule?: string; finished?: boolean } = {}) =>
  ({
    dir,
    manifest: {
      version: 1,
      kind: 'run',
      shard: { index, count: o.count ?? 3 },
      schedule: o.schedule ?? 'abc',
      startedAt: '2026-01-01T00:00:00Z',
      finished: o.finished ?? true,
    },
  }) satisfies ShardFolder;

const problem = (folders: ShardFolder[]) => {
  try {
    checkShardSet(folders);
  } catch (e) {
    expect(isWrpError(e, 'WRP_MERGE')).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected a WRP_MERGE error');
};

describe('checkShardSet', () => {
  it('returns the shards of one schedule in shard order', () => {
    expect(checkShardSet([shard('c', 2), shard('a', 0), shard('b', 1)]).map((f) => f.dir)).toEqual(['a', 'b', 'c']);
  });

  it('names a shard given twice, an absent one and an unfinished one', () => {
    expect(problem([shard('a', 0), shard('a2', 0), shard('c', 2, { finished: false })])).toBe(
      'shard 0/3 given 2 times (a, a2); 1 of 3 shard(s) absent: 1/3; c (shard 2/3) never finished (killed?): run that shard again',
    );
  });

  it('names a folder of another schedule or another shard count', () => {
    expect(problem([shard('a', 0), shard('b', 1, { schedule: 'xyz' }), shard('c', 1, { count: 2 })])).toBe(
      'not shards of one schedule: b ran another schedule than a (schedule xyz vs abc); c is shard 1/2, a shard 0/3',
    );
  });

  it('hashes data the same whatever the order of its keys', () => {
    expect(scheduleHash({ a: 1, b: [{ c: 2, d: 3 }] })).toBe(scheduleHash({ b: [{ d: 3, c: 2 }], a: 1 }));
    expect(scheduleHash({ a: 1 })).not.toBe(scheduleHash({ a: 2 }));
  });
});
