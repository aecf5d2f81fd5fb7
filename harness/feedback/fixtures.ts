/** Test inputs: a RequestRecord and labels with only the fields a case cares about. */
import type { RequestRecord } from '../client/types.ts';
import type { RequestLabels } from '../types.ts';
import type { EvalInput } from './types.ts';

export function record(over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    endpoint: 'chat',
    model: 'm',
    stream: true,
    sentAtEpochMs: 0,
    sentAtPerfMs: 0,
    ok: true,
    itlMs: [],
    doneMs: 10,
    outputTokens: 5,
    usageMissing: false,
    contentEvents: 5,
    text: '',
    reasoningText: '',
    ...over,
  };
}

export function labels(over: Partial<RequestLabels> = {}): RequestLabels {
  return {
    id: 's0/0',
    source: 'test',
    category: 'mmlu',
    archetype: 'chat',
    sessionId: 's0',
    turn: 0,
    warm: false,
    lengthClass: 'balanced',
    ...over,
  };
}

export function input(
  text: string,
  lab: Partial<RequestLabels> = {},
  rec: Partial<RequestRecord> = {},
  pool = { name: 'small', model: 'llama-3.2-1b' },
): EvalInput {
  return { labels: labels(lab), text, record: record({ text, ...rec }), pool };
}
