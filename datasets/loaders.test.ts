import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadJsonl } from './jsonl.ts';
import { PROJECT_ROOT, selectFiles } from './paths.ts';
import { formatReport } from './report.ts';
import { deriveLetter, loadRouterBench } from './routerbench.ts';
import { loadRouterDc } from './routerdc.ts';

const FIX = join(PROJECT_ROOT, 'datasets/fixtures');

describe('RouterBench loader (fixture)', () => {
  const dir = join(FIX, 'routerbench');

  it('parses prompts, costs, categories and derives ARC letters', () => {
    const { rows, report } = loadRouterBench({ dir, files: ['arc_challenge_test'] });
    expect(report.rowsRead).toBe(4);
    expect(rows.map((r) => r.promptId)).toEqual(['arc-fixture.test.1', 'arc-fixture.test.3', 'arc-fixture.test.4']);
    const [r1, r3, r4] = rows;
    expect(r1!.prompt.startsWith('Which tool is best')).toBe(true);
    expect(r1!.prompt).toContain('\nB) balance\n');
    expect(r1).toMatchObject({
      source: 'routerbench:arc_challenge_test',
      category: 'arc_challenge',
      split: 'test',
      answerFormat: 'letter',
      reference: 'B',
    });
    expect(r1!.scores).toEqual({ 'acme/big-1': 1, 'acme/small-1': 0, 'gpt-x': 1 });
    expect(r1!.costs).toEqual({ 'acme/big-1': 0.004, 'acme/small-1': 0.0002, 'gpt-x': 0.001 });
    expect(r3!.prompt).toContain('resource?\\ (note');
    expect(r3!.reference).toBe('D');
    // Nobody right: no letter can be derived.
    expect(r4!.reference).toBeUndefined();
    expect(r4!.previousTurns).toEqual(['First turn text.']);
    expect(r4!.prompt).toContain('frozen water');
    expect(r4!.costs).not.toHaveProperty('acme/small-1');
  });

  it('attaches every model answer text only when asked', () => {
    expect(loadRouterBench({ dir, files: ['arc_challenge_test'] }).rows[0]!.responses).toBeUndefined();
    const r1 = loadRouterBench({ dir, files: ['arc_challenge_test'], responses: true }).rows[0]!;
    expect(Object.keys(r1.responses!).sort()).toEqual(Object.keys(r1.scores!).sort());
    for (const text of Object.values(r1.responses!)) expect(text).toBe(text.trim());
  });

  it('counts empty cells per model and drops those rows by default (never reads 0)', () => {
    const { report } = loadRouterBench({ dir, files: ['arc_challenge'] });
    const f = report.files[0]!;
    expect(f.emptyCells).toEqual({ 'acme/small-1': 1 });
    expect(f.problems).toMatchObject({ 'empty-score-cell': 1, 'row-with-empty-score': 1, 'empty-cost-cell': 1 });
    expect(f.examples.find((e) => e.kind === 'row-with-empty-score')!.line).toBe(2);
    expect(f.rowsKept).toBe(3);
    expect(f.referencesDerived).toBe(3);
    expect(formatReport(report)).toMatch(/empty score cells: acme\/small-1 1/);
  });

  it('imputes zero, mean or omits the cell when asked', () => {
    const pick = (impute: 'zero' | 'mean' | 'omit-cell') =>
      loadRouterBench({ dir, files: ['arc_challenge_test'], impute }).rows.find(
        (r) => r.promptId === 'arc-fixture.test.2',
      )!.scores;
    expect(pick('zero')!['acme/small-1']).toBe(0);
    expect(pick('mean')!['acme/small-1']).toBe(0); // the other three rows all score 0
    expect(pick('omit-cell')).toEqual({ 'acme/big-1': 1, 'gpt-x': 1 });
    expect(loadRouterBench({ dir, impute: 'zero' }).report.files[0]!.imputedCells).toBe(1);
  });

  it('reads code files with no reference and split filters', () => {
    const { rows } = loadRouterBench({ dir, files: ['mbpp'], split: 'test' });
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ category: 'mbpp', answerFormat: 'code' });
    expect(rows[1]!.reference).toBeUndefined();
    expect(rows[1]!.prompt).toContain("'a b' -> 'b a'");
    expect(() => loadRouterBench({ dir, split: 'train' })).toThrow(/routerbench: no \*\.csv file with split train/);
  });

  it('names the path when the directory or file is missing', () => {
    expect(() => loadRouterBench({ dir: join(FIX, 'nope') })).toThrow(/fixtures\/nope: no such directory/);
    expect(() => loadRouterBench({ dir, files: ['winograde'] })).toThrow(
      /no file matches "winograde".*expected one of arc_challenge_test, mbpp_test/,
    );
  });

  it('derives a letter only when unambiguous', () => {
    expect(deriveLetter({ a: 1, b: 0 }, { a: 'C', b: 'A' })).toBe('C');
    expect(deriveLetter({ a: 1, b: 1 }, { a: 'C', b: 'A' })).toBeUndefined();
    expect(deriveLetter({ a: 1, b: 0 }, { a: 'C', b: 'C' })).toBeUndefined();
    expect(deriveLetter({ a: 1 }, { a: 'The answer is C' })).toBeUndefined();
  });
});

describe('RouterDC loader (fixture)', () => {
  const dir = join(FIX, 'routerdc');

  it('reads categories, splits, answer formats and reports problems', () => {
    const { rows, report } = loadRouterDc({ dir });
    expect(report.files.map((f) => f.file.split('/').pop())).toEqual([
      'ceval.json',
      'gsm8k-test.json',
      'gsm8k-train.json',
      'mmlu_test.json',
    ]);
    const mmlu = report.files[3]!;
    expect(mmlu).toMatchObject({ rowsRead: 4, rowsKept: 2, emptyCells: { 'org/model-c': 1 } });
    expect(mmlu.problems).toMatchObject({ 'missing-question': 1, 'row-with-empty-score': 1 });
    const gsm = rows.find((r) => r.source === 'routerdc:gsm8k-test')!;
    expect(gsm).toMatchObject({ promptId: 'gsm8k-test:0', category: 'gsm8k', split: 'test', answerFormat: 'number' });
    expect(gsm.reference).toBeUndefined();
    const ceval = rows.find((r) => r.category === 'ceval')!;
    expect(ceval.answerFormat).toBe('letter');
    expect(ceval.split).toBeUndefined();
    expect(rows.find((r) => r.category === 'mmlu')!.answerFormat).toBe('letter');
  });

  it('filters by split (single files stay) and by family', () => {
    expect(loadRouterDc({ dir, split: 'test' }).report.files).toHaveLength(3);
    expect(loadRouterDc({ dir, split: 'train', files: ['gsm8k'] }).rows.map((r) => r.promptId)).toEqual([
      'gsm8k-train:0',
    ]);
    expect(selectFiles(dir, '.json', { files: ['gsm8k'] })).toHaveLength(2);
  });
});

describe('JSONL loader (fixture)', () => {
  const file = join(FIX, 'jsonl/sample.jsonl');

  it('keeps valid rows, maps fields and extras', () => {
    const { rows } = loadJsonl(file);
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatchObject({
      promptId: 'q1',
      category: 'arithmetic',
      reference: '56',
      answerFormat: 'number',
      extra: { difficulty: 'easy' },
    });
    expect(rows[1]).toMatchObject({
      prompt: 'Name another one.',
      previousTurns: ['Name a primary color.'],
      system: 'You are terse.',
      extra: { tags: '["demo","multi"]' },
    });
    expect(rows[2]).toMatchObject({
      promptId: 'sample:3',
      category: 'sample',
      reference: 'positive',
      scores: { m1: 1 },
    });
    expect(rows[2]!.answerFormat).toBeUndefined();
    expect(rows[3]).toMatchObject({ promptId: 'sample:9', category: 'sample', extra: { weight: 2.5 } });
  });

  it('reports each bad line with its number and reason', () => {
    const { report } = loadJsonl(file);
    const f = report.files[0]!;
    expect(f.rowsRead).toBe(8);
    expect(f.problems).toEqual({
      'invalid-answer-format': 1,
      'invalid-score-cell': 1,
      'invalid-json': 1,
      'missing-prompt': 1,
      'invalid-messages': 1,
      'invalid-row': 1,
      'invalid-id': 1,
      'invalid-category': 1,
    });
    const lines = Object.fromEntries(f.examples.map((e) => [e.kind, e.line]));
    expect(lines).toMatchObject({ 'invalid-json': 4, 'missing-prompt': 6, 'invalid-messages': 7, 'invalid-row': 8 });
  });

  it('fails, naming the path, when nothing is valid or the file is missing', () => {
    expect(() => loadJsonl(join(FIX, 'jsonl/missing.jsonl'))).toThrow(/missing\.jsonl: no such file/);
    expect(() => loadJsonl(join(FIX, 'routerdc/ceval.json'))).toThrow(/ceval\.json: no valid rows/);
  });
});

describe('bad rows drop the row, not the file', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'wrp-rows-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const header = ',sample_id,prompt,eval_name,m1,m2,m1|total_cost,m2|total_cost';
  const row = (i: number, s1: string, s2: string, c1 = '0.001', c2 = '0.002') =>
    `${i},id-${i},"['Question ${i}?']",x,${s1},${s2},${c1},${c2}`;

  it('RouterBench: a short row, a score of 1.7 and a cost of -3 are each counted and dropped', () => {
    mkdirSync(join(tmp, 'rb'));
    writeFileSync(
      join(tmp, 'rb', 'fam_test.csv'),
      [
        header,
        row(0, '1', '0'),
        `1,id-1,"['short row']",x,1`,
        row(2, '1.7', '0'),
        row(3, '1', '0', '-3'),
        row(4, '0', '1'),
      ].join('\n') + '\n',
    );
    const { rows, report } = loadRouterBench({ dir: join(tmp, 'rb') });
    expect(rows.map((r) => r.promptId)).toEqual(['id-0', 'id-4']);
    expect(report.rowsRead).toBe(5);
    expect(report.rowsKept).toBe(2);
    expect(report.problems).toMatchObject({ 'malformed-row': 1, 'score-out-of-range': 1, 'negative-cost': 1 });
    const examples = report.files[0]!.examples;
    expect(examples.find((e) => e.kind === 'malformed-row')).toMatchObject({
      line: 2,
      detail: 'expected 8 fields, got 5',
    });
    expect(examples.find((e) => e.kind === 'score-out-of-range')).toMatchObject({ line: 3 });
    expect(examples.find((e) => e.kind === 'negative-cost')).toMatchObject({ line: 4 });
    expect(formatReport(report)).toMatch(/2\/5 rows kept/);
  });

  it('RouterDC: a score outside [0, 1] drops its row', () => {
    mkdirSync(join(tmp, 'dc'));
    writeFileSync(
      join(tmp, 'dc', 'fam_test.json'),
      JSON.stringify([
        { question: 'a?', scores: { m1: 1, m2: 0 } },
        { question: 'b?', scores: { m1: -0.5, m2: 0 } },
        { question: 'c?', scores: { m1: 0.5, m2: 0.25 } },
      ]),
    );
    const { rows, report } = loadRouterDc({ dir: join(tmp, 'dc') });
    expect(rows).toHaveLength(2);
    expect(report.problems).toEqual({ 'score-out-of-range': 1 });
  });
});
