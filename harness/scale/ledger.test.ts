import { describe, expect, it } from 'vitest';
import { describeProblems, IdLedger } from './ledger.ts';

const folders = ['shard-0', 'shard-1', 'shard-2'];
const ledger = () => new IdLedger({ folders, owner: (unit) => unit % 3, name: (unit, part) => `s${unit}/${part}` });

describe('IdLedger', () => {
  it('finds nothing wrong when every expected id is seen once in its own folder', () => {
    const l = ledger();
    for (let unit = 0; unit < 3000; unit++) for (let part = 0; part < 3; part++) l.see(unit, part, unit % 3);
    for (let unit = 0; unit < 3000; unit++) for (let part = 0; part < 3; part++) l.expect(unit, part);
    const r = l.report();
    expect(r.distinct).toBe(9000);
    expect(describeProblems(r)).toEqual([]);
  });

  it('names an id recorded twice with both folders, one in the wrong folder, and a missing one with its owner', () => {
    const l = ledger();
    l.see(0, 0, 0);
    l.see(3, 0, 0);
    l.see(3, 0, 1); // s3/0 again, in shard-1, which does not own session 3
    l.see(4, 0, 1);
    l.see(4, 1, 1);
    l.see(4, 1, 1); // twice in its own folder
    l.see(40, 33, 1); // a part past the 32-bit mask
    l.see(40, 33, 1);
    for (const [u, p] of [
      [0, 0],
      [3, 0],
      [4, 0],
      [4, 1],
      [5, 0],
      [40, 33],
      [40, 34],
    ] as const)
      l.expect(u, p);
    const r = l.report();
    expect(r.duplicates.named).toEqual([
      { id: 's3/0', folders: ['shard-0', 'shard-1'] },
      { id: 's4/1', folders: ['shard-1', 'shard-1'] },
      { id: 's40/33', folders: ['shard-1', 'shard-1'] },
    ]);
    expect(r.misplaced.named).toEqual([{ id: 's3/0', folder: 'shard-1', owner: 'shard-0' }]);
    expect(r.missing.named).toEqual([
      { id: 's5/0', owner: 'shard-2' },
      { id: 's40/34', owner: 'shard-1' },
    ]);
    expect(describeProblems(r)).toEqual([
      '3 id(s) recorded more than once: s3/0 (shard-0, shard-1), s4/1 (shard-1, shard-1), s40/33 (shard-1, shard-1)',
      '1 id(s) in a folder that does not own them: s3/0 (in shard-1; belongs to shard-0)',
      '2 id(s) missing: s5/0 (belongs to shard-2), s40/34 (belongs to shard-1)',
    ]);
  });

  it('names the first ones of a long list and counts the rest', () => {
    const l = ledger();
    for (let unit = 0; unit < 50; unit++) l.expect(unit * 3, 0);
    const [line] = describeProblems(l.report(), 2);
    expect(line).toBe('50 id(s) missing: s0/0 (belongs to shard-0), s3/0 (belongs to shard-0) and 48 more');
  });
});
