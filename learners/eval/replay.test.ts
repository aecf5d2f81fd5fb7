import { describe, expect, it } from 'vitest';
import type { DatasetRow } from '../../datasets/types.ts';
import { zeroRouter } from './frontier.ts';
import { regretCurve } from './regret.ts';
import { datasetUtility, referencePoints, replay, singleModelPoints } from './replay.ts';

const row = (
  id: string,
  category: string,
  scores: Record<string, number>,
  costs?: Record<string, number>,
): DatasetRow => {
  const r: DatasetRow = { promptId: id, source: 'test', category, prompt: id, scores };
  if (costs) r.costs = costs;
  return r;
};

// Models S (small, $1) and L (large, $10).
const ROWS = [
  row('p0', 'math', { S: 1, L: 1 }, { S: 1, L: 10 }),
  row('p1', 'math', { S: 0, L: 1 }, { S: 1, L: 10 }),
  row('p2', 'chat', { S: 1, L: 0 }, { S: 1, L: 10 }),
  row('p3', 'chat', { S: 0.5, L: 0.5 }, { S: 2, L: 1 }),
];
const ACTIONS = { small: 'S', large: 'L' };

describe('reference points (hand-computed)', () => {
  it('oracle = cheapest among the top-scored models; best single; best per category', () => {
    const ref = referencePoints(ROWS, ['S', 'L']);
    // Oracle picks S (tie, cheaper), L, S, L (tie, cheaper here): quality (1 + 1 + 1 + .5) / 4.
    expect(ref.oracle.quality).toBe(0.875);
    expect(ref.oracle.cost).toBe((1 + 10 + 1 + 1) / 4);
    expect(ref.oracle.picks).toEqual({ S: 2, L: 2 });
    // S: (1 + 0 + 1 + .5) / 4 = .625 at 1.25; L: (1 + 1 + 0 + .5) / 4 = .625 at 7.75: tie -> cheaper S.
    expect(ref.singleModels.map((m) => [m.model, m.quality, m.cost])).toEqual([
      ['S', 0.625, 1.25],
      ['L', 0.625, 7.75],
    ]);
    expect(ref.bestSingle.model).toBe('S');
    // math: L (1) beats S (.5); chat: S (.75) beats L (.25) -> (1 + 1 + 1 + .5) / 4.
    expect(ref.bestPerCategory.models).toEqual({ chat: 'S', math: 'L' });
    expect(ref.bestPerCategory.quality).toBe(0.875);
    expect(ref.bestPerCategory.cost).toBe((10 + 10 + 1 + 2) / 4);
  });

  it('without costs: ties go to the first candidate model and costs are undefined', () => {
    const noCost = ROWS.map((r) => row(r.promptId, r.category, r.scores!));
    const ref = referencePoints(noCost, ['L', 'S']);
    expect(ref.oracle.picks).toEqual({ L: 3, S: 1 });
    expect(ref.oracle.cost).toBeUndefined();
    expect(ref.bestSingle.model).toBe('L');
  });
});

describe('replay', () => {
  it('serves each row by the mapped model and sums quality, cost and reward', () => {
    const { rows, summary } = replay(ROWS, ACTIONS, (r) => (r.category === 'math' ? 'large' : 'small'), {
      lambda: 0.01,
    });
    expect(rows.map((r) => r.model)).toEqual(['L', 'L', 'S', 'S']);
    expect(summary.router.quality).toBe(0.875);
    expect(summary.router.cost).toBe(5.75);
    // reward = quality - .01 cost: (0.9 + 0.9 + 0.99 + 0.48) / 4.
    expect(summary.router.reward).toBeCloseTo(3.27 / 4, 12);
    expect(summary.actionCounts).toEqual({ large: 2, small: 2 });
    expect(summary.byCategory.math).toEqual({ n: 2, quality: 1, cost: 10 });
    expect(summary.oracle.quality).toBe(0.875);
    expect(summary.models).toEqual(['S', 'L']);
  });

  it('custom reward; errors on unknown actions and missing scores or costs', () => {
    const { summary } = replay(ROWS, ACTIONS, () => 'small', { reward: (o) => 2 * o.quality });
    expect(summary.router.reward).toBe(1.25);
    expect(() => replay(ROWS, ACTIONS, () => 'huge')).toThrow(/not in the action map/);
    const partial = [row('x', 'c', { S: 1 })];
    expect(() => replay(partial, ACTIONS, () => 'small')).toThrow(/no score for model "L".*impute/);
    const noCost = [row('x', 'c', { S: 1, L: 1 })];
    expect(() => replay(noCost, ACTIONS, () => 'small', { lambda: 1 })).toThrow(/no cost/);
    const r = replay(noCost, ACTIONS, () => 'small');
    expect(r.summary.router.costMissing).toBe(1);
    expect(r.summary.router.cost).toBeUndefined();
  });

  it('feeds the zero router and regret', () => {
    const ref = referencePoints(ROWS, ['S', 'L']);
    const z = zeroRouter(singleModelPoints(ref.singleModels));
    // L is dearer and no better: the frontier is S alone.
    expect(z.hull.map((p) => p.label)).toEqual(['S']);
    const u = datasetUtility(ACTIONS, 0.01);
    const reg = regretCurve(ROWS, ['small', 'small', 'small', 'small'], ['small', 'large'], u);
    // p1: L (1 - .1 = .9) vs S (0 - .01): regret .91; p3: L (.5 - .01) vs S (.5 - .02): .01.
    expect(reg.total).toBeCloseTo(0.92, 12);
  });
});
