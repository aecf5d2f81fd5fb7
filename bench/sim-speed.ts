/**
 * Speed: virtual-time simulation of N chat requests (mean 1,000 prompt / 250 output
 * tokens, exponential lengths) on one Llama-3.1-8B H100 replica with Poisson arrivals at
 * 90% of the replica's measured capacity. Reports requests simulated per wall second.
 */
import { performance } from 'node:perf_hooks';
import { VirtualClock } from '../harness/pool/sim/clock.ts';
import { SimPool, DEFAULT_POOL_SPEC } from '../harness/pool/sim/sim-pool.ts';
import { mulberry32 } from '../core/rng.ts';

export interface SimSpeedResult {
  requests: number;
  wallSeconds: number;
  requestsPerSecond: number;
  virtualSeconds: number;
  steps: number;
  preemptions: number;
  meanTtftS: number;
}

export function simSpeed(requests: number, ratePerS = 12, seed = 1): SimSpeedResult {
  const clock = new VirtualClock();
  const pool = new SimPool({ ...DEFAULT_POOL_SPEC, model: 'llama-3.1-8b' }, clock);
  const rand = mulberry32(seed);
  const exp = (mean: number) => -Math.log(1 - rand()) * mean;
  let done = 0;
  let ttftSum = 0;
  const listener = {
    onFinish(r: { firstTokenTime: number; arrival: number }) {
      done++;
      ttftSum += r.firstTokenTime - r.arrival;
    },
  };
  let sent = 0;
  const sendNext = () => {
    pool.submit({
      id: String(sent),
      promptTokens: Math.max(1, Math.round(exp(1000))),
      blockHashes: [],
      outputTokens: Math.max(1, Math.round(exp(250))),
      listener,
    });
    sent++;
    if (sent < requests) clock.at(clock.now() + exp(1 / ratePerS), sendNext);
  };
  const t0 = performance.now();
  clock.at(0, sendNext);
  clock.run();
  const wallSeconds = (performance.now() - t0) / 1000;
  if (done !== requests) throw new Error(`simulated ${done} of ${requests} requests`);
  return {
    requests,
    wallSeconds,
    requestsPerSecond: requests / wallSeconds,
    virtualSeconds: clock.now(),
    steps: pool.counter('steps'),
    preemptions: pool.counter('preemptions'),
    meanTtftS: ttftSum / done,
  };
}
