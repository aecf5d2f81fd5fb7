import { describe, expect, it } from 'vitest';
import { answerDim, answerSignals, answerVector, questionOptions } from './answer-features.ts';

const FEW_SHOT =
  'Solved example.\nA) cat\nB) dog\nAnswer:\nB\n\nWho stayed home because _ was sick?\nA) Ian\nB) Dennis\nAnswer:';

describe('answer features', () => {
  it('reads the options of the last question, not of the few-shot examples', () => {
    expect(questionOptions(FEW_SHOT)).toEqual({ letters: ['A', 'B'], texts: { A: 'ian', B: 'dennis' } });
    expect(questionOptions('Q?\n(A) one\n(B) two\n(C) three').letters).toEqual(['A', 'B', 'C']);
    expect(questionOptions('What is 2 + 2?').letters).toEqual([]);
  });

  it('reads the letter an answer picks, and how cleanly', () => {
    const o = questionOptions(FEW_SHOT);
    expect(answerSignals('B', o)).toMatchObject({ letter: 'B', clean: true, inOptions: true, hedge: false });
    expect(answerSignals(' (a) ', o)).toMatchObject({ letter: 'A', clean: true, inOptions: true });
    expect(answerSignals('The answer is B because', o)).toMatchObject({ letter: 'B', clean: false, inOptions: true });
    // Naming the option (even cut short) picks it; a letter the question does not list is flagged.
    expect(answerSignals('Dennis', o)).toMatchObject({ letter: 'B', clean: false, inOptions: true });
    expect(answerSignals('Denn', o)).toMatchObject({ letter: 'B', clean: false });
    expect(answerSignals('C', o)).toMatchObject({ letter: 'C', clean: true, inOptions: false });
    expect(answerSignals('Rachel', o).letter).toBeUndefined();
    expect(answerSignals('Maybe A, not sure', o)).toMatchObject({ letter: 'A', hedge: true });
  });

  it('lays out agreement with each peer per category', () => {
    const o = questionOptions(FEW_SHOT);
    const layout = { categories: ['x', 'y'], peers: 1, hashDim: 8 };
    const a = answerSignals('A', o);
    const agree = answerVector(layout, 'x', a, 'A', [answerSignals('A', o)]);
    const disagree = answerVector(layout, 'x', a, 'A', [answerSignals('B', o)]);
    const otherCat = answerVector(layout, 'y', a, 'A', [answerSignals('B', o)]);
    const none = answerVector(layout, 'x', a, 'A', [undefined]);
    expect(agree.length).toBe(answerDim(layout));
    const diff = (u: Float64Array, v: Float64Array) => [...u.keys()].filter((i) => u[i] !== v[i]);
    expect(diff(agree, disagree)).toHaveLength(2); // one slot off, one on
    expect(diff(disagree, otherCat)).toHaveLength(4); // category one-hot and the per-category disagreement slot
    expect(diff(agree, none)).toHaveLength(2);
    expect(() => answerVector(layout, 'x', a, 'A', [])).toThrow(/expected 1 peer answers/);
  });
});
