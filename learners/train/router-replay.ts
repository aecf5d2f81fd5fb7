/**
 * vLLM Semantic Router's Router Replay records as logged data (`--data replay:FILE`). The
 * file is what the router's management API serves (GET /v1/router_replay?showDetails=true:
 * a `router_replay.list` payload, src/semantic-router/pkg/extproc/router_replay_api.go), a
 * JSON array of records, a single record, or one record per line (pages concatenated), the
 * same shapes `vllm-sr eval recipe-learning --replay-file` accepts
 * (src/vllm-sr/cli/commands/recipe_learning.py normalize_replay_payload). Fields read
 * (pkg/routerreplay/store/store.go Record): id, decision, category, selected_model, prompt or
 * request_body (the conversation), outcomes[] (verdict, score), actual_cost.
 *
 * Per record: the context (the prompt as the user message; the last user message of a
 * request_body that parses), the action (the pool serving selected_model), and the reward
 * from its latest model outcome: quality = score when present (the router omits a 0 score),
 * else 1 for good_fit / overprovisioned and 0 for underpowered / failed; reward = quality -
 * lambda x actual_cost. Propensities: Router Replay records none (the router logs its choice,
 * not its probability), so they are reported absent and off-policy evaluation is refused.
 * Records without a prompt, an outcome or a served model are counted, not guessed at.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { countTokens } from '../../core/text/tokenizer.ts';
import { InputFileError } from '../../core/errors.ts';
import type { ChatMessage, RoutingContext } from '../../harness/types.ts';

interface ReplayOutcome {
  target?: string;
  verdict?: string;
  score?: number;
}

export interface ReplayRecord {
  id?: string;
  decision?: string;
  category?: string;
  selected_model?: string;
  prompt?: string;
  request_body?: string;
  request_body_truncated?: boolean;
  actual_cost?: number;
  outcomes?: ReplayOutcome[];
}

export interface ReplaySample {
  context: RoutingContext;
  /** The served model (the router's name). */
  model: string;
  reward: number;
  quality: number;
  decision: string;
}

export interface ReplayReport {
  file: string;
  records: number;
  used: number;
  noPrompt: number;
  noOutcome: number;
  noModel: number;
  /** Always 0 for Router Replay: the router records no propensities. */
  withPropensity: number;
}

const QUALITY: Record<string, number> = { good_fit: 1, overprovisioned: 1, underpowered: 0, failed: 0 };

/** The conversation of a record: its request body's messages when they parse, else the prompt. */
function messagesOf(r: ReplayRecord): ChatMessage[] | undefined {
  if (r.request_body && !r.request_body_truncated) {
    try {
      const body = JSON.parse(r.request_body) as { messages?: { role?: string; content?: unknown }[] };
      const msgs = (body.messages ?? []).flatMap((m) =>
        typeof m.content === 'string' && ['system', 'user', 'assistant', 'tool'].includes(m.role ?? '')
          ? [{ role: m.role as ChatMessage['role'], content: m.content }]
          : [],
      );
      if (msgs.some((m) => m.role === 'user')) return msgs;
    } catch {
      // fall through to the prompt
    }
  }
  return r.prompt ? [{ role: 'user', content: r.prompt }] : undefined;
}

export function sampleOf(
  r: ReplayRecord,
  i: number,
  lambda: number,
): ReplaySample | 'no-prompt' | 'no-outcome' | 'no-model' {
  const model = r.selected_model?.trim();
  if (!model) return 'no-model';
  const outcome = [...(r.outcomes ?? [])].reverse().find((o) => (o.target ?? 'model') === 'model' && o.verdict);
  if (!outcome) return 'no-outcome';
  const messages = messagesOf(r);
  if (!messages) return 'no-prompt';
  const quality =
    typeof outcome.score === 'number' && Number.isFinite(outcome.score)
      ? Math.min(1, Math.max(0, outcome.score))
      : (QUALITY[outcome.verdict!] ?? 0);
  const text = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const decision = r.decision ?? '';
  const context: RoutingContext = {
    labels: {
      id: `${r.id ?? `replay-${i}`}/0`,
      source: 'router-replay',
      category: r.category || decision || 'other',
      archetype: 'replay',
      sessionId: r.id ?? `replay-${i}`,
      turn: 0,
      warm: false,
      lengthClass: 'balanced',
    },
    text,
    messages,
    promptTokensEstimate: countTokens(messages.map((m) => m.content).join('\n')),
    pools: [],
  };
  return { context, model, quality, reward: quality - lambda * (r.actual_cost ?? 0), decision };
}

/** Every record of the file, whatever its shape (JSON payload or JSONL). */
async function* records(file: string): AsyncGenerator<ReplayRecord> {
  let whole: unknown;
  // A JSON document (the API's payload, an array): small enough to parse, one page at a time.
  if (statSync(file).size < 256 * 1024 * 1024) {
    try {
      whole = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      whole = undefined;
    }
  }
  if (whole !== undefined) {
    const list = Array.isArray(whole)
      ? whole
      : typeof whole === 'object' && whole !== null && Array.isArray((whole as { data?: unknown }).data)
        ? (whole as { data: unknown[] }).data
        : typeof whole === 'object' && whole !== null && Array.isArray((whole as { records?: unknown }).records)
          ? (whole as { records: unknown[] }).records
          : [whole];
    for (const r of list) if (typeof r === 'object' && r !== null) yield r as ReplayRecord;
    return;
  }
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    try {
      const v = JSON.parse(line) as unknown;
      const page = (v as { object?: string; data?: unknown[] }).data;
      if (Array.isArray(page)) for (const r of page) yield r as ReplayRecord;
      else if (typeof v === 'object' && v !== null) yield v as ReplayRecord;
    } catch {
      // A torn line: skipped, counted by the caller through the record count.
    }
  }
}

export async function readRouterReplay(
  file: string,
  lambda = 0,
): Promise<{ samples: ReplaySample[]; report: ReplayReport }> {
  try {
    statSync(file);
  } catch {
    throw new InputFileError(
      file,
      'no such file (expected Router Replay records: GET /v1/router_replay?showDetails=true)',
    );
  }
  const report: ReplayReport = { file, records: 0, used: 0, noPrompt: 0, noOutcome: 0, noModel: 0, withPropensity: 0 };
  const samples: ReplaySample[] = [];
  for await (const r of records(file)) {
    const s = sampleOf(r, report.records++, lambda);
    if (s === 'no-prompt') report.noPrompt++;
    else if (s === 'no-outcome') report.noOutcome++;
    else if (s === 'no-model') report.noModel++;
    else samples.push(s);
  }
  report.used = samples.length;
  if (report.records === 0) throw new InputFileError(file, 'no Router Replay records in it');
  return { samples, report };
}

/** One line for logs. */
export function describeReplay(r: ReplayReport): string {
  return `${r.file}: ${r.used} of ${r.records} Router Replay records used (${r.noOutcome} without an outcome, ${r.noPrompt} without a prompt: export with showDetails=true, ${r.noModel} without a served model); propensities: none recorded`;
}
