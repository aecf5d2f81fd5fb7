/**
 * Prometheus exposition of a simulated pool with vLLM V1's metric names (every series
 * labelled `model_name`), plus the simulator's own frame lag (`wrp:` names), and a DCGM-exporter-style energy registry (labels gpu, UUID,
 * Hostname, modelName), so wrp's scrapers read a simulated node like a real one.
 */
import { hostname } from 'node:os';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SimPool } from './sim-pool.ts';

// Bucket boundaries as vLLM's own metrics define them (vllm/v1/metrics/loggers.py).
const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560,
];
const ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
const REQUEST_LATENCY_BUCKETS = [
  0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680,
];
const FRAME_LAG_STEP_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 50];
const TOKEN_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];

/** What the server reports when a request finishes. */
export interface FinishedRequest {
  finishReason: 'stop' | 'length';
  queueS: number;
  prefillS: number;
  decodeS: number;
  ttftS: number;
  e2eS: number;
  promptTokens: number;
  outputTokens: number;
}

type Observer = { observe(v: number): void };

export class VllmMetrics {
  readonly registry = new Registry();
  private readonly success: Counter<'model_name' | 'finished_reason'>;
  private readonly itl: Observer;
  private readonly perRequest: Record<string, Observer>;

  private readonly frameLagSteps: Observer;

  constructor(
    private readonly pool: SimPool,
    private readonly modelName: string,
    /** The modelled engine step frame lag is measured in, seconds. */
    stepSeconds: () => number = () => 0,
  ) {
    const labels = { model_name: modelName };
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['model_name'],
        registers,
        collect() {
          this.set(labels, read());
        },
      });
    gauge('vllm:num_requests_running', 'Requests in model execution batches.', () => pool.numRunning);
    gauge('vllm:num_requests_waiting', 'Requests waiting to be processed.', () => pool.numWaiting);
    gauge('vllm:kv_cache_usage_perc', 'KV-cache usage, 1 = 100 percent.', () => pool.kvCacheUsage);

    // Counters the engine keeps itself: expose its running totals at scrape time.
    const mirrored = (name: string, help: string, read: () => number) => {
      let reported = 0;
      new Counter({
        name,
        help,
        labelNames: ['model_name'],
        registers,
        collect() {
          const now = read();
          this.inc(labels, Math.max(0, now - reported)); // inc(0) still exposes a zero sample
          reported = now;
        },
      });
    };
    mirrored('vllm:prompt_tokens_total', 'Prefill tokens processed.', () => pool.counter('promptTokens'));
    mirrored('vllm:generation_tokens_total', 'Generation tokens processed.', () => pool.counter('generationTokens'));
    mirrored('vllm:num_preemptions_total', 'Cumulative preemptions.', () => pool.counter('preemptions'));
    mirrored('vllm:prefix_cache_queries_total', 'Prefix-cache queries, in tokens.', () =>
      pool.counter('prefixCacheQueries'),
    );
    mirrored('vllm:prefix_cache_hits_total', 'Prefix-cache hits, in tokens.', () => pool.counter('prefixCacheHits'));

    this.success = new Counter({
      name: 'vllm:request_success_total',
      help: 'Successfully processed requests.',
      labelNames: ['model_name', 'finished_reason'],
      registers,
    });
    for (const reason of ['stop', 'length', 'abort'])
      this.success.inc({ model_name: modelName, finished_reason: reason }, 0);
    const histogram = (name: string, help: string, buckets: number[]): Observer => {
      const h = new Histogram({ name, help, buckets, labelNames: ['model_name'], registers });
      h.zero(labels); // exposed from the start, as vLLM does
      return h.labels(labels);
    };
    this.itl = histogram('vllm:inter_token_latency_seconds', 'Inter-token latency.', ITL_BUCKETS);
    // Not vLLM's: how far the simulator's HTTP side is behind its engine (it is the bottleneck past one step).
    gauge('wrp:engine_step_seconds', 'Recent mean engine step of the simulated pool.', stepSeconds);
    this.frameLagSteps = histogram(
      'wrp:frame_lag_steps',
      'Frame lag in modelled engine steps (above 1: the simulator, not the modelled GPU, sets client latency).',
      FRAME_LAG_STEP_BUCKETS,
    );
    this.perRequest = {
      ttftS: histogram('vllm:time_to_first_token_seconds', 'Time to first token.', TTFT_BUCKETS),
      e2eS: histogram('vllm:e2e_request_latency_seconds', 'End-to-end request latency.', REQUEST_LATENCY_BUCKETS),
      queueS: histogram('vllm:request_queue_time_seconds', 'Time spent waiting.', REQUEST_LATENCY_BUCKETS),
      prefillS: histogram('vllm:request_prefill_time_seconds', 'Time spent in prefill.', REQUEST_LATENCY_BUCKETS),
      decodeS: histogram('vllm:request_decode_time_seconds', 'Time spent in decode.', REQUEST_LATENCY_BUCKETS),
      promptTokens: histogram('vllm:request_prompt_tokens', 'Prompt tokens per request.', TOKEN_BUCKETS),
      outputTokens: histogram('vllm:request_generation_tokens', 'Generation tokens per request.', TOKEN_BUCKETS),
    };
  }

  private readonly pendingItl: number[] = [];
  private readonly pendingLag: number[] = [];
  private readonly flushPending = () => {
    for (const s of this.pendingItl) this.itl.observe(s);
    this.pendingItl.length = 0;
    for (const steps of this.pendingLag) this.frameLagSteps.observe(steps);
    this.pendingLag.length = 0;
  };

  /**
   * Inter-token latencies and frame lags are observed after the current engine step's frames
   * are written: a prom-client observe costs about as much as building a frame, and it need
   * not delay one.
   */
  observeItl(seconds: number): void {
    if (this.pendingItl.push(seconds) === 1 && this.pendingLag.length === 0) setImmediate(this.flushPending);
  }

  /** A frame's lag in modelled steps (wrp:engine_step_seconds converts it to seconds). */
  observeFrameLag(steps: number): void {
    if (this.pendingLag.push(steps) === 1 && this.pendingItl.length === 0) setImmediate(this.flushPending);
  }

  /** A request whose client went away before it finished (vLLM's finished_reason="abort"). */
  observeAbort(): void {
    this.success.inc({ model_name: this.modelName, finished_reason: 'abort' });
  }

  observeFinished(r: FinishedRequest): void {
    this.success.inc({ model_name: this.modelName, finished_reason: r.finishReason });
    for (const [key, observer] of Object.entries(this.perRequest))
      observer.observe(r[key as keyof FinishedRequest] as number);
  }
}

/** DCGM exporter names: DCGM_FI_DEV_POWER_USAGE (W), DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION (mJ). */
export function dcgmRegistry(pool: SimPool): Registry {
  const registry = new Registry();
  const registers = [registry];
  const labelNames = ['gpu', 'UUID', 'device', 'modelName', 'Hostname'] as const;
  const host = hostname();
  const gpuName = `NVIDIA ${pool.gpu.name} (simulated)`;
  const series = (
    name: string,
    help: string,
    pick: (r: ReturnType<SimPool['gpuReadings']>[number]) => number,
    type: 'gauge' | 'counter',
  ) => {
    const collect = function (this: Gauge<(typeof labelNames)[number]>) {
      for (const r of pool.gpuReadings()) {
        this.set(
          { gpu: String(r.gpu), UUID: r.uuid, device: `nvidia${r.gpu}`, modelName: gpuName, Hostname: host },
          pick(r),
        );
      }
    };
    // prom-client counters cannot be set; a DCGM counter is a monotone reading, so expose it
    // with a gauge object but the counter TYPE line the exporter prints.
    const g = new Gauge({ name, help, labelNames, registers, collect });
    if (type === 'counter') Object.defineProperty(g, 'type', { value: 'counter' });
  };
  series('DCGM_FI_DEV_POWER_USAGE', 'Power draw (in W).', (r) => r.watts, 'gauge');
  series(
    'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION',
    'Total energy consumption since boot (in mJ).',
    (r) => Math.round(r.energyMj),
    'counter',
  );
  series('DCGM_FI_DEV_GPU_UTIL', 'GPU utilization (in %).', (r) => r.util, 'gauge');
  series('DCGM_FI_DEV_FB_USED', 'Framebuffer memory used (in MiB).', (r) => Math.round(r.memUsedMiB), 'gauge');
  return registry;
}
