import { describe, expect, it } from 'vitest';
import { responsePieces } from '../pool/sim/answer-text.ts';
import { input } from './fixtures.ts';
import { exactMatchEvaluator, mcLetterEvaluator, numericEvaluator, regexEvaluator } from './text-evaluators.ts';

const simText = (answer: string, tokens = 40) => responsePieces(tokens, answer, 7).join('');

describe('mc_letter', () => {
  const ev = mcLetterEvaluator();
  const cases: Array<[string, string]> = [
    [simText('B'), 'B'],
    ['The answer is B.', 'B'],
    ['Answer: (C)', 'C'],
    ['After weighing everything I would pick **D**', 'D'],
    ['**Answer:** D', 'D'],
    ['Final Answer: \\boxed{\\text{E}}', 'E'],
    ['$\\boxed{A}$', 'A'],
    ['Options A and B are wrong, so C is correct.', 'C'],
    ['A good first step is to rule things out. I choose B', 'B'],
    ['The answer is a bit tricky, but I go with (C).', 'C'],
    ['<think>Maybe the answer is A.</think>\nThe answer is D.', 'D'],
    ['(B) is the right answer.', 'B'],
    ['**C. Paris**\n\nParis is the capital of France.', 'C'],
    ['The correct option is (D).', 'D'],
    ['The answer is B, not option D', 'B'],
    ['the answer is e', 'E'],
    ['Answer — E', 'E'],
    ['C', 'C'],
    ['The answer is A.', 'A'],
    ['The correct answer is: **B) Paris**', 'B'],
    ['The answer is Option C.', 'C'],
    ['Between A and B, I would choose B.', 'B'],
    ['**Answer: C**', 'C'],
    ['ANSWER: d', 'D'],
  ];
  it.each(cases)('reads %j as %s', async (text, letter) => {
    expect((await ev.evaluate(input(text, { reference: letter }))).quality).toBe(1);
    const wrong = letter === 'A' ? 'B' : 'A';
    const e = await ev.evaluate(input(text, { reference: wrong }));
    expect(e).toMatchObject({ quality: 0, evaluator: 'mc_letter', detail: `answered ${letter}, reference ${wrong}` });
  });

  it('accepts references written as "(b)" or "B. Paris"', async () => {
    expect((await ev.evaluate(input('The answer is B.', { reference: '(b)' }))).quality).toBe(1);
    expect((await ev.evaluate(input('The answer is B.', { reference: 'B. Paris' }))).quality).toBe(1);
  });

  it('scores 0 without a letter, and a cut simulated answer has none', async () => {
    expect(await ev.evaluate(input('I am not sure, e.g. it depends.', { reference: 'A' }))).toMatchObject({
      quality: 0,
      detail: 'no letter found',
    });
    const cut = responsePieces(12, 'B', 7, 40).join(''); // max_tokens cut before "The answer is"
    expect((await ev.evaluate(input(cut, { reference: 'B' }))).quality).toBe(0);
  });

  it('gives no quality without a reference, and failed with quality 0 on a failed request', async () => {
    expect(await ev.evaluate(input('The answer is B.'))).toEqual({ evaluator: 'mc_letter', detail: 'no reference' });
    const failed = await ev.evaluate(
      input('', { reference: 'B' }, { ok: false, errorClass: 'timeout_total', errorMessage: 'too slow' }),
    );
    expect(failed).toMatchObject({ quality: 0, verdict: 'failed', evaluator: 'mc_letter' });
    expect(failed.detail).toContain('timeout_total');
  });
});

describe('numeric', () => {
  const ev = numericEvaluator();
  const cases: Array<[string, string]> = [
    [simText('72'), '72'],
    [simText('1,234.5'), '1234.5'],
    ['The answer is 42.', '42'],
    ['So she pays $1,234.50 in total.', '1234.5'],
    ['Natalia sold 48 + 24 = 72 clips.\n#### 72', '72'],
    ['x = 3/4', '0.75'],
    ['The answer is \\boxed{\\frac{3}{4}}', '3/4'],
    ['The answer is 18. That is 2 more than 16.', '18'],
    ['The result is −5', '-5'],
    ['Answer: -0.25', '-.25'],
    ['It grew from 2010-2020 by 15%', '15'],
    ['**Final answer: 1,000,000**', '1000000'],
    // A token that does not parse to a finite number is passed over, from either end.
    ['It is 42, not 1e999', '42'],
    ['The answer is 1e999 or rather 7, then 9', '7'],
  ];
  it.each(cases)('reads %j as %s', async (text, ref) => {
    expect((await ev.evaluate(input(text, { reference: ref }))).quality).toBe(1);
    expect((await ev.evaluate(input(text, { reference: '99999' }))).quality).toBe(0);
  });

  it('honours the relative tolerance', async () => {
    const loose = numericEvaluator({ relTol: 0.01 });
    expect((await loose.evaluate(input('about 100.5', { reference: '100' }))).quality).toBe(1);
    expect((await ev.evaluate(input('about 100.5', { reference: '100' }))).quality).toBe(0);
  });

  it('scores 0 when the text has no number', async () => {
    expect(await ev.evaluate(input('I cannot tell.', { reference: '3' }))).toMatchObject({
      quality: 0,
      detail: 'no number found',
    });
  });
});

describe('exact_match', () => {
  const ev = exactMatchEvaluator();
  it('compares the stated answer, normalised', async () => {
    expect((await ev.evaluate(input(simText('Paris'), { reference: 'paris' }))).quality).toBe(1);
    expect(
      (await ev.evaluate(input('**Final answer:** The Eiffel Tower!', { reference: 'eiffel tower' }))).quality,
    ).toBe(1);
    expect((await ev.evaluate(input('  Paris. ', { reference: 'Paris' }))).quality).toBe(1);
    expect((await ev.evaluate(input('The answer is Lyon.', { reference: 'Paris' }))).quality).toBe(0);
  });
  it('optionally accepts the reference contained as whole words', async () => {
    const contains = exactMatchEvaluator({ contains: true });
    expect((await contains.evaluate(input('It is in Paris, France', { reference: 'Paris' }))).quality).toBe(1);
    expect((await contains.evaluate(input('It is in Parisville', { reference: 'Paris' }))).quality).toBe(0);
    expect((await ev.evaluate(input('It is in Paris, France', { reference: 'Paris' }))).quality).toBe(0);
  });
});

describe('regex', () => {
  it('compares the last capture with the reference', async () => {
    const ev = regexEvaluator({ pattern: String.raw`ANSWER:\s*(\w+)`, flags: 'i', group: 1 });
    expect((await ev.evaluate(input('answer: no\nANSWER: yes', { reference: 'Yes' }))).quality).toBe(1);
    expect((await ev.evaluate(input('nothing here', { reference: 'Yes' }))).quality).toBe(0);
    expect((await ev.evaluate(input('ANSWER: yes'))).detail).toBe('no reference');
  });
  it('supports named groups', async () => {
    const ev = regexEvaluator({ pattern: String.raw`<(?<tag>\w+)>`, group: 'tag' });
    expect((await ev.evaluate(input('<a> then <done>', { reference: 'done' }))).quality).toBe(1);
  });
  it('without a group, a match is the verdict and needs no reference', async () => {
    const ev = regexEvaluator({ pattern: '^```python[\\s\\S]*```$' });
    expect((await ev.evaluate(input('```python\nprint(1)\n```'))).quality).toBe(1);
    expect((await ev.evaluate(input('print(1)'))).quality).toBe(0);
  });
});
