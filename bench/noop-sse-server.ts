/**
 * The load-generator benchmark's server: a no-op vLLM-style endpoint on node:http that
 * answers every `POST /v1/chat/completions` at once with the frames vLLM streams (a role
 * chunk, one content chunk per token, `finish_reason` on the last, a usage chunk, then
 * `data: [DONE]`), pre-built, so what is measured is the client's cost per request, not the
 * server's. Also `GET /metrics` (a few vLLM gauges, so wrp's scraper has something to
 * read), `GET /v1/models` and `GET /health`.
 *
 * Run as a child process (`fork` with tsx, env WRP_NOOP_CHILD=1): it sends `{ url }` over IPC once listening, and
 * on IPC 'report' sends `{ requests, maxRssKiB }` and exits.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const NOOP_MODEL = 'noop';

/** The streamed body of one answer of `tokens` tokens: `The answer is A.` at the end, so an evaluator has something to read. */
export function noopStreamBody(tokens: number): Buffer {
  const prefix = `data: {"id":"chatcmpl-noop","object":"chat.completion.chunk","created":1700000000,"model":"${NOOP_MODEL}",`;
  const words = ['The', ' answer', ' is', ' A', '.'];
  const pieces = Array.from({ length: tokens }, (_, i) => {
    const tail = tokens - i;
    return tail <= words.length ? words[words.length - tail]! : ` w${i}`;
  });
  let body = `${prefix}"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`;
  pieces.forEach((p, i) => {
    const fr = i === tokens - 1 ? '"stop"' : 'null';
    body += `${prefix}"choices":[{"index":0,"delta":{"content":${JSON.stringify(p)}},"logprobs":null,"finish_reason":${fr}}]}\n\n`;
  });
  body += `${prefix}"choices":[],"usage":{"prompt_tokens":20,"completion_tokens":${tokens},"total_tokens":${20 + tokens},"prompt_tokens_details":{"cached_tokens":0}}}\n\n`;
  body += 'data: [DONE]\n\n';
  return Buffer.from(body);
}

const METRICS = [
  '# TYPE vllm:num_requests_running gauge',
  `vllm:num_requests_running{model_name="${NOOP_MODEL}"} 0`,
  '# TYPE vllm:num_requests_waiting gauge',
  `vllm:num_requests_waiting{model_name="${NOOP_MODEL}"} 0`,
  '# TYPE vllm:kv_cache_usage_perc gauge',
  `vllm:kv_cache_usage_perc{model_name="${NOOP_MODEL}"} 0`,
  '',
].join('\n');

export interface NoopServer {
  url: string;
  requests(): number;
  close(): Promise<void>;
}

export async function startNoopServer(tokens: number, port = 0): Promise<NoopServer> {
  const body = noopStreamBody(tokens);
  const models = JSON.stringify({ object: 'list', data: [{ id: NOOP_MODEL, object: 'model', owned_by: 'vllm' }] });
  const sseHead = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
  let served = 0;
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST' && req.url === '/v1/chat/completions') {
      served++;
      res.writeHead(200, sseHead);
      // write + end: chunked transfer encoding, as vLLM streams.
      res.write(body);
      res.end();
    } else if (req.url === '/metrics') res.writeHead(200, { 'content-type': 'text/plain' }).end(METRICS);
    else if (req.url === '/v1/models') res.writeHead(200, { 'content-type': 'application/json' }).end(models);
    else if (req.url === '/health') res.writeHead(200).end();
    else res.writeHead(404).end();
  };
  const server = createServer((req, res) => {
    // The request body is not needed: answer once it has been read (keep-alive needs it consumed).
    req.on('data', () => undefined);
    req.on('end', () => answer(req, res));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    requests: () => served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (process.env.WRP_NOOP_CHILD === '1' && process.send !== undefined) {
  const server = await startNoopServer(Number(process.env.WRP_NOOP_TOKENS ?? 16));
  process.send({ url: server.url });
  process.on('message', (m) => {
    if (m !== 'report') return;
    const report = { requests: server.requests(), maxRssKiB: process.resourceUsage().maxRSS };
    process.send!(report, () => void server.close().then(() => process.exit(0)));
  });
  process.on('disconnect', () => process.exit(0));
}
