/**
 * The evaluator interface: one completed request in, one Evaluation out. Evaluators never
 * throw for a bad answer or a failing judge: they return an Evaluation without quality and
 * say why in `detail`.
 */
import type { RequestRecord } from '../client/types.ts';
import type { Evaluation, RequestLabels } from '../types.ts';

export interface EvalInput {
  labels: RequestLabels;
  /** The answer text (RequestRecord.text; reasoning kept apart in record.reasoningText). */
  text: string;
  record: RequestRecord;
  pool: { name: string; model: string };
  /** The user message the answer replies to; only llm_judge needs it (its `{{question}}`). */
  prompt?: string;
}

export interface Evaluator {
  readonly name: string;
  evaluate(input: EvalInput): Promise<Evaluation>;
  /** Releases sockets (llm_judge); absent when there is nothing to release. */
  close?(): Promise<void>;
}

/** What a pool costs, for verdicts that compare pools (simulated_user). */
export interface PoolCostInfo {
  name: string;
  model: string;
  /** USD per 1M tokens; the relative cost is inputPer1M + outputPer1M. */
  pricing?: { inputPer1M: number; outputPer1M: number };
  /** Base URL, for `llm_judge: {pool}` (the pool serves as the judge). */
  url?: string;
}

/** Run facts an evaluator may need beyond its config block. */
export interface EvaluatorContext {
  pools?: PoolCostInfo[];
}

/**
 * The Evaluation of a failed request (record.ok false): quality 0, verdict failed, so a
 * learner is penalised for a pool that errors or times out.
 */
export function failedEvaluation(evaluator: string, record: RequestRecord): Evaluation {
  const why = record.errorClass ?? 'error';
  const msg = record.errorMessage ? `: ${record.errorMessage.slice(0, 200)}` : '';
  return { quality: 0, verdict: 'failed', evaluator, detail: `request failed (${why})${msg}` };
}
