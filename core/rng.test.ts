import { describe, expect, it } from 'vitest';
import { mulberry32, Rng } from './rng.ts';

describe('Rng', () => {
  it('is the harness mulberry32 stream', () => {
    const a = mulberry32(42);
    const b = new Rng(42);
    for (let i = 0; i < 100; i++) expect(b.next()).toBe(a());
  });

  it('resumes exactly from a saved state (including the Box-Muller spare)', () => {
    const a = new Rng(7);
    a.normal(); // leaves a spare
    const b = Rng.fromState(JSON.parse(JSON.stringify(a.state())));
    for (let i = 0; i < 50; i++)
      expect([b.normal(), b.beta(2.5, 0.5), b.gamma(0.3)]).toEqual([a.normal(), a.beta(2.5, 0.5), a.gamma(0.3)]);
  });

  it('beta draws have the right mean', () => {
    const r = new Rng(1);
    let s = 0;
    for (let i = 0; i < 20_000; i++) s += r.beta(3, 7);
    expect(s / 20_000).toBeCloseTo(0.3, 2);
  });
});
