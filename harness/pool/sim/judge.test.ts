import { describe, expect, it } from 'vitest';
import { DEFAULT_RUBRIC, renderRubric } from '../../feedback/llm-judge.ts';
import { responsePieces } from './answer-text.ts';
import { isJudgeRequest, judgedAnswerIsGood, judgeReply, ratingScale } from './judge.ts';

const rubric = (answer: string, reference = '(no reference answer)') =>
  renderRubric(DEFAULT_RUBRIC, { question: 'Q?', answer, reference, category: 'c' });

describe('the simulated judge', () => {
  it("recognises llm_judge's (MT-Bench) rubric, or the x-wrp-judge header", () => {
    expect(isJudgeRequest(rubric('x'), undefined)).toBe(true);
    expect(isJudgeRequest('What is 2 + 2?', undefined)).toBe(false);
    expect(isJudgeRequest('Grade this: x', '1')).toBe(true);
    expect(isJudgeRequest('Grade this: x', '0')).toBe(false);
  });

  it('reads the truth from the answer: the stated answer against the reference, else the closing remark', () => {
    expect(judgedAnswerIsGood(rubric(responsePieces(30, '1,024', 1).join(''), '1024'))).toBe(true);
    expect(judgedAnswerIsGood(rubric(responsePieces(30, 'C', 1).join(''), 'B'))).toBe(false);
    expect(judgedAnswerIsGood(rubric(responsePieces(40, undefined, 2, 40, 'good').join('')))).toBe(true);
    expect(judgedAnswerIsGood(rubric(responsePieces(40, undefined, 2, 40, 'poor').join('')))).toBe(false);
    // Cut off before its point: nothing shows it did what was asked.
    expect(judgedAnswerIsGood(rubric(responsePieces(5, undefined, 2, 40, 'good').join('')))).toBe(false);
  });

  it("answers on the rubric's scale, in the format it asks for", () => {
    expect(ratingScale(DEFAULT_RUBRIC)).toEqual([1, 10]);
    expect(ratingScale('rate it on a scale of 0 to 1')).toEqual([0, 1]);
    const good = rubric(responsePieces(40, undefined, 3, 40, 'good').join(''));
    expect(judgeReply(good, 1, 7)).toMatch(/Rating: \[\[10\]\]$/);
    expect(judgeReply(good, 0, 7)).toMatch(/Rating: \[\[1\]\]$/);
    expect(judgeReply(good, 0.85, 7)).toBe(judgeReply(good, 0.85, 7)); // deterministic for a seed
  });
});
