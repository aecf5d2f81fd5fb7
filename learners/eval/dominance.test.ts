import { describe, expect, it } from 'vitest';
import { dominance, dominanceLine } from './dominance.ts';

const m = (model: string, quality: number, cost: number | undefined) => ({ model, n: 100, quality, cost });

describe('dominance', () => {
  it('finds single models at least as good for no more cost', () => {
    // The issue's case: a cascade that escalates every request serves gpt-4's answers and pays mixtral too.
    const d = dominance({ cost: 0.004576, quality: 0.9 }, [m('gpt-4', 0.9, 0.004317), m('mixtral', 0.77, 0.0003)]);
    expect(d.dominatedBy.map((x) => x.model)).toEqual(['gpt-4']);
    expect(dominanceLine(d)).toMatch(/^DOMINATED: gpt-4 alone gives quality 0\.9000 at 0\.004317 USD\/request/);
  });

  it('is silent for a point on the frontier, and names cheaper models inside the interval', () => {
    const singles = [m('strong', 0.9, 0.004), m('weak', 0.8, 0.0003), m('free', 0.7, undefined)];
    expect(dominanceLine(dominance({ cost: 0.002, quality: 0.88 }, singles))).toBeUndefined();
    const d = dominance({ cost: 0.002, quality: 0.82, qualityLower: 0.79 }, singles);
    expect(d.dominatedBy).toEqual([]);
    expect(dominanceLine(d)).toMatch(/^no better than weak alone within the 95% interval/);
    // An equal point is not dominated (nothing strictly better).
    expect(dominance({ cost: 0.004, quality: 0.9 }, singles).dominatedBy).toEqual([]);
  });
});
