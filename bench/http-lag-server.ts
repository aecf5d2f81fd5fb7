/**
 * Child process of the HTTP-lag benchmark: one simulated server recording, for every token
 * frame, how late it is written relative to the engine's schedule (HDR histogram, us).
 * Prints its URL, then on IPC 'report' sends back the lag percentiles and exits.
 */
import * as hdr from 'hdr-histogram-js';
import { startSimServer } from '../harness/pool/sim/server.ts';

const build = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
const lag = build();
// Steady state: frames emitted once every stream has its first token (the admission burst,
// when the server parses and plans 2,000 requests at once, is over).
const steady = build();
const streams = Number(process.env.WRP_LAG_STREAMS ?? 2000);
let started = 0;
const server = await startSimServer({
  model: 'llama-3.1-8b',
  maxNumSeqs: Number(process.env.WRP_LAG_MAX_NUM_SEQS ?? 2048),
  port: 0,
  onEmitLag: (ms, tokenIndex) => {
    const us = Math.max(1, Math.round(ms * 1000));
    lag.recordValue(us);
    if (tokenIndex === 0) started++;
    else if (started >= streams) steady.recordValue(us);
  },
});
process.send!({ url: server.url });
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
  });
  await server.close();
  process.exit(0);
});
