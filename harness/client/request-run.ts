/**
 * One HTTP exchange with an OpenAI-compatible server, as a small state machine that is
 * itself the undici dispatch handler (no stream objects, no promise per callback). It never
 * throws for request-level failures: `run()` always resolves to a record, with whatever
 * timings were taken before a failure.
 *
 * Latency definitions (REFERENCE.md section 1; the project's choice):
 * - TTFT: send -> first event whose `delta.content` or `delta.reasoning_content` (chat) or
 *   `text` (completions) is non-empty. A role-only or empty first chunk does not count,
 *   unlike vLLM's own bench.
 * - ITL: every gap between successive content events. All events of one network chunk get
 *   that chunk's arrival time (one clock read per chunk; they did arrive together).
 * - E2E: send -> last SSE event (normally `[DONE]`). TPOT = (E2E - TTFT) / (n_out - 1),
 *   only on successful records with n_out >= 2.
 *
 * Per request: one timer for all of connect-to-first-byte, idle and total deadlines (armed
 * for the nearest one, re-armed lazily when it fires), a pooled SSE parser, and content
 * events read without a full JSON.parse when their shape is known (chunk-shapes.ts).
 */
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { StreamShape } from './chunk-shapes.ts';
import { classifyStatus, classifyStreamError, classifyTransportError, errorBodyMessage, errorText } from './errors.ts';
import type { SseEvent, SseParser, SseSink } from './sse.ts';
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

/** What a run borrows from its client: a parser for a streamed body, the stream's chunk shapes. */
export interface RunResources {
  parser(): SseParser;
  release(parser: SseParser): void;
  shape(endpoint: Endpoint): StreamShape;
  /** The run is over (it stops watching the caller's signal). */
  settled(run: RequestRun, signal: AbortSignal): void;
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const asNumber = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

class RunAborted extends Error {
  readonly code = 'WRP_RUN_ABORTED';
}

const onRunTimer = (run: RequestRun): void => run.onTimer();

export class RequestRun implements Dispatcher.DispatchHandler, SseSink {
  private readonly rec: RequestRecord;
  private controller: Dispatcher.DispatchController | undefined;
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
  private timer: NodeJS.Timeout | undefined;
  /** The deadline the timer is set for (performance.now() ms). */
  private timerAt = Infinity;
  private sse: SseParser | undefined;
  private shape: StreamShape | undefined;
  private settle: ((r: RequestRecord) => void) | undefined;
  private settled = false;
  /** Inside complete(): the stream's last events are being flushed. */
  private completing = false;
  /** Error body (capped) or a whole non-streaming body. */
  private readonly parts: Buffer[] = [];
  private partsBytes = 0;
  private partsLimit = 0;

  constructor(
    private readonly spec: RunSpec,
    private readonly resources: RunResources,
  ) {
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

  run(dispatcher: Dispatcher): Promise<RequestRecord> {
    this.t0 = performance.now();
    this.rec.sentAtPerfMs = this.t0;
    this.rec.sentAtEpochMs = Date.now();
    if (this.spec.scheduledAt !== undefined) this.rec.sendLagMs = this.t0 - this.spec.scheduledAt;
    const done = new Promise<RequestRecord>((resolve) => (this.settle = resolve));
    if (this.spec.signal?.aborted) {
      this.fail('cancelled', 'aborted by caller before send');
      return done;
    }
    this.armTimer();
    dispatcher.dispatch(
      {
        path: this.spec.path,
        method: 'POST',
        headers: this.spec.headers,
        body: this.spec.body,
        // Our own timer classifies timeouts; undici's would race it.
        headersTimeout: 0,
        bodyTimeout: 0,
      },
      this,
    );
    return done;
  }

  /** The caller's signal fired (the client watches it for all of its runs). */
  cancel(): void {
    this.fail('cancelled', 'aborted by caller');
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // A failure that came before the request reached a socket (a timeout while queued or connecting).
    if (this.settled) controller.abort(new RunAborted('request abandoned'));
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200 || this.settled) return; // 1xx: informational, the real head follows
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
    if (ok && this.spec.stream) {
      this.sse = this.resources.parser();
      this.sse.bind(this);
      this.shape = this.resources.shape(this.spec.endpoint);
    } else this.partsLimit = ok ? Number.POSITIVE_INFINITY : this.spec.maxErrorBodyBytes;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const now = performance.now();
    this.now = now;
    this.lastByteAt = now;
    if (this.settled) return;
    if (!this.bodyStarted) {
      this.bodyStarted = true;
      // The idle deadline replaces the first-byte one: sooner, when the idle timeout is the shorter.
      if (this.nextDeadline() < this.timerAt) {
        clearTimeout(this.timer);
        this.armTimer();
      }
    }
    if (this.sse !== undefined) {
      this.sse.push(chunk);
    } else if (this.partsBytes < this.partsLimit) {
      this.parts.push(chunk);
      this.partsBytes += chunk.length;
    }
  }

  onResponseEnd(): void {
    this.finish(undefined);
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.finish(err);
  }

  /** Sets the one timer for the nearest deadline: first byte (until the body starts), idle (after), total. */
  private armTimer(): void {
    const at = this.nextDeadline();
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = setTimeout(onRunTimer, Math.max(1, Math.ceil(at - performance.now())), this);
  }

  private nextDeadline(): number {
    const { firstByteMs, idleMs, totalMs } = this.spec.timeouts;
    let at = Infinity;
    if (totalMs > 0) at = this.t0 + totalMs;
    if (!this.bodyStarted && firstByteMs > 0) at = Math.min(at, this.t0 + firstByteMs);
    if (this.bodyStarted && idleMs > 0) at = Math.min(at, this.lastByteAt + idleMs);
    return at;
  }

  /** The timer fired (through onRunTimer: no closure per run). */
  onTimer(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.settled) return;
    const { firstByteMs, idleMs, totalMs } = this.spec.timeouts;
    const now = performance.now();
    if (totalMs > 0 && now - this.t0 >= totalMs) this.fail('timeout_total', `no end within ${totalMs} ms`);
    else if (!this.bodyStarted && firstByteMs > 0 && now - this.t0 >= firstByteMs)
      this.fail('timeout_first_byte', `no body byte within ${firstByteMs} ms`);
    else if (this.bodyStarted && idleMs > 0 && now - this.lastByteAt >= idleMs)
      this.fail('timeout_idle', `no body byte for ${idleMs} ms`);
    else this.armTimer(); // the body moved on since: the next deadline
  }

  onSseEvent(ev: SseEvent): void {
    if (this.failure !== undefined) return;
    const data = ev.data;
    if (data === '[DONE]') {
      this.sawDone = true;
      this.rec.e2eMs = this.now - this.t0;
      return;
    }
    const fast = this.shape?.read(data);
    if (fast !== undefined) {
      this.rec.e2eMs = this.now - this.t0;
      this.applyContent(fast.content, undefined);
      if (fast.finishReason !== undefined) this.rec.finishReason = fast.finishReason;
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
    this.shape?.learn(data, parsed as ChunkJson);
  }

  /** A content event's text and timing. */
  private applyContent(content: unknown, reasoning: unknown): void {
    const rec = this.rec;
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
  }

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
      this.applyContent(msg ? msg.content : ch.text, msg ? (msg.reasoning_content ?? msg.reasoning) : undefined);
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

  /** Records the first failure only and stops the exchange (the record is final from here). */
  private fail(cls: ErrorClass, msg: string): void {
    if (this.failure !== undefined || (this.settled && !this.completing)) return;
    this.failure = cls;
    this.failureMsg = msg;
    if (this.completing) return; // an event flushed at the end of the stream: complete() reads it
    this.finish(undefined);
    this.controller?.abort(new RunAborted(msg));
  }

  /** Settles the run once: classifies, completes the record, gives back the timer and the parser. */
  private finish(transportErr: unknown): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.completing = true;
    const rec = this.complete(transportErr);
    this.completing = false;
    if (this.sse !== undefined) this.resources.release(this.sse);
    this.sse = undefined;
    if (this.spec.signal !== undefined) this.resources.settled(this, this.spec.signal);
    this.settle!(rec);
  }

  private complete(transportErr: unknown): RequestRecord {
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
