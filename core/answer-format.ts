/** Task family -> answer format, so evaluators know how to check an answer. */

/** What the answer looks like: an option letter, a number, free text or code. */
export type AnswerFormat = 'letter' | 'number' | 'text' | 'code';

const RULES: [RegExp, AnswerFormat][] = [
  // Multiple-choice families: the answer is an option letter.
  [/^(mmlu|cmmlu|ceval|arc[_-].*|winogrande|winograde|multiple-choice)$/i, 'letter'],
  [/^(gsm8k|math.*)$/i, 'number'],
  [/^(humaneval|mbpp|javascript|code)$/i, 'code'],
];

/** The answer format of a task family, or undefined when unknown. */
export function answerFormatFor(category: string): AnswerFormat | undefined {
  for (const [re, format] of RULES) if (re.test(category)) return format;
  return undefined;
}

export const ANSWER_FORMATS: readonly AnswerFormat[] = ['letter', 'number', 'text', 'code'];

export function isAnswerFormat(v: unknown): v is AnswerFormat {
  return typeof v === 'string' && (ANSWER_FORMATS as readonly string[]).includes(v);
}
