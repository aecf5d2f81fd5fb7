import { describe, expect, it } from 'vitest';
import { CascadePolicy, simulateCascade, type CascadeOptions, type CascadeRow } from './cascade-policy.ts';
import { makeCtx } from './testing.ts';
import { Rng } from '../../core/rng.ts';

const LEVELS = [
  { pool: 'small', model: 'small-7b' },
  { pool: 'large', model: 'large-70b' },
];
const COSTS = { 'small-7b': 1, 'large-70b': 10 };
/** P(correct) per category and model: the small model is fine on `easy`, poor on `hard`. */
const P_GOOD: Record<string, [number, number]> = { easy: [0.95, 0.97], hard: [0.2, 0.9] };
const opts: CascadeOptions = { levels: LEVELS, costQualityTradeoff: 0.2, seed: 3 };

function rows(n: number, seed: number, cats = ['easy', 'hard'], confidence?: number): CascadeRow[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const category = cats[rng.int(cats.length)]!;
    const [ps, pl] = P_GOOD[category]!;
    return {
      id: `r${i}`,
      category,
      scores: { 'small-7b': rng.next() < ps ? 1 : 0, 'large-70b': rng.next() < pl ? 1 : 0 },
      costs: { ...COSTS },
      ...(confidence !== undefined ? { confidence: { 'small-7b': confidence, 'large-70b': confidence } } : {}),
    };
  });
}

/** The same policy acting on posterior means (no exploration): what evaluation and export see. */
function frozen(p: CascadePolicy): CascadePolicy {
  const file = p.save();
  return CascadePolicy.load({ ...file, hyperparameters: { ...file.hyperparameters, explore: false } });
}

/** Trained on full-information rows: every level's answer is fed back, called or not. */
function trained(extra: Partial<CascadeOptions> = {}, data = rows(1500, 1)): CascadePolicy {
  const p = new CascadePolicy({ ...opts, ...extra });
  simulateCascade(data, p, { train: true, observeAll: true, confidenceNoise: 0.3, seed: 2 });
  return p;
}

describe('CascadePolicy', () => {
  it('accepts the small model on an easy category and escalates on a hard one', () => {
    const p = frozen(trained());
    const res = simulateCascade(rows(1000, 5), p, { confidenceNoise: 0.3, seed: 6 });
    const easy = res.byCategory['easy']!;
    const hard = res.byCategory['hard']!;
    expect(easy.callsPerRow).toBeLessThan(1.2); // mostly served by the small model
    // The small model is tried (its confident answers are kept) and mostly escalated.
    expect(hard.servedBy[1]! / hard.n).toBeGreaterThan(0.75);
    expect(hard.callsPerRow).toBeGreaterThan(1.5);
    expect(hard.meanQuality).toBeGreaterThan(0.8);
    expect(p.decideFor('easy', 0, 0.95, [1, 10])).toBe('accept');
    expect(p.decideFor('hard', 0, 0.15, [1, 10])).toBe('escalate');
    const [tEasy, tHard] = [p.thresholds('easy', [1, 10])[0]!, p.thresholds('hard', [1, 10])[0]!];
    expect(tEasy).toBeLessThanOrEqual(tHard);
    // Cheaper than always calling the large model, at close to its quality.
    expect(res.meanCost).toBeLessThan(10);
    console.log(
      `[cascade] quality ${res.meanQuality.toFixed(3)} cost/row ${res.meanCost.toFixed(2)} (large only: 10); ` +
        `hard: calls/row ${hard.callsPerRow.toFixed(2)} served ${hard.servedBy}; easy served ${easy.servedBy}; thresholds easy ${tEasy} hard ${tHard}`,
    );
  });

  it('skips the small model when its confidence says nothing and it is usually wrong', () => {
    const p = frozen(trained({}, rows(800, 7, ['hard'], 0.5)));
    expect(p.planFor('hard', [1, 10])).toBe(1);
    const res = simulateCascade(rows(200, 8, ['hard'], 0.5), p);
    expect(res.startedAt).toEqual([0, 200]);
  });

  it('counts the cost of every call', () => {
    const data = rows(600, 9);
    const p = trained();
    const res = simulateCascade(data, p, { trace: true, confidenceNoise: 0.3, seed: 10 });
    const byId = new Map(data.map((r) => [r.id, r]));
    let total = 0;
    let calls = 0;
    for (const t of res.trace!) {
      const row = byId.get(t.id)!;
      const expected = t.levels.reduce((acc, l) => acc + row.costs[LEVELS[l]!.model]!, 0);
      expect(t.cost).toBe(expected);
      // Calls are consecutive levels: an escalation pays for the answer it threw away.
      t.levels.forEach((l, i) => i > 0 && expect(l).toBe(t.levels[i - 1]! + 1));
      if (t.levels.length === 2) expect(t.cost).toBe(11);
      total += t.cost;
      calls += t.levels.length;
    }
    expect(res.totalCost).toBe(total);
    expect(res.calls).toBe(calls);
    expect(res.trace!.some((t) => t.levels.length === 2)).toBe(true);
    expect(res.meanQuality).toBeCloseTo(res.trace!.reduce((a, t) => a + t.quality, 0) / data.length, 12);
  });

  it('works through RoutingContext: plan, afterAnswer, observe, choose/update', () => {
    const p = new CascadePolicy({
      levels: LEVELS.map((l, i) => ({ ...l, costPerCall: [1, 10][i]! })),
      costQualityTradeoff: 0.2,
      seed: 4,
    });
    const rng = new Rng(11);
    for (let i = 0; i < 1000; i++) {
      const ctx = makeCtx({ category: 'hard', pools: ['small', 'large'] });
      let level = p.plan(ctx);
      for (;;) {
        const good = rng.next() < P_GOOD['hard']![level]! ? 1 : 0;
        const action = p.afterAnswer(ctx, level, { confidence: good ? 0.9 : 0.1 });
        p.observe(ctx, level, good);
        if (action === 'accept') break;
        level++;
      }
    }
    const ctx = makeCtx({ category: 'hard', pools: ['small', 'large'] });
    const d = p.choose(ctx);
    const f = frozen(p);
    expect(f.afterAnswer(ctx, 0, { confidence: 0.1 })).toBe('escalate');
    expect(f.afterAnswer(ctx, 0, { confidence: 0.9 })).toBe('accept');
    expect(['small', 'large']).toContain(d.action);
    expect(d.propensity).toBeGreaterThan(0);
    expect(d.propensity).toBeLessThanOrEqual(1);
    expect(p.scores(ctx)).toHaveLength(2);
    const block = f.toConfidenceAlgorithm('hard');
    expect(block).toEqual({
      type: 'confidence',
      confidence: {
        confidence_method: 'hybrid',
        threshold: expect.any(Number),
        escalation_order: 'small_to_large',
        cost_quality_tradeoff: 0.2,
      },
    });
    expect(block.confidence.threshold).toBeGreaterThan(0.1);
    expect(block.confidence.threshold).toBeLessThanOrEqual(0.9);
  });

  it('pricing-based costs when no per-call cost is given', () => {
    const p = new CascadePolicy({ levels: LEVELS, costQualityTradeoff: 0.5 });
    const ctx = makeCtx({ category: 'x', pools: ['small', 'large'], promptTokens: 1000 });
    ctx.pools[1]!.pricing = { inputPer1M: 1, outputPer1M: 4 };
    const [small, large] = p.costs(ctx);
    expect(small).toBeCloseTo((1000 * 0.1 + 256 * 0.4) / 1e6, 15);
    expect(large).toBeCloseTo((1000 * 1 + 256 * 4) / 1e6, 15);
  });

  it('save/load round trip is exact (same values and same sampled decisions)', () => {
    const p = trained();
    const q = CascadePolicy.load(JSON.parse(JSON.stringify(p.save())));
    expect(q.values('hard', [1, 10])).toEqual(p.values('hard', [1, 10]));
    const probe = Array.from({ length: 50 }, (_, i) => (i % 10) / 10);
    expect(probe.map((c) => q.decideFor('hard', 0, c, [1, 10]))).toEqual(
      probe.map((c) => p.decideFor('hard', 0, c, [1, 10])),
    );
    expect(JSON.parse(JSON.stringify(q.save()))).toEqual(JSON.parse(JSON.stringify(p.save())));
  });

  it('without a confidence signal decides per category; the escalation value ranks the hard category first', () => {
    const p = new CascadePolicy({ ...opts, explore: false });
    simulateCascade(rows(1500, 1), p, { train: true, observeAll: true, confidence: 'none', seed: 2 });
    const r = simulateCascade(rows(200, 9), p, { confidence: 'none', trace: true, planCosts: [1, 10] });
    expect(r.trace!.every((t) => t.confidence.every((c) => c === undefined))).toBe(true);
    expect(p.escalationValue('hard', 0, undefined, [1, 10])).toBeGreaterThan(
      p.escalationValue('easy', 0, undefined, [1, 10]),
    );
    expect(r.byCategory['easy']!.servedBy[0]).toBe(r.byCategory['easy']!.n);
    expect(() => simulateCascade(rows(2, 1), p, { planCosts: [1] })).toThrow(/planCosts: expected 2 values, got 1/);
  });
});
