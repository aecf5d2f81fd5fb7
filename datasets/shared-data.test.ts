/** The loaders on the real public data ($WRP_DATA_DIR, default ../shared/data); skipped when absent. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataDir } from './paths.ts';
import { loadRouterBench } from './routerbench.ts';
import { loadRouterDc } from './routerdc.ts';

const DATA = dataDir();
const hasRb = existsSync(join(DATA, 'routerbench'));
const hasDc = existsSync(join(DATA, 'routerdc-7b'));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe.skipIf(!hasRb)('RouterBench (shared data)', () => {
  it('reports arc_challenge_test empty cells: 6 per model, 2 for gpt-3.5-turbo', () => {
    const { rows, report } = loadRouterBench({ files: ['arc_challenge_test'] });
    const f = report.files[0]!;
    expect(f.rowsRead).toBe(445);
    expect(Object.keys(f.emptyCells!)).toHaveLength(11);
    for (const [model, n] of Object.entries(f.emptyCells!)) expect(n).toBe(model === 'gpt-3.5-turbo-1106' ? 2 : 6);
    expect(f.problems['unparsed-prompt']).toBeUndefined();
    // skip-row keeps only full-information rows.
    expect(rows.every((r) => Object.keys(r.scores!).length === 11)).toBe(true);
    expect(f.rowsKept).toBe(445 - f.problems['row-with-empty-score']!);
  });

  it('parses every prompt and matches the published test means', () => {
    // The published figures count an empty cell as a wrong answer, hence `zero` here.
    const { rows, report } = loadRouterBench({ split: 'test', impute: 'zero' });
    expect(report.problems['unparsed-prompt']).toBeUndefined();
    expect(report.rowsKept).toBe(report.rowsRead);
    const arc = rows.filter((r) => r.category === 'arc_challenge');
    expect(mean(arc.map((r) => r.scores!['gpt-4-1106-preview']!))).toBeCloseTo(0.944, 3);
    expect(mean(arc.map((r) => r.scores!['mistralai/mixtral-8x7b-chat']!))).toBeCloseTo(0.852, 3);
    expect(mean(arc.map((r) => r.costs!['gpt-4-1106-preview']!))).toBeCloseTo(0.00507, 4);
    expect(arc.every((r) => r.prompt.endsWith('Answer:') && !r.prompt.includes("\\'"))).toBe(true);
    // Derived letters: nearly every row, and only letters.
    const withRef = arc.filter((r) => r.reference !== undefined);
    expect(withRef.length / arc.length).toBeGreaterThan(0.95);
    expect(withRef.every((r) => /^[A-D]$/.test(r.reference!))).toBe(true);
    expect(new Set(rows.map((r) => r.category))).toEqual(new Set(['arc_challenge', 'mbpp', 'winograde']));
  });
});

describe.skipIf(!hasDc)('RouterDC (shared data)', () => {
  it('loads 10,121 test questions across the six test families', () => {
    const { rows, report } = loadRouterDc({
      files: ['mmlu', 'gsm8k', 'arc_challenge', 'arc_easy', 'humaneval', 'cmmlu'],
      split: 'test',
    });
    expect(report.rowsRead).toBe(10_121);
    expect(rows).toHaveLength(10_121);
    expect(report.problems).toEqual({});
    expect(new Set(rows.map((r) => r.category))).toEqual(
      new Set(['mmlu', 'gsm8k', 'arc_challenge', 'arc_easy', 'humaneval', 'cmmlu']),
    );
    // Best single model over the six test splits: dolphin-2.9-llama3-8b at 0.489.
    expect(mean(rows.map((r) => r.scores!['cognitivecomputations/dolphin-2.9-llama3-8b']!))).toBeCloseTo(0.489, 2);
    expect(rows.find((r) => r.category === 'humaneval')!.answerFormat).toBe('code');
  });
});
