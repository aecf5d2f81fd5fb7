/**
 * Child process of the HTTP-lag benchmark: one simulated server recording, for every token
 * frame, how late it is written relative to the engine's schedule (HDR histogram, us).
 * Prints its URL, then on IPC 'report' sends back the lag percentiles and exits.
 */
import * as hdr from 'hdr-histogram-js';
import { startSimServer } from '../harness/pool/sim/server.ts';

const lag = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
const server = await startSimServer({
  model: 'llama-3.1-8b',
  maxNumSeqs: Number(process.env.WRP_LAG_MAX_NUM_SEQS ?? 2048),
  port: 0,
  onEmitLag: (ms) => lag.recordValue(Math.max(1, Math.round(ms * 1000))),
});
process.send!({ url: server.url });
process.on('message', async (msg) => {
  if (msg !== 'report') return;
  process.send!({
    frames: lag.totalCount,
    p50Ms: lag.getValueAtPercentile(50) / 1000,
    p99Ms: lag.getValueAtPercentile(99) / 1000,
    maxMs: lag.maxValue / 1000,
  });
  await server.close();
  process.exit(0);
});
