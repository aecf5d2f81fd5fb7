/**
 * One HTTP exchange with an OpenAI-compatible server, as a small state machine fed by
 * undici's `stream()` callbacks. It never throws for request-level failures: `run()`
 * always resolves to a record, with whatever timings were taken before a failure.
 *
 * Latency definitions (REFERENCE.md section 1; the project's choice):
 * - TTFT: send -> first event whose `delta.content` or `delta.reasoning_content` (chat) or
 *   `text` (completions) is non-empty. A role-only or empty first chunk does not count,
 *   unlike vLLM's own bench.
 * - ITL: every gap between successive content events. All events of one network chunk get
 *   that chunk's arrival time (one clock read per chunk; they did arrive together).
 * - E2E: send -> last SSE event (normally `[DONE]`). TPOT = (E2E - TTFT) / (n_out - 1),
 *   only on successful records with n_out >= 2.
 */
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { classifyStatus, classifyStreamError, classifyTransportError, errorBodyMessage, errorText } from './errors.ts';
import { SseParser, type SseEvent } from './sse.ts';
import type { ChoiceJson, ChunkJson, Endpoint, ErrorClass, RequestRecord, Timeouts, UsageJson } from './types.ts';

export interface RunSpec {
  endpoint: Endpoint;
  model: string;
  stream: boolean;
  path: string;
  body: string;
  headers: Record<string, string>;
  timeouts: Timeouts;
  maxErrorBodyBytes: number;
  scheduledAt?: number;
  tag?: string;
  signal?: AbortSignal;
  /** The API key, scrubbed from any error message that might echo it. */
  secret?: string;
  captureHeaders?: string[];
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const asNumber = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export class RequestRun {
  private readonly rec: RequestRecord;
  private readonly ctrl = new AbortController();
  private t0 = 0;
  /** Arrival time of the network chunk being parsed. */
  private now = 0;
  private lastByteAt = 0;
  private lastContentAt = 0;
  private bodyStarted = false;
  private sawDone = false;
  private usageSeen = false;
  private status = 0;
  private failure: ErrorClass | undefined;
  private failureMsg: string | undefined;
  private phaseTimer: NodeJS.Timeout | undefined;
  private totalTimer: NodeJS.Timeout | undefined;
  private sse: SseParser | undefined;
  /** Error body (capped) or a whole non-streaming body. */
  private readonly parts: Buffer[] = [];
  private partsBytes = 0;
  private partsLimit = 0;

  constructor(private readonly spec: RunSpec) {
    // Every key set up front: one object shape for all records.
    this.rec = {
      endpoint: spec.endpoint,
      model: spec.model,
      stream: spec.stream,
      tag: spec.tag,
      scheduledAt: spec.scheduledAt,
      sentAtEpochMs: 0,
      sentAtPerfMs: 0,
      sendLagMs: undefined,
      ok: false,
      errorClass: undefined,
      errorMessage: undefined,
      httpStatus: undefined,
      requestId: undefined,
      headers: undefined,
      headersMs: undefined,
      ttftMs: undefined,
      itlMs: [],
      tpotMs: undefined,
      e2eMs: undefined,
      doneMs: 0,
      promptTokens: undefined,
      outputTokens: 0,
      cachedTokens: undefined,
      usageMissing: false,
      contentEvents: 0,
      finishReason: undefined,
      text: '',
      reasoningText: '',
    };
  }

  async run(dispatcher: Dispatcher): Promise<RequestRecord> {
    const { signal, timeouts } = this.spec;
    this.t0 = performance.now();
    this.rec.sentAtPerfMs = this.t0;
    this.rec.sentAtEpochMs = Date.now();
    if (this.spec.scheduledAt !== undefined) this.rec.sendLagMs = this.t0 - this.spec.scheduledAt;
    if (signal?.aborted) {
      this.fail('cancelled', 'aborted by caller before send');
      return this.finish(undefined);
    }
    const onAbort = (): void => this.fail('cancelled', 'aborted by caller');
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeouts.totalMs > 0) {
      this.totalTimer = setTimeout(
        () => this.fail('timeout_total', `no end within ${timeouts.totalMs} ms`),
        timeouts.totalMs,
      );
    }
    if (timeouts.firstByteMs > 0) {
      const ms = timeouts.firstByteMs;
      this.phaseTimer = setTimeout(() => this.fail('timeout_first_byte', `no body byte within ${ms} ms`), ms);
    }
    let transportErr: unknown;
    try {
      await dispatcher.stream(
        {
          path: this.spec.path,
          method: 'POST',
          headers: this.spec.headers,
          body: this.spec.body,
          signal: this.ctrl.signal,
          // Our own timers classify timeouts; undici's would race them.
          headersTimeout: 0,
          bodyTimeout: 0,
        },
        this.onResponse,
      );
    } catch (err) {
      transportErr = err;
    } finally {
      clearTimeout(this.totalTimer);
      clearTimeout(this.phaseTimer);
      signal?.removeEventListener('abort', onAbort);
    }
    return this.finish(transportErr);
  }

  private readonly onResponse = ({ statusCode, headers }: Dispatcher.StreamFactoryData): Writable => {
    this.status = statusCode;
    this.rec.httpStatus = statusCode;
    this.rec.headersMs = performance.now() - this.t0;
    const rid = headers['x-request-id'];
    const id = Array.isArray(rid) ? rid[0] : rid;
    if (nonEmpty(id)) this.rec.requestId = id;
    for (const name of this.spec.captureHeaders ?? []) {
      const v = headers[name];
      const value = Array.isArray(v) ? v[0] : v;
      if (nonEmpty(value)) (this.rec.headers ??= {})[name] = value;
    }
    const ok = statusCode >= 200 && statusCode < 300;
    if (ok && this.spec.stream) this.sse = new SseParser(this.onEvent);
    else this.partsLimit = ok ? Number.POSITIVE_INFINITY : this.spec.maxErrorBodyBytes;
    return new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        this.onData(chunk);
        cb();
      },
    });
  };

  private onData(chunk: Buffer): void {
    const now = performance.now();
    this.now = now;
    this.lastByteAt = now;
    if (!this.bodyStarted) {
      this.bodyStarted = true;
      clearTimeout(this.phaseTimer);
      // Idle timer is lazy: it re-arms from lastByteAt when it fires, not on every chunk.
      if (this.spec.timeouts.idleMs > 0) this.phaseTimer = setTimeout(this.idleCheck, this.spec.timeouts.idleMs);
    }
    if (this.failure !== undefined) return;
    if (this.sse !== undefined) {
      this.sse.push(chunk);
    } else if (this.partsBytes < this.partsLimit) {
      this.parts.push(chunk);
      this.partsBytes += chunk.length;
    }
  }

  private readonly idleCheck = (): void => {
    const idleMs = this.spec.timeouts.idleMs;
    const idle = performance.now() - this.lastByteAt;
    if (idle >= idleMs) this.fail('timeout_idle', `no body byte for ${idleMs} ms`);
    else this.phaseTimer = setTimeout(this.idleCheck, idleMs - idle);
  };

  private readonly onEvent = (ev: SseEvent): void => {
    if (this.failure !== undefined) return;
    const data = ev.data;
    if (data === '[DONE]') {
      this.sawDone = true;
      this.rec.e2eMs = this.now - this.t0;
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null) {
      this.fail('malformed_event', `unparseable data event: ${data.slice(0, 200)}`);
      return;
    }
    this.rec.e2eMs = this.now - this.t0;
    this.applyChunk(parsed as ChunkJson);
  };

  /** Applies one streamed chunk or a whole non-streaming response body. */
  private applyChunk(c: ChunkJson): void {
    const rec = this.rec;
    if (rec.requestId === undefined && nonEmpty(c.id)) rec.requestId = c.id;
    if (typeof c.error === 'object' && c.error !== null) {
      // vLLM reports a failure after the 200 header as an in-stream error event.
      this.fail(classifyStreamError(c.error), errorBodyMessage(JSON.stringify({ error: c.error })));
      return;
    }
    if (Array.isArray(c.choices) && c.choices.length > 0) {
      // n = 1 is assumed: only the first choice is tracked.
      const ch = c.choices[0] as ChoiceJson;
      const msg = this.spec.endpoint === 'chat' ? (this.spec.stream ? ch.delta : ch.message) : undefined;
      const content = msg ? msg.content : ch.text;
      const reasoning = msg ? (msg.reasoning_content ?? msg.reasoning) : undefined;
      const hasContent = nonEmpty(content);
      const hasReasoning = nonEmpty(reasoning);
      if (hasContent) rec.text += content;
      if (hasReasoning) rec.reasoningText += reasoning;
      if (this.spec.stream && (hasContent || hasReasoning)) {
        const now = this.now;
        if (rec.contentEvents === 0) rec.ttftMs = now - this.t0;
        else rec.itlMs.push(now - this.lastContentAt);
        this.lastContentAt = now;
        rec.contentEvents++;
      }
      if (nonEmpty(ch.finish_reason)) rec.finishReason = ch.finish_reason;
    }
    if (typeof c.usage === 'object' && c.usage !== null) {
      const u = c.usage as UsageJson;
      const out = asNumber(u.completion_tokens);
      if (out !== undefined) {
        this.usageSeen = true;
        rec.outputTokens = out;
      }
      rec.promptTokens = asNumber(u.prompt_tokens) ?? rec.promptTokens;
      rec.cachedTokens = asNumber(u.prompt_tokens_details?.cached_tokens) ?? rec.cachedTokens;
    }
  }

  /** Records the first failure only and stops the exchange. */
  private fail(cls: ErrorClass, msg: string): void {
    if (this.failure !== undefined) return;
    this.failure = cls;
    this.failureMsg = msg;
    this.ctrl.abort();
  }

  private finish(transportErr: unknown): RequestRecord {
    const rec = this.rec;
    rec.doneMs = performance.now() - this.t0;
    const httpClass = this.status > 0 ? classifyStatus(this.status) : undefined;
    if (this.failure === undefined && transportErr === undefined) {
      if (this.sse !== undefined) this.sse.end();
      else if (httpClass === undefined && this.status > 0) this.finishBody();
    }
    let cls = this.failure;
    let msg = this.failureMsg;
    if (cls === undefined && this.spec.signal?.aborted === true) [cls, msg] = ['cancelled', 'aborted by caller'];
    if (cls === undefined && httpClass !== undefined) {
      cls = httpClass;
      msg = `HTTP ${this.status}: ${errorBodyMessage(Buffer.concat(this.parts).toString('utf8'))}`;
    }
    if (cls === undefined && transportErr !== undefined)
      [cls, msg] = [classifyTransportError(transportErr), errorText(transportErr)];
    if (cls === undefined && this.spec.stream && !this.sawDone)
      [cls, msg] = ['truncated', 'stream ended without [DONE]'];
    rec.ok = cls === undefined;
    rec.errorClass = cls;
    if (msg !== undefined && cls !== undefined) rec.errorMessage = this.scrub(msg.slice(0, 1000));
    if (!this.usageSeen) {
      rec.usageMissing = true;
      rec.outputTokens = rec.contentEvents;
    }
    if (rec.ok && rec.ttftMs !== undefined && rec.e2eMs !== undefined && rec.outputTokens > 1) {
      rec.tpotMs = (rec.e2eMs - rec.ttftMs) / (rec.outputTokens - 1);
    }
    return rec;
  }

  /** A whole non-streaming 2xx body. */
  private finishBody(): void {
    const raw = Buffer.concat(this.parts).toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null) {
      this.fail('malformed_event', `unparseable response body: ${raw.slice(0, 200)}`);
      return;
    }
    this.rec.e2eMs = this.lastByteAt > 0 ? this.lastByteAt - this.t0 : undefined;
    this.applyChunk(parsed as ChunkJson);
  }

  private scrub(msg: string): string {
    const s = this.spec.secret;
    return s !== undefined && s.length > 0 ? msg.split(s).join('***') : msg;
  }
}
