import { describe, expect, it } from 'vitest';
import { MultiTurnPolicy } from './multiturn-policy.ts';
import { makeCtx } from './testing.ts';
import { Rng } from '../../core/rng.ts';

const POOLS = ['a', 'b'];
const actions = POOLS.map((p) => ({ pool: p, model: `${p}-model` }));

interface World {
  base: Record<string, number>;
  /** True reward lost per 1k re-prefilled tokens on a switch. */
  costPer1k: number;
}

/**
 * Sessions of 5 turns whose conversations grow by 1k tokens a turn, each continuing a
 * conversation pool `a` served so far (the worse pool: switching away is tempting).
 * Returns the switch counts of the last `tail` turns.
 */
function run(
  p: MultiTurnPolicy,
  world: World,
  sessions: number,
  seed: number,
  tail = 300,
): { switches: number; turnsWithPrevious: number } {
  const rng = new Rng(seed);
  const log: { switched: boolean; hadPrevious: boolean }[] = [];
  for (let s = 0; s < sessions; s++) {
    let previous = 'a';
    for (let t = 1; t <= 5; t++) {
      const ctx = makeCtx({
        category: 'chat',
        pools: POOLS,
        id: `s${s}/${t}`,
        promptTokens: 500 + 1000 * t,
        previousPool: previous,
      });
      const d = p.choose(ctx);
      const switched = d.action !== previous;
      const reward =
        world.base[d.action]! +
        0.05 * rng.normal() -
        (switched ? (world.costPer1k * ctx.promptTokensEstimate) / 1000 : 0);
      p.update(ctx, d.action, reward);
      log.push({ switched, hadPrevious: true });
      previous = d.action;
    }
  }
  const last = log.slice(-tail);
  return {
    switches: last.filter((l) => l.switched).length,
    turnsWithPrevious: last.filter((l) => l.hadPrevious).length,
  };
}

function greedy(p: MultiTurnPolicy, previous: string, tokens: number): string {
  const ctx = makeCtx({ category: 'chat', pools: POOLS, previousPool: previous, promptTokens: tokens });
  const s = p.scores(ctx);
  return POOLS[s.indexOf(Math.max(...s))]!;
}

describe('MultiTurnPolicy', () => {
  it('learns to stay when switching is costly', () => {
    // No prior switching cost: the cost has to be learned from the rewards.
    const p = new MultiTurnPolicy({ actions, seed: 1, switchCostPer1k: 0 });
    const tail = run(p, { base: { a: 0.6, b: 0.65 }, costPer1k: 0.1 }, 200, 2);
    expect(greedy(p, 'a', 4000)).toBe('a');
    expect(greedy(p, 'b', 4000)).toBe('b');
    expect(tail.switches / tail.turnsWithPrevious).toBeLessThan(0.05);
    const rates = p.rates();
    console.log(
      `[multiturn] costly switching: tail switch rate ${(tail.switches / tail.turnsWithPrevious).toFixed(3)}; ` +
        `overall switch rate ${rates.switchRate.toFixed(3)}, unnecessary ${rates.unnecessarySwitchRate.toFixed(3)}`,
    );
    expect(rates.unnecessarySwitchRate).toBeGreaterThan(0); // early exploratory switches are counted
    expect(p.counters.switches).toBeGreaterThan(0);
  });

  it('still switches when the other pool is much better and switching is cheap', () => {
    const p = new MultiTurnPolicy({ actions, seed: 3 });
    run(p, { base: { a: 0.4, b: 0.8 }, costPer1k: 0.01 }, 200, 4);
    expect(greedy(p, 'a', 3000)).toBe('b');
    expect(greedy(p, 'b', 3000)).toBe('b');
  });

  it('prior: an unseen cell prefers staying on a long conversation, not on a short one', () => {
    const p = new MultiTurnPolicy({ actions, switchCostPer1k: 0.05 });
    const long = p.scores(makeCtx({ category: 'new', pools: POOLS, previousPool: 'a', promptTokens: 8000 }));
    expect(long[0]).toBeGreaterThan(long[1]!);
    const first = p.scores(makeCtx({ category: 'new', pools: POOLS, promptTokens: 8000 }));
    expect(first[0]).toBe(first[1]);
  });

  it('propensities are probabilities; decisions are deterministic for a seed', () => {
    const [p, q] = [new MultiTurnPolicy({ actions, seed: 5 }), new MultiTurnPolicy({ actions, seed: 5 })];
    const ctxs = Array.from({ length: 50 }, (_, i) =>
      makeCtx({
        category: 'chat',
        pools: POOLS,
        id: `x${i}/1`,
        previousPool: POOLS[i % 2]!,
        promptTokens: 500 * (i % 7),
      }),
    );
    const dp = ctxs.map((c) => p.choose(c));
    expect(ctxs.map((c) => q.choose(c))).toEqual(dp);
    for (const d of dp) {
      expect(d.propensity).toBeGreaterThan(0);
      expect(d.propensity).toBeLessThanOrEqual(1);
    }
  });

  it('save/load round trip is exact', () => {
    const p = new MultiTurnPolicy({ actions, seed: 6 });
    run(p, { base: { a: 0.5, b: 0.55 }, costPer1k: 0.05 }, 40, 7);
    const q = MultiTurnPolicy.load(JSON.parse(JSON.stringify(p.save())));
    const ctxs = Array.from({ length: 30 }, (_, i) =>
      makeCtx({
        category: 'chat',
        pools: POOLS,
        id: `y${i}/2`,
        previousPool: POOLS[i % 2]!,
        promptTokens: 1000 + 300 * i,
      }),
    );
    for (const c of ctxs) expect(q.scores(c)).toEqual(p.scores(c));
    expect(ctxs.map((c) => q.choose(c))).toEqual(ctxs.map((c) => p.choose(c)));
    expect(JSON.parse(JSON.stringify(q.save()))).toEqual(JSON.parse(JSON.stringify(p.save())));
  });
});
