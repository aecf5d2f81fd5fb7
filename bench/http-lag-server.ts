/**
 * Child process of the HTTP-lag benchmark. Mode `wrp` (default): one simulated server
 * recording, for every token frame, how late it reaches the socket relative to the engine's
 * schedule. Mode `floor`: the reference, a bare node:http server that does only the
 * unavoidable part, writing one pre-built chunk-framed frame to every open stream on a fixed
 * step cadence, and records the same lag. Both use HDR histograms in microseconds. Prints its
 * URL, then on IPC 'report' sends back the percentiles and exits.
 */
import { createServer, type ServerResponse } from 'node:http';
import * as hdr from 'hdr-histogram-js';
import { startSimServer } from '../harness/pool/sim/server.ts';

const build = () =>
  hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
const lag = build();
// Steady state: frames emitted once every stream has its first token (the admission burst,
// when the server parses and plans 2,000 requests at once, is over).
const steady = build();
const streams = Number(process.env.WRP_LAG_STREAMS ?? 2000);
const mode = process.env.WRP_LAG_MODE ?? 'wrp';
/** Unix domain socket path; unset: loopback TCP. */
const uds = process.env.WRP_LAG_UDS || undefined;

/** Streams that have their first token (one server mode runs per process). */
let started = 0;
function record(ms: number, tokenIndex: number): void {
  const us = Math.max(1, Math.round(ms * 1000));
  lag.recordValue(us);
  if (tokenIndex === 0) started++;
  else if (started >= streams) steady.recordValue(us);
}

interface Served {
  url: string;
  /** Mean engine step (its own schedule, not wall time) while at least half the streams ran, ms; the floor's given period. */
  stepMs(): number;
  close(): Promise<void>;
}

async function serveWrp(): Promise<Served> {
  let busy = 0;
  let steps = 0;
  const server = await startSimServer({
    onStep: (s) => {
      if (s.seqs < streams / 2) return;
      busy += s.end - s.start;
      steps++;
    },
    model: 'llama-3.1-8b',
    maxNumSeqs: Number(process.env.WRP_LAG_MAX_NUM_SEQS ?? 2048),
    port: 0,
    uds,
    onEmitLag: (ms, tokenIndex) => record(ms, tokenIndex),
  });
  return {
    url: server.url,
    stepMs: () => (1000 * busy) / Math.max(1, steps),
    close: () => server.close(),
  };
}

/** The reference: the same frames over the same HTTP/1.1 chunked streams, with no engine and no JSON. */
async function serveFloor(): Promise<Served> {
  const periodMs = Number(process.env.WRP_LAG_FLOOR_STEP_MS ?? 50);
  const tokens = Number(process.env.WRP_LAG_TOKENS ?? 200);
  const frame = `data: {"id":"chatcmpl-${'0'.repeat(32)}","object":"chat.completion.chunk","created":0,"model":"llama-3.1-8b","choices":[{"index":0,"delta":{"content":" word"},"logprobs":null,"finish_reason":null}]}\n\n`;
  const chunk = `${Buffer.byteLength(frame).toString(16)}\r\n${frame}\r\n`;
  const open: ServerResponse[] = [];
  const run = () => {
    const t0 = performance.now();
    let step = 0;
    const tick = () => {
      const scheduled = t0 + step * periodMs;
      for (const res of open) {
        res.socket!.write(chunk);
        record(performance.now() - scheduled, step);
      }
      if (++step < tokens) setTimeout(tick, Math.max(0, t0 + step * periodMs - performance.now()));
      else for (const res of open) res.end();
    };
    tick();
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      if (open.push(res) === streams) run();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A Unix socket refuses connects beyond the accept backlog at once (TCP would retry): 2,000 arrive together.
    if (uds) server.listen({ path: uds, backlog: 4096 }, resolve);
    else server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  return {
    url: typeof address === 'object' && address !== null ? `http://127.0.0.1:${address.port}` : 'http://localhost',
    stepMs: () => periodMs,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const served = mode === 'floor' ? await serveFloor() : await serveWrp();
process.send!({ url: served.url });
process.on('message', async (msg) => {
  if (msg !== 'report') return;
  process.send!({
    frames: lag.totalCount,
    p50Ms: lag.getValueAtPercentile(50) / 1000,
    p99Ms: lag.getValueAtPercentile(99) / 1000,
    maxMs: lag.maxValue / 1000,
    steadyFrames: steady.totalCount,
    steadyP50Ms: steady.getValueAtPercentile(50) / 1000,
    steadyP99Ms: steady.getValueAtPercentile(99) / 1000,
    stepMs: served.stepMs(),
  });
  await served.close();
  process.exit(0);
});
