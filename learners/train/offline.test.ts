import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import { shuffled } from './offline.ts';

/** The permutation Fisher-Yates gives from a learner's own stream for `seed`. */
function orderFromLearnerStream(n: number, seed: number): number[] {
  const rng = new Rng(seed);
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

describe('shuffled', () => {
  it('is a seeded permutation', () => {
    const a = shuffled(500, 3);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(shuffled(500, 3)).toEqual(a);
    expect(shuffled(500, 4)).not.toEqual(a);
  });

  it('does not draw from the stream a learner seeded alike draws from', () => {
    for (const seed of [0, 1, 2, 5, 12345]) expect(shuffled(200, seed)).not.toEqual(orderFromLearnerStream(200, seed));
  });
});
