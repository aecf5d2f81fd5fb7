/**
 * A dataset row as the router sees it at decision time: the same RoutingContext shape the
 * runner builds for a live request (labels, text, conversation, token estimate), with no
 * pool state. Scores travel in the labels but learners must not read them (only the
 * oracle baseline does).
 */
import type { DatasetRow } from '../../datasets/types.ts';
import { countTokens } from '../../core/text/tokenizer.ts';
import type { ChatMessage, RequestResult, RoutingContext } from '../../harness/types.ts';

export function contextFromRow(row: DatasetRow, index: number): RoutingContext {
  const messages: ChatMessage[] = [
    ...(row.system ? [{ role: 'system' as const, content: row.system }] : []),
    ...(row.previousTurns ?? []).map((content) => ({ role: 'user' as const, content })),
    { role: 'user', content: row.prompt },
  ];
  const promptTokensEstimate = countTokens(messages.map((m) => m.content).join('\n'));
  return {
    labels: {
      id: `${row.promptId}`,
      source: row.source,
      category: row.category,
      archetype: 'dataset',
      sessionId: `d${index}`,
      turn: 0,
      warm: false,
      lengthClass: 'balanced',
      reference: row.reference,
      answerFormat: row.answerFormat,
      promptId: row.promptId,
      scores: row.scores,
      costs: row.costs,
    },
    text: row.prompt,
    messages,
    promptTokensEstimate,
    pools: [],
  };
}

/** A logged request (requests.jsonl) as the router saw it: labels, text, pool loads. */
export function contextFromRecord(r: RequestResult): RoutingContext {
  const text = r.text ?? '';
  const pools = Object.keys({ ...r.features.poolRunning, ...r.features.poolWaiting }).map((name) => ({
    name,
    model: name,
    running: r.features.poolRunning[name],
    waiting: r.features.poolWaiting[name],
    pricing: { inputPer1M: 0, outputPer1M: 0 },
  }));
  return {
    labels: r.labels,
    text,
    messages: [{ role: 'user', content: text }],
    promptTokensEstimate: r.features.promptTokensEstimate,
    pools,
  };
}

/**
 * A learner's router block with a category one-hot over the data's categories, for
 * learners that take `features` (the caller's own features.categories wins).
 */
export function withCategories(
  entry: { schema: unknown },
  spec: Record<string, unknown>,
  categories: string[],
): Record<string, unknown> {
  const takesFeatures = 'features' in ((entry.schema as { shape?: object }).shape ?? {});
  if (!takesFeatures) return spec;
  return { ...spec, features: { categories, ...((spec.features ?? {}) as Record<string, unknown>) } };
}
