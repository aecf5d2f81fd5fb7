/**
 * The load generator's HTTP client for OpenAI-compatible servers (vLLM, the simulated
 * pool): `/v1/chat/completions` and `/v1/completions`, streaming (SSE with
 * `stream_options.include_usage`) or not. One undici `Pool` per base URL keeps
 * connections alive; HTTP/1.1 streams need one socket each, so by default the pool grows
 * to the number of concurrent requests (`connections` caps it: a closed loop of N sessions
 * needs N).
 *
 * Every call resolves to a `RequestRecord`; request-level failures (refused connection,
 * HTTP errors, timeouts, resets, malformed events, truncation, caller abort) are recorded
 * in `errorClass`, never thrown. See request-run.ts for the latency definitions.
 *
 * What requests share, so that each one allocates little: SSE parsers (a free list), the
 * chunk shapes learned from full parses (chunk-shapes.ts), and one abort listener per caller
 * signal, whatever the number of requests in flight under it.
 */
import { Pool } from 'undici';
import { StreamShape, KnownShapes } from './chunk-shapes.ts';
import { RequestRun, type RunResources } from './request-run.ts';
import { SseParser } from './sse.ts';
import type {
  ChatCompletionBody,
  ClientOptions,
  CompletionBody,
  Endpoint,
  RequestOptions,
  RequestRecord,
  Timeouts,
} from './types.ts';

/**
 * Defaults: connect 10 s (a healthy local pool connects in ms); first byte 60 s (allows
 * long queueing and a long-context prefill under overload); idle 30 s (a decode step is
 * tens of ms, so 30 s silent means a stuck server); total 600 s (a long generation at a
 * slow decode rate). 0 disables one.
 */
export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = Object.freeze({
  connectMs: 10_000,
  firstByteMs: 60_000,
  idleMs: 30_000,
  totalMs: 600_000,
});

const DEFAULT_MAX_ERROR_BODY = 8 * 1024;
/** Idle parsers kept for reuse. */
const MAX_SPARE_PARSERS = 256;
// undici treats an absent connect timeout as its own 10 s default; "disabled" is "very long".
const NO_TIMEOUT_MS = 2_147_483_647;

export class OpenAIClient {
  readonly baseUrl: string;
  private readonly origin: string;
  private readonly prefix: string;
  private readonly timeouts: Timeouts;
  private readonly baseHeaders: Record<string, string>;
  /** Pools of this origin, keyed by connect timeout (undici sets it per pool, not per request). */
  private readonly pools = new Map<number, Pool>();
  private closed = false;
  private readonly spareParsers: SseParser[] = [];
  private readonly shapes = { chat: new KnownShapes(), completions: new KnownShapes() };
  /** Runs in flight under each caller signal; one listener per signal cancels them all. */
  private readonly bySignal = new WeakMap<AbortSignal, Set<RequestRun>>();
  private readonly resources: RunResources = {
    parser: () => this.spareParsers.pop() ?? new SseParser(),
    release: (p) => {
      p.reset();
      if (this.spareParsers.length < MAX_SPARE_PARSERS) this.spareParsers.push(p);
    },
    shape: (endpoint) => new StreamShape(endpoint, this.shapes[endpoint]),
    settled: (run, signal) => this.bySignal.get(signal)?.delete(run),
  };

  constructor(private readonly opts: ClientOptions) {
    const url = new URL(opts.baseUrl);
    this.origin = url.origin;
    // Accept both `http://host:port` and `http://host:port/v1`.
    this.prefix = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
    this.baseUrl = this.origin + this.prefix;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    this.baseHeaders = { 'content-type': 'application/json', ...opts.headers };
    if (opts.apiKey !== undefined && opts.apiKey.length > 0) {
      this.baseHeaders.authorization = `Bearer ${opts.apiKey}`;
    }
  }

  /** POST /v1/chat/completions. */
  chat(body: ChatCompletionBody, opts: RequestOptions = {}): Promise<RequestRecord> {
    return this.send('chat', '/v1/chat/completions', body, opts);
  }

  /** POST /v1/completions. */
  completion(body: CompletionBody, opts: RequestOptions = {}): Promise<RequestRecord> {
    return this.send('completions', '/v1/completions', body, opts);
  }

  /** Waits for in-flight requests, then closes every socket. */
  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close()));
  }

  /** Closes every socket now; in-flight requests end with a `reset` record. */
  async destroy(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy()));
  }

  private send(
    endpoint: Endpoint,
    path: string,
    body: ChatCompletionBody | CompletionBody,
    opts: RequestOptions,
  ): Promise<RequestRecord> {
    if (this.closed) throw new Error('OpenAIClient is closed');
    const stream = opts.stream ?? true;
    const timeouts = opts.timeouts ? { ...this.timeouts, ...opts.timeouts } : this.timeouts;
    const run = new RequestRun(
      {
        endpoint,
        model: body.model,
        stream,
        path: this.prefix + path,
        body: wireBody(body, stream),
        headers: opts.headers ? { ...this.baseHeaders, ...opts.headers } : this.baseHeaders,
        timeouts,
        maxErrorBodyBytes: this.opts.maxErrorBodyBytes ?? DEFAULT_MAX_ERROR_BODY,
        scheduledAt: opts.scheduledAt,
        tag: opts.tag,
        signal: opts.signal,
        secret: this.opts.apiKey,
        captureHeaders: this.opts.captureHeaders,
      },
      this.resources,
    );
    if (opts.signal !== undefined && !opts.signal.aborted) this.watch(opts.signal).add(run);
    return run.run(this.pool(timeouts.connectMs));
  }

  private watch(signal: AbortSignal): Set<RequestRun> {
    let runs = this.bySignal.get(signal);
    if (runs === undefined) {
      const set = (runs = new Set());
      this.bySignal.set(signal, set);
      signal.addEventListener('abort', () => [...set].forEach((r) => r.cancel()), { once: true });
    }
    return runs;
  }

  private pool(connectMs: number): Pool {
    let pool = this.pools.get(connectMs);
    if (pool === undefined) {
      pool = new Pool(this.origin, {
        connections: this.opts.connections ?? null,
        ...(this.opts.socketPath !== undefined ? { socketPath: this.opts.socketPath } : {}),
        connect: { timeout: connectMs > 0 ? connectMs : NO_TIMEOUT_MS },
        // Timeouts are the run's own (classified); these would only race them.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      this.pools.set(connectMs, pool);
    }
    return pool;
  }
}

/**
 * The request body as sent: the stream flags set, usage asked for when streaming. Copied with
 * Object.assign, not spread: spreading the caller's object cost ~1.2 us a request against
 * ~0.2 us (node 20), about 3% of the client's CPU per request.
 */
function wireBody(body: ChatCompletionBody | CompletionBody, stream: boolean): string {
  const payload: Record<string, unknown> = Object.assign({}, body);
  if (stream) {
    const options = Object.assign({}, asObject(body.stream_options));
    options.include_usage = true;
    payload.stream = true;
    payload.stream_options = options;
  } else {
    payload.stream = false;
    payload.stream_options = undefined; // vLLM rejects stream_options when stream is false
  }
  return JSON.stringify(payload);
}

function asObject(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}
