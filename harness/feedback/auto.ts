/**
 * auto: picks an evaluator per request from its labels, so one run can mix multiple-choice,
 * math and full-information prompts:
 *   answerFormat letter -> mc_letter; number -> numeric; text -> exact_match (the stated answer);
 *   no answerFormat but a reference: a single letter A-E -> mc_letter, a number -> numeric;
 *   else labels.scores -> score_table; else llm_judge when the feedback block configures one
 *   (free-form answers: how production gets a verdict for them); else none (no quality).
 * Text-based checks come before scores: they judge the answer this pool actually gave.
 */
import type { Evaluation, RequestLabels } from '../types.ts';
import { parseNumber } from './extract.ts';
import { failedEvaluation, type EvalInput, type Evaluator } from './types.ts';

export interface AutoEvaluators {
  mc_letter: Evaluator;
  numeric: Evaluator;
  exact_match: Evaluator;
  score_table: Evaluator;
  /** Judges what nothing else can check (free-form answers). */
  llm_judge?: Evaluator;
}

/** Which evaluator `auto` uses for these labels, or undefined for none. */
export function pickEvaluator(labels: RequestLabels): Exclude<keyof AutoEvaluators, 'llm_judge'> | undefined {
  const ref = labels.reference?.trim();
  const hasRef = ref !== undefined && ref !== '';
  if (hasRef && labels.answerFormat === 'letter') return 'mc_letter';
  if (hasRef && labels.answerFormat === 'number') return 'numeric';
  if (hasRef && labels.answerFormat === 'text') return 'exact_match';
  if (hasRef && labels.answerFormat === undefined) {
    if (/^\(?[A-Ea-e]\)?\.?$/.test(ref)) return 'mc_letter';
    if (/^[-−+$\d.,/\s]+$/.test(ref) && parseNumber(ref) !== undefined) return 'numeric';
  }
  if (labels.scores !== undefined) return 'score_table';
  return undefined;
}

export class AutoEvaluator implements Evaluator {
  readonly name = 'auto';
  constructor(private readonly evaluators: AutoEvaluators) {}

  async evaluate(input: EvalInput): Promise<Evaluation> {
    const pick = pickEvaluator(input.labels);
    if (pick === undefined) {
      if (!input.record.ok) return failedEvaluation(this.name, input.record);
      if (this.evaluators.llm_judge) return this.evaluators.llm_judge.evaluate(input);
      return { evaluator: this.name, detail: 'no evaluator applies (no reference, no scores, no llm_judge)' };
    }
    return this.evaluators[pick].evaluate(input);
  }

  close(): Promise<void> {
    return this.evaluators.llm_judge?.close?.() ?? Promise.resolve();
  }
}
