/** Reference figures of shared/data/README.md, through the loaders and replay; skipped when the data is absent. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataDir } from '../../datasets/paths.ts';
import { loadRouterBench } from '../../datasets/routerbench.ts';
import { loadRouterDc } from '../../datasets/routerdc.ts';
import { aiq, zeroRouter } from './frontier.ts';
import { pgrCurve } from './two-model.ts';
import { referencePoints, replay, singleModelPoints } from './replay.ts';

const DATA = dataDir();
const hasRb = existsSync(join(DATA, 'routerbench'));
const hasDc = existsSync(join(DATA, 'routerdc-7b'));

describe.skipIf(!hasDc)('RouterDC test splits (shared data)', () => {
  it('best single 0.489, best per category 0.522, oracle 0.706 on 10,121 questions', () => {
    const { rows } = loadRouterDc({
      files: ['mmlu', 'gsm8k', 'arc_challenge', 'arc_easy', 'humaneval', 'cmmlu'],
      split: 'test',
    });
    expect(rows).toHaveLength(10_121);
    const models = Object.keys(rows[0]!.scores!);
    expect(models).toHaveLength(7);
    const ref = referencePoints(rows, models);
    expect(ref.bestSingle.model).toBe('cognitivecomputations/dolphin-2.9-llama3-8b');
    expect(ref.bestSingle.quality).toBeCloseTo(0.489, 3);
    expect(ref.bestPerCategory.quality).toBeCloseTo(0.522, 3);
    expect(ref.oracle.quality).toBeCloseTo(0.706, 3);
    // Replaying the per-category rule reproduces its reference figure.
    const actions = Object.fromEntries(models.map((m) => [m, m]));
    const rule = ref.bestPerCategory.models;
    const { summary } = replay(rows, actions, (r) => rule[r.category]!);
    expect(summary.router.quality).toBeCloseTo(ref.bestPerCategory.quality, 12);
  });
});

describe.skipIf(!hasRb)('RouterBench ARC test (shared data)', () => {
  it('gpt-4 mean 0.944 (empty cells count as 0), oracle 0.984; frontier and PGR', () => {
    const { rows } = loadRouterBench({ files: ['arc_challenge_test'], impute: 'zero' });
    const models = Object.keys(rows[0]!.scores!);
    expect(models).toHaveLength(11);
    const ref = referencePoints(rows, models);
    const gpt4 = ref.singleModels.find((m) => m.model === 'gpt-4-1106-preview')!;
    expect(gpt4.quality).toBeCloseTo(0.944, 3);
    expect(gpt4.cost).toBeCloseTo(0.00507, 4);
    expect(ref.oracle.quality).toBeCloseTo(0.984, 3);
    // The oracle is the cheapest top scorer, so it costs far less than gpt-4 alone.
    expect(ref.oracle.cost!).toBeLessThan(gpt4.cost! / 5);
    const zero = zeroRouter(singleModelPoints(ref.singleModels));
    expect(zero.hull.at(-1)!.label).toBe('gpt-4-1106-preview');
    expect(zero.aiq).toBeGreaterThan(0.85);
    expect(zero.aiq).toBeLessThan(0.944);
    // The oracle point lies above the zero router's frontier.
    expect(aiq([...zero.points, { cost: ref.oracle.cost!, quality: ref.oracle.quality }], zero.range)).toBeGreaterThan(
      zero.aiq,
    );
    // gpt-4 vs mixtral with the oracle's ordering (score = strong - weak) beats random.
    const s = rows.map((r) => r.scores!['gpt-4-1106-preview']!);
    const w = rows.map((r) => r.scores!['mistralai/mixtral-8x7b-chat']!);
    expect(
      pgrCurve(
        s,
        w,
        s.map((x, i) => x - w[i]!),
      ).apgr,
    ).toBeGreaterThan(0.9);
  });
});
