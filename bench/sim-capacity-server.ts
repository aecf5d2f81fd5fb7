/**
 * Child process of the load-generator benchmark's simulated-pool row: one simulated pool
 * (`wrp pool serve` as a library: an 8B model on one H100, vLLM's defaults) in its own
 * process. Sends `{ url }` over IPC once listening; on IPC 'report' sends its frame-lag
 * figures (in ms and modelled steps) and exits.
 */
import { startSimServer } from '../harness/pool/sim/server.ts';

const server = await startSimServer({
  model: process.env.WRP_SIM_MODEL ?? 'llama-3.1-8b',
  gpu: process.env.WRP_SIM_GPU ?? 'H100-80GB',
  port: 0,
  onWarning: () => undefined, // the benchmark reads the figures instead
});
process.send!({ url: server.url });
process.on('message', (m) => {
  if (m !== 'report') return;
  const lag = server.frameLag();
  void server
    .close()
    .then(() => process.send!({ ...lag, maxRssKiB: process.resourceUsage().maxRSS }, () => process.exit(0)));
});
process.on('disconnect', () => process.exit(0));
