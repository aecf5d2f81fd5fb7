/**
 * HTTP: N concurrent streamed chat requests against one simulated server process; how
 * late each token frame is written relative to the engine's own schedule (p50/p99).
 * The load comes from this process (undici, one connection per stream), the server runs
 * in a child process so the client's work does not sit on the server's event loop.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';

export interface HttpLagResult {
  concurrency: number;
  frames: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** After every stream has its first token (the admission burst excluded). */
  steadyFrames: number;
  steadyP50Ms: number;
  steadyP99Ms: number;
  failed: number;
  wallSeconds: number;
}

export async function httpLag(concurrency = 2000, outputTokens = 200): Promise<HttpLagResult> {
  const child = fork(fileURLToPath(new URL('./http-lag-server.ts', import.meta.url)), {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, WRP_LAG_STREAMS: String(concurrency) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>() => new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T)));
  const { url } = await next<{ url: string }>();
  const pool = new Pool(url, { connections: concurrency, pipelining: 1 });
  const body = JSON.stringify({
    model: 'llama-3.1-8b',
    messages: [{ role: 'user', content: 'Summarise the trade-offs of continuous batching in LLM serving.' }],
    max_tokens: outputTokens,
    ignore_eos: true,
    stream: true,
  });
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      try {
        const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body });
        if (res.statusCode !== 200) failed++;
        for await (const _chunk of res.body) {
          // drain: the benchmark measures the server side
        }
      } catch {
        failed++;
      }
    }),
  );
  const wallSeconds = (performance.now() - t0) / 1000;
  child.send('report');
  const report = await next<{ frames: number; p50Ms: number; p99Ms: number; maxMs: number; steadyFrames: number; steadyP50Ms: number; steadyP99Ms: number }>();
  await pool.close();
  return { concurrency, failed, wallSeconds, ...report };
}
