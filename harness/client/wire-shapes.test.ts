/**
 * The client against the odd answers real servers give, byte for byte over real HTTP: the
 * error shapes sent after a 200 (vLLM's in-stream `{"error": {...}}` from
 * `create_streaming_error_response`, older vLLM's flat ErrorResponse `{"object": "error",
 * message, type, param, code}`, a bare `{"error": "text"}`, an SSE `event: error`), vLLM's
 * finish reasons `abort` and `error` (vllm/v1/engine FINISH_REASON_STRINGS; `error` is always
 * turned into a 500), a 200 of the wrong content type, and loose framing around complete
 * answers. Each failure must be a failure of the right class with its time; each complete
 * answer a success.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAIClient } from './openai-client.ts';

const MODEL = 'stand-in';
const ID = 'chatcmpl-abc';
const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  JSON.stringify({
    id: ID,
    object: 'chat.completion.chunk',
    created: 1,
    model: MODEL,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
const usage = JSON.stringify({
  id: ID,
  object: 'chat.completion.chunk',
  created: 1,
  model: MODEL,
  choices: [],
  usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
});
/** A well-formed answer's events, up to (not including) [DONE]. */
const answer = (finish = 'stop', eol = '\n') =>
  [
    chunk({ role: 'assistant', content: '' }),
    chunk({ content: 'Par' }),
    chunk({ content: 'is' }),
    chunk({ content: '.' }, finish),
    usage,
  ]
    .map((d) => `data: ${d}${eol}${eol}`)
    .join('');

type Reply = (res: ServerResponse) => void;
const sse =
  (body: string, end: (res: ServerResponse) => void = (res) => res.end()): Reply =>
  (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(body);
    end(res);
  };

const REPLIES: Record<string, Reply> = {
  ok: sse(`${answer()}data: [DONE]\n\n`),
  crlf: sse(`${answer('stop', '\r\n')}data: [DONE]\r\n\r\n`),
  'done-one-newline': sse(`${answer()}data: [DONE]\n`),
  'done-no-newline': sse(`${answer()}data: [DONE]`),
  'drop-after-done': sse(`${answer()}data: [DONE]\n\n`, (res) => setTimeout(() => res.socket?.destroy(), 20)),
  'drop-before-done': sse(answer(), (res) => setTimeout(() => res.socket?.destroy(), 20)),
  'vllm-error-object': sse(
    `${answer().split('\n\n')[1]}\n\ndata: {"error": {"object": "error", "message": "engine died", "type": "InternalServerError", "param": null, "code": 500}}\n\ndata: [DONE]\n\n`,
  ),
  'flat-object-error': sse(
    `data: ${chunk({ content: 'Pa' })}\n\ndata: {"object": "error", "message": "prompt too long", "type": "BadRequestError", "param": null, "code": 400}\n\ndata: [DONE]\n\n`,
  ),
  'string-error': sse(`data: ${chunk({ content: 'Pa' })}\n\ndata: {"error": "upstream exploded"}\n\ndata: [DONE]\n\n`),
  'event-error-flat': sse(
    `data: ${chunk({ content: 'Pa' })}\n\nevent: error\ndata: {"message": "overloaded", "code": 429}\n\n`,
  ),
  'event-error-text': sse(`event: error\ndata: backend went away\n\n`),
  'finish-abort': sse(`${answer('abort')}data: [DONE]\n\n`),
  'finish-error': sse(`${answer('error')}data: [DONE]\n\n`),
  'json-200': (res) =>
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(
        JSON.stringify({ id: ID, object: 'chat.completion', choices: [{ index: 0, message: { content: 'Paris.' } }] }),
      ),
  'json-200-error': (res) =>
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end('{"object": "error", "message": "model is overloaded", "type": "ServiceUnavailable", "code": 503}'),
  'html-200': (res) =>
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end('<!DOCTYPE html><html>Directory listing</html>'),
  // The byte-order mark leads the first content event: unless stripped, that event's field name is not `data`.
  'bom-comments': sse(`\ufeff${answer().split('\n\n').slice(1).join('\n\n')}: keep-alive\n\ndata: [DONE]\n\n`),
};

let url = '';
const server = createServer((req, res) => {
  req.resume();
  const reply = REPLIES[req.headers['x-reply'] as string];
  if (reply) reply(res);
  else res.writeHead(404).end();
});
const client = () => new OpenAIClient({ baseUrl: url });
let c: OpenAIClient;

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  c = client();
});
afterAll(async () => {
  await c.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

const ask = (reply: string, stream = true) =>
  c.chat(
    { model: MODEL, messages: [{ role: 'user', content: 'capital of France?' }] },
    { headers: { 'x-reply': reply }, stream },
  );

describe('complete answers with loose framing are successes', () => {
  it.each(['ok', 'crlf', 'done-one-newline', 'drop-after-done', 'bom-comments'])('%s', async (reply) => {
    const r = await ask(reply);
    expect(r.errorMessage).toBeUndefined();
    expect(r).toMatchObject({ ok: true, text: 'Paris.', outputTokens: 3, usageMissing: false, finishReason: 'stop' });
    expect(r.ttftMs).toBeGreaterThan(0);
  });
});

describe('every error shape is a failure of its class, stamped with its time', () => {
  it.each([
    ['vllm-error-object', 'http_5xx', 'engine died'],
    ['flat-object-error', 'http_4xx', 'prompt too long'],
    ['string-error', 'http_5xx', 'upstream exploded'],
    ['event-error-flat', 'http_429', 'overloaded'],
    ['event-error-text', 'http_5xx', 'backend went away'],
    ['finish-abort', 'server_abort', 'finish_reason "abort"'],
    ['finish-error', 'http_5xx', 'finish_reason "error"'],
    ['json-200', 'content_type', 'content-type application/json, expected text/event-stream'],
    ['json-200-error', 'http_5xx', 'model is overloaded'],
    ['html-200', 'content_type', 'content-type text/html'],
    ['done-no-newline', 'truncated', 'without [DONE]'],
    ['drop-before-done', 'reset', ''],
  ])('%s -> %s', async (reply, cls, message) => {
    const before = Date.now();
    const r = await ask(reply);
    expect(r).toMatchObject({ ok: false, errorClass: cls, httpStatus: 200 });
    expect(r.errorMessage).toContain(message);
    expect(r.doneMs).toBeGreaterThan(0);
    expect(r.sentAtEpochMs + r.doneMs).toBeGreaterThanOrEqual(before);
  });

  it('a non-streaming 200 of HTML is content_type', async () => {
    const r = await ask('html-200', false);
    expect(r).toMatchObject({ ok: false, errorClass: 'content_type' });
    expect(r.errorMessage).toContain('expected application/json');
  });

  it('a non-streaming 200 carrying a flat error is that error', async () => {
    const r = await ask('json-200-error', false);
    expect(r).toMatchObject({ ok: false, errorClass: 'http_5xx', errorMessage: 'model is overloaded' });
  });
});
