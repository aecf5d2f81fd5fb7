/**
 * HTTP: N concurrent streamed chat requests against one simulated server process; how
 * late each token frame reaches the socket relative to the engine's own schedule (p50/p99).
 * Over loopback TCP, and over a Unix domain socket (`--uds`), which skips the TCP stack.
 * The load comes from this process (undici, one connection per stream), the server runs
 * in a child process so the client's work does not sit on the server's event loop.
 *
 * The reference, run right after in the same way: a bare node:http server writing one
 * pre-built frame to each of the N streams per step, at wrp's measured step period. Its lag
 * is the floor this machine sets (kernel cost of N loopback TCP writes per step plus timer
 * lateness); wrp's figure is reported as a ratio to it.
 */
import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';

export interface LagFigures {
  frames: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** After every stream has its first token (the admission burst excluded). */
  steadyFrames: number;
  steadyP50Ms: number;
  steadyP99Ms: number;
  /** Mean step period while streaming, ms. */
  stepMs: number;
  failed: number;
  wallSeconds: number;
}

export interface HttpLagResult {
  transport: 'tcp' | 'uds';
  concurrency: number;
  outputTokens: number;
  wrp: LagFigures;
  floor: LagFigures;
}

async function measure(
  mode: 'wrp' | 'floor',
  transport: 'tcp' | 'uds',
  concurrency: number,
  outputTokens: number,
  floorStepMs = 0,
): Promise<LagFigures> {
  // One path per measurement: a child that exits without closing its server leaves its file.
  const socketPath =
    transport === 'uds' ? join(tmpdir(), `wrp-lag-${process.pid}-${mode}-${concurrency}.sock`) : undefined;
  const child = fork(fileURLToPath(new URL('./http-lag-server.ts', import.meta.url)), {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      WRP_LAG_MODE: mode,
      WRP_LAG_STREAMS: String(concurrency),
      WRP_LAG_TOKENS: String(outputTokens),
      WRP_LAG_FLOOR_STEP_MS: String(floorStepMs),
      WRP_LAG_UDS: socketPath ?? '',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      child.once('message', (m) => resolve(m as T));
      child.once('exit', (code) => reject(new Error(`the ${mode} lag server exited (code ${code}) before answering`)));
    });
  const { url } = await next<{ url: string }>();
  const pool = new Pool(url, { connections: concurrency, pipelining: 1, ...(socketPath ? { socketPath } : {}) });
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
        const res = await pool.request({
          path: '/v1/chat/completions',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
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
  const report = await next<Omit<LagFigures, 'failed' | 'wallSeconds'>>();
  await pool.close();
  if (socketPath) rmSync(socketPath, { force: true });
  return { ...report, failed, wallSeconds };
}

export async function httpLag(
  concurrency = 2000,
  transport: 'tcp' | 'uds' = 'tcp',
  outputTokens = 200,
): Promise<HttpLagResult> {
  const wrp = await measure('wrp', transport, concurrency, outputTokens);
  const floor = await measure('floor', transport, concurrency, outputTokens, Math.round(wrp.stepMs));
  return { transport, concurrency, outputTokens, wrp, floor };
}
