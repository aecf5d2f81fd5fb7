/**
 * A simulated pool acting as an LLM judge: asked to grade an answer (wrp's llm_judge rubric,
 * MT-Bench's single-answer format, or any prompt sent with the x-wrp-judge header), it reads
 * what the simulated answer shows (the answer checked against the reference the rubric gives,
 * or a free-form answer's closing remark, answer-text.ts) and rates it best or worst on the
 * rubric's scale. Like a real judge it is right only at a measured rate: it agrees with the
 * simulator's truth with probability `agreement`, per answer and deterministically for a seed.
 * Default 0.85: GPT-4's agreement with human experts on MT-Bench pairs without ties (Zheng et
 * al., "Judging LLM-as-a-Judge with MT-Bench and Chatbot Arena", NeurIPS 2023).
 */
import { hashString53 } from '../../../core/text/tokenizer.ts';
import { extractAnswer, remarkOf } from './answer-text.ts';

export const DEFAULT_JUDGE_AGREEMENT = 0.85;

const ANSWER_START = "[The Start of Assistant's Answer]";
const ANSWER_END = "[The End of Assistant's Answer]";
const REFERENCE = '[Reference Answer]';

/** A grading request: the MT-Bench answer delimiters in the prompt, or the x-wrp-judge header. */
export function isJudgeRequest(prompt: string, judgeHeader: string | undefined): boolean {
  if (judgeHeader !== undefined && judgeHeader !== '' && judgeHeader !== '0') return true;
  return prompt.includes(ANSWER_START) && prompt.includes(ANSWER_END);
}

function section(prompt: string, start: string, end: string | RegExp): string | undefined {
  const at = prompt.indexOf(start);
  if (at < 0) return undefined;
  const rest = prompt.slice(at + start.length);
  const stop = typeof end === 'string' ? rest.indexOf(end) : rest.search(end);
  return (stop < 0 ? rest : rest.slice(0, stop)).trim();
}

const normal = (s: string) => s.trim().replace(/\.$/, '').replace(/\s+/g, ' ').toLowerCase();

/**
 * Whether the judged answer is good, as the text shows it: its stated answer against the
 * rubric's reference, else its closing remark; an answer that shows neither (cut off before
 * its point) is poor.
 */
export function judgedAnswerIsGood(prompt: string): boolean {
  const answer = section(prompt, ANSWER_START, ANSWER_END) ?? prompt;
  const reference = section(prompt, REFERENCE, /\n\[/);
  const stated = extractAnswer(answer);
  if (stated !== undefined && reference !== undefined && !reference.startsWith('(no reference')) {
    const [a, b] = [Number(stated.replace(/,/g, '')), Number(reference.replace(/,/g, ''))];
    return Number.isFinite(a) && Number.isFinite(b) ? a === b : normal(stated) === normal(reference);
  }
  return remarkOf(answer) === 'good';
}

/** The rubric's scale ("on a scale of 1 to 10"); [1, 10] when it names none. */
export function ratingScale(prompt: string): [number, number] {
  const m = /scale of\s+(-?\d+(?:\.\d+)?)\s+to\s+(-?\d+(?:\.\d+)?)/i.exec(prompt);
  const lo = m ? Number(m[1]) : 1;
  const hi = m ? Number(m[2]) : 10;
  return lo < hi ? [lo, hi] : [1, 10];
}

/**
 * The judge's reply: a one-sentence explanation and "Rating: [[n]]" (the format the MT-Bench
 * rubric asks for), the best or worst of the scale, agreeing with the truth with probability
 * `agreement` (a uniform drawn from the seed and the prompt).
 */
export function judgeReply(prompt: string, agreement: number, seed: number): string {
  const truth = judgedAnswerIsGood(prompt);
  const u = hashString53(prompt, hashString53(`judge:${seed}`)) / 2 ** 53;
  const verdict = u < agreement ? truth : !truth;
  const [lo, hi] = ratingScale(prompt);
  return verdict
    ? `The response answers the question correctly and addresses what was asked. Rating: [[${hi}]]`
    : `The response does not answer the question correctly or misses what was asked. Rating: [[${lo}]]`;
}
