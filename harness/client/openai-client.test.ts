/**
 * The client against the project's simulated vLLM server over real HTTP (no mocks).
 * Failure modes come from the server's own fault hooks, switched per test.
 */
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RequestFaults } from '../pool/sim/faults.ts';
import { startSimServer } from '../pool/sim/server.ts';
import { LABEL_HEADERS } from '../types.ts';
import { OpenAIClient } from './openai-client.ts';
import type { ChatCompletionBody, RequestRecord } from './types.ts';
import { createServer as createHttpServer } from 'node:http';

const MODEL = 'llama-3.2-1b';
const N_OUT = 20;
const API_KEY = 'sk-test-secret-4f9a1c';

let server: { url: string; close(): Promise<void> };
let client: OpenAIClient;
let faults: RequestFaults | undefined;

const chatBody = (over: Partial<ChatCompletionBody> = {}): ChatCompletionBody => ({
  model: MODEL,
  messages: [{ role: 'user', content: 'What is the capital of France? Answer briefly.' }],
  max_tokens: 64,
  ...over,
});
const labels = (n = N_OUT): Record<string, string> => ({ [LABEL_HEADERS.outputTokens]: String(n) });

/** A port nothing listens on: bind an ephemeral one, then release it. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function expectStreamTimings(r: RequestRecord): void {
  expect(r.ttftMs).toBeGreaterThan(0);
  expect(r.itlMs).toHaveLength(r.outputTokens - 1);
  for (const g of r.itlMs) expect(g).toBeGreaterThanOrEqual(0);
  expect(r.e2eMs!).toBeGreaterThanOrEqual(r.ttftMs!);
  expect(r.tpotMs).toBeCloseTo((r.e2eMs! - r.ttftMs!) / (r.outputTokens - 1), 9);
}

beforeAll(async () => {
  server = await startSimServer({
    model: MODEL,
    faults: { forRequest: () => faults },
  });
  client = new OpenAIClient({ baseUrl: server.url, apiKey: API_KEY });
});

afterEach(() => {
  faults = undefined;
});

afterAll(async () => {
  await client.destroy();
  await server.close();
});

describe('OpenAIClient against the simulated vLLM server', () => {
  it('streams a chat completion with full timings, usage and request id', async () => {
    const scheduledAt = performance.now();
    const r = await client.chat(chatBody(), { headers: labels(), scheduledAt, tag: 'row-1' });
    expect(r.errorMessage).toBeUndefined();
    expect(r).toMatchObject({ ok: true, httpStatus: 200, endpoint: 'chat', stream: true, tag: 'row-1' });
    expect(r.outputTokens).toBe(N_OUT);
    expect(r.usageMissing).toBe(false);
    expect(r.contentEvents).toBe(N_OUT);
    expect(r.promptTokens).toBeGreaterThan(0);
    expect(r.cachedTokens).toBeGreaterThanOrEqual(0);
    expect(r.finishReason).toBe('stop');
    expect(r.requestId).toMatch(/\S/);
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.scheduledAt).toBe(scheduledAt);
    expect(r.sendLagMs).toBeGreaterThanOrEqual(0);
    expect(Math.abs(r.sentAtEpochMs - Date.now())).toBeLessThan(60_000);
    expectStreamTimings(r);
  });

  it('keeps the id the client sent in x-request-id', async () => {
    const r = await client.chat(chatBody(), { headers: { ...labels(3), 'x-request-id': 'wrp-42' } });
    expect(r.ok).toBe(true);
    expect(r.requestId).toBe('wrp-42');
  });

  it('sends the body as given with the stream flags set: usage asked for when streaming, no stream_options when not', async () => {
    const bodies: Record<string, unknown>[] = [];
    const capture = createHttpServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (raw += d));
      req.on('end', () => {
        bodies.push(JSON.parse(raw) as Record<string, unknown>);
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'captured', code: 400 } }));
      });
    });
    await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
    const addr = capture.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    try {
      const c = new OpenAIClient({ baseUrl: `http://127.0.0.1:${port}` });
      const given = chatBody({ temperature: 0, stream_options: { continuous_usage_stats: true } });
      const before = structuredClone(given);
      await c.chat(given);
      await c.chat(given, { stream: false });
      await c.close();
      expect(given).toEqual(before); // the caller's object is not changed
      const { stream_options: _, ...rest } = given;
      expect(bodies[0]).toEqual({
        ...rest,
        stream: true,
        stream_options: { continuous_usage_stats: true, include_usage: true },
      });
      expect(bodies[1]).toEqual({ ...rest, stream: false });
      expect(Object.keys(bodies[0]!)).toEqual([...Object.keys(given), 'stream']);
    } finally {
      await new Promise<void>((resolve) => capture.close(() => resolve()));
    }
  });

  it('never puts the API key in the record, even when the server echoes it back', async () => {
    // Some gateways quote the credential they refused; the record must carry the message without it.
    const echo = createHttpServer((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `invalid credential: ${req.headers.authorization}`, code: 401 } }));
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const addr = echo.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    try {
      const c = new OpenAIClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: API_KEY });
      const r = await c.chat(chatBody(), { headers: labels(3) });
      expect(r).toMatchObject({ ok: false, httpStatus: 401 });
      expect(r.errorMessage).toContain('invalid credential: Bearer ***');
      expect(JSON.stringify(r)).not.toContain(API_KEY);
    } finally {
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    }
  });

  it('streams /v1/completions', async () => {
    const r = await client.completion(
      { model: MODEL, prompt: 'The capital of France is', max_tokens: 64 },
      { headers: labels() },
    );
    expect(r).toMatchObject({ ok: true, endpoint: 'completions', outputTokens: N_OUT, usageMissing: false });
    expect(r.requestId).toMatch(/\S/);
    expectStreamTimings(r);
  });

  it('accepts continuous usage stats on every chunk', async () => {
    const body = chatBody({ stream_options: { continuous_usage_stats: true } });
    const r = await client.chat(body, { headers: labels() });
    expect(r).toMatchObject({ ok: true, outputTokens: N_OUT, usageMissing: false });
  });

  it('does a non-streaming chat completion with the same text as the stream', async () => {
    const streamed = await client.chat(chatBody(), { headers: labels() });
    const r = await client.chat(chatBody(), { headers: labels(), stream: false });
    expect(r).toMatchObject({
      ok: true,
      stream: false,
      outputTokens: N_OUT,
      usageMissing: false,
      finishReason: 'stop',
    });
    expect(r.text).toBe(streamed.text);
    expect(r.e2eMs).toBeGreaterThan(0);
    expect(r.requestId).toMatch(/\S/);
  });

  it('records a 404 for an unknown model as http_4xx', async () => {
    const r = await client.chat(chatBody({ model: 'no-such-model' }), { headers: labels() });
    expect(r).toMatchObject({ ok: false, errorClass: 'http_4xx', httpStatus: 404 });
    expect(r.errorMessage).toContain('no-such-model');
    expect(r.ttftMs).toBeUndefined();
  });

  it('records a 429 apart from other 4xx', async () => {
    faults = {
      failBeforeHead: () => ({ status: 429, body: '{"error":{"message":"overloaded","type":"x","code":429}}' }),
    };
    const r = await client.chat(chatBody(), { headers: labels() });
    expect(r).toMatchObject({
      ok: false,
      errorClass: 'http_429',
      httpStatus: 429,
      errorMessage: 'HTTP 429: overloaded',
    });
  });

  it('records a refused connection as connect', async () => {
    const port = await closedPort();
    const c = new OpenAIClient({ baseUrl: `http://127.0.0.1:${port}` });
    const r = await c.chat(chatBody());
    await c.destroy();
    expect(r).toMatchObject({ ok: false, errorClass: 'connect' });
    expect(r.httpStatus).toBeUndefined();
  });

  it('records a caller abort as cancelled, keeping partial timings', async () => {
    const ac = new AbortController();
    let tokens = 0;
    faults = {
      onEvent: (w) => {
        if (w.tokenIndex >= 0 && ++tokens === 3) setImmediate(() => ac.abort());
        return w.frame;
      },
    };
    const r = await client.chat(chatBody({ max_tokens: 2000 }), { headers: labels(2000), signal: ac.signal });
    expect(r).toMatchObject({ ok: false, errorClass: 'cancelled', httpStatus: 200 });
    expect(r.ttftMs).toBeGreaterThan(0);
    expect(r.contentEvents).toBeGreaterThan(0);
    expect(r.usageMissing).toBe(true);
  });

  it('records an already-aborted signal as cancelled without sending', async () => {
    const r = await client.chat(chatBody(), { signal: AbortSignal.abort() });
    expect(r).toMatchObject({ ok: false, errorClass: 'cancelled' });
    expect(r.httpStatus).toBeUndefined();
  });

  it('records a socket closed mid-stream as reset', async () => {
    faults = { onEvent: (w) => (w.tokenIndex === 5 ? 'reset' : w.frame) };
    const r = await client.chat(chatBody(), { headers: labels() });
    expect(r).toMatchObject({ ok: false, errorClass: 'reset', contentEvents: 5 });
    expect(r.itlMs).toHaveLength(4);
  });

  it('records a stream that ends without [DONE] as truncated', async () => {
    faults = { onEvent: (w) => (w.tokenIndex === 5 ? 'end' : w.frame) };
    const r = await client.chat(chatBody(), { headers: labels() });
    expect(r).toMatchObject({ ok: false, errorClass: 'truncated', contentEvents: 5 });
  });

  it('records unparseable JSON in a data event as malformed_event', async () => {
    faults = { onEvent: (w) => (w.tokenIndex === 2 ? 'data: {"choices": [\n\n' : w.frame) };
    const r = await client.chat(chatBody(), { headers: labels() });
    expect(r).toMatchObject({ ok: false, errorClass: 'malformed_event' });
    expect(r.errorMessage).toContain('unparseable');
  });

  it('estimates the output count from content events when usage is missing', async () => {
    faults = { onEvent: (w) => (w.tokenIndex === -1 ? 'data: [DONE]\n\n' : w.frame) };
    const r = await client.chat(chatBody(), { headers: labels() });
    expect(r).toMatchObject({ ok: true, usageMissing: true, outputTokens: N_OUT, contentEvents: N_OUT });
    expect(r.promptTokens).toBeUndefined();
    expectStreamTimings(r);
  });

  it('times out waiting for the first byte', async () => {
    faults = { headDelayMs: () => 1_000 };
    const r = await client.chat(chatBody(), { headers: labels(), timeouts: { firstByteMs: 150 } });
    expect(r).toMatchObject({ ok: false, errorClass: 'timeout_first_byte' });
    expect(r.doneMs).toBeGreaterThanOrEqual(140);
  });

  it('times out when the stream goes idle', async () => {
    faults = { onEvent: (w) => (w.tokenIndex === 4 ? { stallMs: 1_000, frame: w.frame } : w.frame) };
    const r = await client.chat(chatBody(), { headers: labels(), timeouts: { idleMs: 150 } });
    expect(r).toMatchObject({ ok: false, errorClass: 'timeout_idle', contentEvents: 4 });
  });

  it('times out on the total deadline', async () => {
    const r = await client.chat(chatBody({ max_tokens: 4000 }), { headers: labels(4000), timeouts: { totalMs: 200 } });
    expect(r).toMatchObject({ ok: false, errorClass: 'timeout_total' });
    expect(r.ttftMs).toBeGreaterThan(0);
  });
});
