/** Maps transport errors and HTTP statuses to the client's `ErrorClass`. */
import type { ErrorClass } from './types.ts';

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
]);

const RESET_CODES = new Set([
  'UND_ERR_SOCKET', // "other side closed" mid-response
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
]);

/** The `code` of an error, looking through `cause` and AggregateError's `errors` (dual-stack connect). */
function errorCodes(err: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof err !== 'object' || err === null || depth > 4) return out;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string') out.push(e.code);
  if (e.cause !== undefined) errorCodes(e.cause, out, depth + 1);
  if (Array.isArray(e.errors)) for (const inner of e.errors) errorCodes(inner, out, depth + 1);
  return out;
}

/** Classifies an error thrown by undici (connect failures first: they say the most). */
export function classifyTransportError(err: unknown): ErrorClass {
  const codes = errorCodes(err);
  for (const c of codes) {
    if (c === 'UND_ERR_CONNECT_TIMEOUT' || c === 'ETIMEDOUT') return 'timeout_connect';
    if (CONNECT_CODES.has(c)) return 'connect';
  }
  for (const c of codes) {
    if (c === 'UND_ERR_HEADERS_TIMEOUT') return 'timeout_first_byte';
    if (c === 'UND_ERR_BODY_TIMEOUT') return 'timeout_idle';
    if (RESET_CODES.has(c)) return 'reset';
  }
  // Anything else (parser errors, unknown socket failures) ended the exchange early.
  return 'reset';
}

export function classifyStatus(status: number): ErrorClass | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status === 429) return 'http_429';
  if (status >= 500) return 'http_5xx';
  return 'http_4xx';
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/**
 * The message of an error body: OpenAI `{error: {message}}`, FastAPI `{detail}`, vLLM's
 * flat `{message}`, else the raw text.
 */
export function errorBodyMessage(raw: string): string {
  try {
    const j: unknown = JSON.parse(raw);
    if (typeof j === 'object' && j !== null) {
      const o = j as { error?: unknown; detail?: unknown; message?: unknown };
      if (typeof o.error === 'object' && o.error !== null) {
        const m = (o.error as { message?: unknown }).message;
        if (typeof m === 'string') return m;
      }
      if (typeof o.error === 'string') return o.error;
      if (typeof o.message === 'string') return o.message;
      if (typeof o.detail === 'string') return o.detail;
    }
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return raw;
}

/** An in-stream `{"error": {...}}` event's class, from its numeric `code` when it has one. */
export function classifyStreamError(error: unknown): ErrorClass {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const status = typeof code === 'number' ? code : Number.parseInt(String(code), 10);
  return (Number.isFinite(status) ? classifyStatus(status) : undefined) ?? 'http_5xx';
}

export interface ErrorShape {
  cls: ErrorClass;
  message: string;
}

/**
 * The error a parsed event or body carries, in any of the shapes servers send after (or
 * with) a 200: vLLM's `{"error": {message, type, code}}`, older vLLM's flat ErrorResponse
 * `{"object": "error", message, type, code}`, and a bare `{"error": "text"}`. Undefined for
 * anything else. The class comes from the numeric code when there is one (else http_5xx:
 * the server failed after accepting the request).
 */
export function errorShapeOf(v: unknown): ErrorShape | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as { error?: unknown; object?: unknown; message?: unknown; code?: unknown };
  if (typeof o.error === 'object' && o.error !== null)
    return { cls: classifyStreamError(o.error), message: errorBodyMessage(JSON.stringify({ error: o.error })) };
  if (typeof o.error === 'string') return { cls: classifyStreamError(o), message: o.error };
  if (o.object === 'error')
    return {
      cls: classifyStreamError(o),
      message: typeof o.message === 'string' ? o.message : JSON.stringify(o).slice(0, 200),
    };
  return undefined;
}

/**
 * An SSE event named `error` (`event: error`): its data is an error in one of the shapes
 * above, a flat `{message, code}`, or plain text.
 */
export function errorEventShape(data: string): ErrorShape {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return { cls: 'http_5xx', message: data.slice(0, 500) || 'error event without data' };
  }
  return errorShapeOf(parsed) ?? { cls: classifyStreamError(parsed), message: errorBodyMessage(data) };
}
