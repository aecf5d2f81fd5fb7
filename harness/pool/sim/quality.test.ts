import { describe, expect, it } from 'vitest';
import { MODEL_PROFILES } from './profiles.ts';
import {
  CategoryQualityTable,
  PerPromptQualityTable,
  builtinProxyMapping,
  builtinQualityData,
  builtinQualityTable,
  goodAnswer,
  promptKeyOf,
  verdictUniform,
} from './quality.ts';

const SIM_MODELS = Object.keys(MODEL_PROFILES);
const CATEGORIES = [
  'mmlu',
  'gsm8k',
  'arc_challenge',
  'arc_easy',
  'humaneval',
  'cmmlu',
  'MATH_prealgebra',
  'ceval',
  'javascript',
  'mbpp',
  'winograde',
];

describe('builtin table', () => {
  const table = builtinQualityTable();

  it('has all six sim models and every category, with probabilities in [0, 1]', () => {
    expect(table.models().sort()).toEqual([...SIM_MODELS].sort());
    expect(table.categories().sort()).toEqual([...CATEGORIES].sort());
    for (const m of SIM_MODELS) {
      for (const c of CATEGORIES) {
        const p = table.probabilityGood(m, c, 'k');
        expect(p).toBeGreaterThan(0);
        expect(p).toBeLessThan(1);
      }
    }
  });

  it('uses the overall mean for unknown or missing categories, and resolves HF ids', () => {
    const overall = builtinQualityData().simModels['llama-3.1-8b']!.overall;
    expect(table.probabilityGood('llama-3.1-8b', undefined, 'k')).toBe(overall);
    expect(table.probabilityGood('llama-3.1-8b', 'no-such-category', 'k')).toBe(overall);
    expect(table.probabilityGood('meta-llama/Llama-3.1-8B-Instruct', 'gsm8k', 'k')).toBe(
      table.probabilityGood('llama-3.1-8b', 'gsm8k', 'k'),
    );
    expect(table.probabilityGood('llama-3.1-8b', 'math_prealgebra', 'k')).toBe(
      table.probabilityGood('llama-3.1-8b', 'MATH_prealgebra', 'k'),
    );
    expect(() => table.probabilityGood('gpt-5', 'gsm8k', 'k')).toThrow(/unknown model/);
  });

  it('big models beat their 8B sibling on most categories, but not uniformly', () => {
    const p = (m: string, c: string): number => table.probabilityGood(m, c, '');
    const wins = (big: string, small: string): number =>
      CATEGORIES.filter((c) => p(big, c) > p(small, c) + 0.02).length;
    expect(wins('llama-3.1-70b', 'llama-3.1-8b')).toBeGreaterThanOrEqual(9);
    expect(wins('qwen3-32b', 'qwen3-8b')).toBeGreaterThanOrEqual(9);
    expect(wins('llama-3.1-8b', 'llama-3.2-1b')).toBeGreaterThanOrEqual(9);
    // Something for a router to learn: some category where a smaller model is as good or better.
    const smallAsGood = CATEGORIES.some(
      (c) => p('qwen3-8b', c) >= p('llama-3.1-70b', c) || p('llama-3.2-3b', c) >= p('llama-3.1-8b', c),
    );
    expect(smallAsGood).toBe(true);
  });
});

describe('CategoryQualityTable', () => {
  it('ignores the prompt key', () => {
    const t = new CategoryQualityTable({ models: { m: { overall: 0.5, categories: { a: 0.9 } } } });
    expect(t.probabilityGood('m', 'a', 'x')).toBe(0.9);
    expect(t.probabilityGood('m', 'a', 'y')).toBe(0.9);
    expect(t.describe()).toMatch(/1 models x 1 categories/);
  });
});

describe('PerPromptQualityTable', () => {
  const fallback = new CategoryQualityTable({
    models: {
      'llama-3.1-8b': { overall: 0.5, categories: { gsm8k: 0.4 } },
      'llama-3.1-70b': { overall: 0.7, categories: {} },
    },
  });
  const records = [
    { prompt: 'What is 2+2?', category: 'gsm8k', scores: { 'meta-llama/Meta-Llama-3-8B': 0.8, other: 0.1 } },
    { id: 'q-2', category: 'gsm8k', scores: { 'meta-llama/Meta-Llama-3-8B': null } },
  ];
  const mapping = {
    'llama-3.1-8b': { datasetModel: 'meta-llama/Meta-Llama-3-8B' },
    'llama-3.1-70b': { datasetModel: 'meta-llama/Meta-Llama-3-8B', gapClose: { gsm8k: 0.5 }, defaultGapClose: 0.1 },
  };

  it('uses a RouterDC score as the probability itself, keyed by prompt hash', () => {
    const t = new PerPromptQualityTable(records, mapping, fallback);
    expect(t.probabilityGood('llama-3.1-8b', 'gsm8k', promptKeyOf('What is 2+2?'))).toBe(0.8);
    expect(t.probabilityGood('llama-3.1-8b', 'gsm8k', promptKeyOf('  What is 2+2?\n'))).toBe(0.8); // trimmed
    expect(t.stats()).toEqual({ lookups: 2, fallbacks: 0 });
  });

  it('applies the proxy transform (gap closing per category)', () => {
    const t = new PerPromptQualityTable(records, mapping, fallback);
    expect(t.probabilityGood('llama-3.1-70b', 'gsm8k', promptKeyOf('What is 2+2?'))).toBeCloseTo(0.5 + 0.5 * 0.8, 12);
    const scaled = new PerPromptQualityTable(
      records,
      { 'llama-3.1-8b': { datasetModel: 'meta-llama/Meta-Llama-3-8B', scale: 0.5 } },
      fallback,
    );
    expect(scaled.probabilityGood('llama-3.1-8b', undefined, promptKeyOf('What is 2+2?'))).toBeCloseTo(0.4, 12);
  });

  it('falls back to the category table for unknown prompts, empty cells and unmapped models, and counts it', () => {
    const t = new PerPromptQualityTable(records, mapping, fallback);
    expect(t.probabilityGood('llama-3.1-8b', 'gsm8k', promptKeyOf('never seen'))).toBe(0.4);
    expect(t.probabilityGood('llama-3.1-8b', undefined, 'q-2')).toBe(0.4); // empty cell; record's category used
    expect(t.probabilityGood('llama-3.1-8b', undefined, 'unknown-id')).toBe(0.5);
    expect(t.stats()).toEqual({ lookups: 3, fallbacks: 3 });
    expect(t.size).toBe(2);
    expect(t.has('q-2')).toBe(true);
    expect(t.describe()).toMatch(/2 prompts/);
  });

  it('keeps no prompt text in memory: only its hash', () => {
    const t = new PerPromptQualityTable(records, mapping, fallback);
    expect(JSON.stringify([...(t as unknown as { entries: Map<string, unknown> }).entries.keys()])).not.toContain(
      '2+2',
    );
  });

  it('builds from the builtin mapping for all six sim models', () => {
    for (const source of ['routerdc', 'routerbench'] as const) {
      const m = builtinProxyMapping(source);
      expect(Object.keys(m).sort()).toEqual([...SIM_MODELS].sort());
    }
    const t = new PerPromptQualityTable(
      [
        {
          id: 'x',
          category: 'mmlu',
          scores: { 'cognitivecomputations/dolphin-2.9-llama3-8b': 0.6, 'mistralai/Mistral-7B-v0.1': 1 },
        },
      ],
      builtinProxyMapping('routerdc'),
      builtinQualityTable(),
    );
    expect(t.probabilityGood('qwen3-8b', 'mmlu', 'x')).toBe(0.6);
    expect(t.probabilityGood('qwen3-32b', 'mmlu', 'x')).toBeGreaterThan(0.6);
    expect(t.probabilityGood('llama-3.2-1b', 'mmlu', 'x')).toBeLessThan(1);
  });
});

describe('goodAnswer', () => {
  it('is deterministic', () => {
    for (let i = 0; i < 100; i++) {
      expect(goodAnswer(7, 'qwen3-8b', `k${i}`, 0.5)).toBe(goodAnswer(7, 'qwen3-8b', `k${i}`, 0.5));
    }
    expect(goodAnswer(1, 'm', 'k', 1)).toBe(true);
    expect(goodAnswer(1, 'm', 'k', 0)).toBe(false);
  });

  it('has an empirical good rate close to p over 10,000 keys', () => {
    for (const p of [0.1, 0.5, 0.83]) {
      let good = 0;
      for (let i = 0; i < 10_000; i++) if (goodAnswer(42, 'llama-3.1-8b', promptKeyOf(`prompt ${i}`), p)) good++;
      // Binomial sd <= 0.005; 0.02 is 4 sd (and the draw is deterministic: it cannot flake).
      expect(Math.abs(good / 10_000 - p)).toBeLessThan(0.02);
    }
  });

  it('gives independent draws for different seeds and models', () => {
    let both = 0;
    let agreeModels = 0;
    const n = 10_000;
    for (let i = 0; i < n; i++) {
      const a = goodAnswer(1, 'm', `k${i}`, 0.5);
      const b = goodAnswer(2, 'm', `k${i}`, 0.5);
      if (a && b) both++;
      if (a === goodAnswer(1, 'other', `k${i}`, 0.5)) agreeModels++;
    }
    expect(Math.abs(both / n - 0.25)).toBeLessThan(0.02); // P(a and b) = 0.25 when independent
    expect(Math.abs(agreeModels / n - 0.5)).toBeLessThan(0.02);
    for (let i = 0; i < 100; i++) {
      const u = verdictUniform(i, 'm', 'k');
      expect(u >= 0 && u < 1).toBe(true);
    }
  });
});
