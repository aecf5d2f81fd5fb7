/** Shared label helpers: length classes and per-turn prompt-token estimates. */
import { countTokens } from '../../core/text/tokenizer.ts';
import type { LengthClass, RequestLabels, TurnPlan } from '../types.ts';

/** prompt >= 4x output: prefill dominates. */
export const PREFILL_HEAVY_RATIO = 4;
/** output >= 4x prompt: decode dominates. */
export const DECODE_HEAVY_RATIO = 0.25;
/** Chat-template tokens per message (header markers + end of turn), as in tokenizer.ts's template. */
const TEMPLATE_TOKENS_PER_MESSAGE = 5;

export function lengthClassOf(promptTokens: number, outputTokens: number): LengthClass {
  const ratio = promptTokens / Math.max(1, outputTokens);
  if (ratio >= PREFILL_HEAVY_RATIO) return 'prefill-heavy';
  if (ratio <= DECODE_HEAVY_RATIO) return 'decode-heavy';
  return 'balanced';
}

/**
 * Prompt tokens of each turn as the runner will send it: system + all earlier user turns and
 * (estimated, from expected output tokens) answers + this turn's user message.
 */
export function promptTokensPerTurn(
  system: string | undefined,
  users: readonly string[],
  outputs: readonly number[],
): number[] {
  let total = 1 + (system === undefined ? 0 : countTokens(system) + TEMPLATE_TOKENS_PER_MESSAGE);
  return users.map((u, i) => {
    total += countTokens(u) + TEMPLATE_TOKENS_PER_MESSAGE;
    const prompt = total + TEMPLATE_TOKENS_PER_MESSAGE; // generation prompt
    total += (outputs[i] ?? 0) + TEMPLATE_TOKENS_PER_MESSAGE;
    return prompt;
  });
}

/** A planned turn before its length class is known. */
export type DraftTurn = Omit<TurnPlan, 'labels'> & { labels: Omit<RequestLabels, 'lengthClass'> };

/** Sets lengthClass on every turn from the conversation's prompt size and the expected answer. */
export function finishTurns(
  system: string | undefined,
  drafts: readonly DraftTurn[],
  fallbackOutput: number,
): TurnPlan[] {
  const outputs = drafts.map((d) => d.labels.expectedOutputTokens ?? fallbackOutput);
  const prompts = promptTokensPerTurn(
    system,
    drafts.map((d) => d.user),
    outputs,
  );
  return drafts.map((d, i) => ({
    ...d,
    labels: { ...d.labels, lengthClass: lengthClassOf(prompts[i]!, outputs[i]!) },
  }));
}
