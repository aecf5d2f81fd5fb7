/**
 * Types of the load generator's HTTP client (harness/client): options in, one record out
 * per request. Plain data only; behaviour lives in openai-client.ts.
 */
import type { ChatMessage } from '../types.ts';

/** Why a request failed. Absent on a record means it succeeded. */
export type ErrorClass =
  /** Could not connect: ECONNREFUSED, ENOTFOUND, EHOSTUNREACH, ... */
  | 'connect'
  | 'http_4xx'
  | 'http_5xx'
  /** Overloaded / rate limited: kept apart from other 4xx so it can be retried or counted. */
  | 'http_429'
  | 'timeout_connect'
  /** No response body byte within `firstByteMs` of the send (queueing + prefill). */
  | 'timeout_first_byte'
  /** No body byte for `idleMs` after the first one. */
  | 'timeout_idle'
  | 'timeout_total'
  /** The socket closed mid-response. */
  | 'reset'
  /** A data event (or a non-streaming body) that is not valid JSON. */
  | 'malformed_event'
  /** A 2xx stream ended cleanly but without `data: [DONE]`. */
  | 'truncated'
  /** The server ended the answer early: `finish_reason: "abort"` (vLLM aborted the request). */
  | 'server_abort'
  /** A 2xx response whose content type is not what was asked for (JSON or HTML where a stream was asked for). */
  | 'content_type'
  /** The caller's AbortSignal fired. */
  | 'cancelled';

export type Endpoint = 'chat' | 'completions';

/** Timeouts in ms; 0 disables one. */
export interface Timeouts {
  /** TCP (and TLS) connect. Default 10 s. */
  connectMs: number;
  /** Send -> first response body byte. Covers queueing and prefill. Default 60 s. */
  firstByteMs: number;
  /** Gap between two body chunks once the body started. Default 30 s. */
  idleMs: number;
  /** Send -> end of response, whatever happens. Default 600 s. */
  totalMs: number;
}

export interface ClientOptions {
  /** Server origin, optionally with a path prefix, e.g. `http://127.0.0.1:8000`. `/v1/...` is appended. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`; never copied into a record. */
  apiKey?: string;
  /** Headers added to every request. */
  headers?: Record<string, string>;
  /**
   * Connect over this Unix domain socket instead of TCP (a server started with `vllm serve
   * --uds PATH` or `wrp pool serve --uds PATH`); `baseUrl` then only names the Host header.
   */
  socketPath?: string;
  /** Max sockets per origin; default unlimited (one per concurrent stream, HTTP/1.1). */
  connections?: number;
  /** Defaults for every request; per-request `timeouts` override field by field. */
  timeouts?: Partial<Timeouts>;
  /** Largest error body kept for the error message, bytes. Default 8 KiB. */
  maxErrorBodyBytes?: number;
  /** Response headers copied into `RequestRecord.headers` (lower-case names), e.g. a router's `x-vsr-selected-model`. */
  captureHeaders?: string[];
}

export interface RequestOptions {
  /**
   * When the load generator meant to send this request, in the `performance.now()` time
   * base (ms, monotonic, same process). Copied to the record; `sendLagMs` is measured from it.
   */
  scheduledAt?: number;
  /** Default true: SSE with `stream_options.include_usage`. */
  stream?: boolean;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  timeouts?: Partial<Timeouts>;
  /** Free-form caller id copied to the record (joins it to the workload row). */
  tag?: string;
}

/** `/v1/chat/completions` body. `stream` and `stream_options` are set by the client. */
export interface ChatCompletionBody {
  model: string;
  messages: ChatMessage[];
  max_tokens?: number;
  temperature?: number;
  seed?: number;
  [field: string]: unknown;
}

/** `/v1/completions` body. `stream` and `stream_options` are set by the client. */
export interface CompletionBody {
  model: string;
  prompt: string;
  max_tokens?: number;
  temperature?: number;
  seed?: number;
  [field: string]: unknown;
}

/**
 * One request's outcome. Durations are ms from `sentAtPerfMs` (performance.now()); a
 * failed request keeps whatever timings it got before failing.
 */
export interface RequestRecord {
  endpoint: Endpoint;
  model: string;
  stream: boolean;
  tag?: string;
  /** As passed in `RequestOptions.scheduledAt` (performance.now() time base). */
  scheduledAt?: number;
  /** Wall clock (Date.now()) at the send, for joining with server logs. */
  sentAtEpochMs: number;
  /** performance.now() at the send. */
  sentAtPerfMs: number;
  /** sentAtPerfMs - scheduledAt: how late the load generator was. */
  sendLagMs?: number;
  ok: boolean;
  errorClass?: ErrorClass;
  /** Server error message or transport error text (the API key scrubbed). */
  errorMessage?: string;
  httpStatus?: number;
  /** `x-request-id` response header, else the `id` of the first chunk / the body. */
  requestId?: string;
  /** The response headers named in `ClientOptions.captureHeaders` that were present. */
  headers?: Record<string, string>;
  /** Send -> response headers. */
  headersMs?: number;
  /** Send -> first event with non-empty content / reasoning_content / text. */
  ttftMs?: number;
  /** Every gap between successive content events (length = content events - 1). */
  itlMs: number[];
  /** (e2eMs - ttftMs) / (outputTokens - 1); absent when outputTokens < 2. */
  tpotMs?: number;
  /** Send -> last SSE event received (the `[DONE]` one on success) or the full body. */
  e2eMs?: number;
  /** Send -> the client finished with the request (success or failure): when a failure happened. */
  doneMs: number;
  promptTokens?: number;
  /** From usage; else the number of content events (see `usageMissing`). */
  outputTokens: number;
  cachedTokens?: number;
  /** No usage chunk arrived: `outputTokens` was estimated by counting content events. */
  usageMissing: boolean;
  contentEvents: number;
  finishReason?: string;
  /** The full answer text (`delta.content` / `text` / `message.content`). */
  text: string;
  /** `delta.reasoning_content` of reasoning models, kept apart from the answer. */
  reasoningText: string;
}

/** Loose views of the server's JSON (wire shapes): every field is type-checked before use. */
export interface ChunkJson {
  id?: unknown;
  /** `"error"` on a flat error body (older vLLM's ErrorResponse: `{object, message, type, code}`). */
  object?: unknown;
  choices?: unknown;
  usage?: unknown;
  /** `{message, type, code}` (vLLM, OpenAI) or a bare string (some proxies). */
  error?: unknown;
  message?: unknown;
  code?: unknown;
}
export interface MessageJson {
  content?: unknown;
  reasoning_content?: unknown;
  /** Newer vLLM names the reasoning field `reasoning`. */
  reasoning?: unknown;
}
export interface ChoiceJson {
  delta?: MessageJson | null;
  message?: MessageJson | null;
  text?: unknown;
  finish_reason?: unknown;
}
export interface UsageJson {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  prompt_tokens_details?: { cached_tokens?: unknown } | null;
}
