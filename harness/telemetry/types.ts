/**
 * Telemetry samples: one JSON line each in telemetry.jsonl (snake_case, as written).
 * `t_ms` is epoch ms at the middle of the scrape (between send and response), the best
 * estimate of when the server read its counters.
 */

/** vLLM's /metrics, reduced to what routing and energy attribution use. Absent: not exposed. */
export interface VllmValues {
  /** Gauges, summed over the pool's series (model_name / engine labels). */
  running?: number;
  waiting?: number;
  /** Mean over series, 0..1. */
  kv_cache_usage?: number;
  /** Counters (monotone; only differences mean something). */
  prompt_tokens_total?: number;
  generation_tokens_total?: number;
  preemptions_total?: number;
  prefix_cache_queries_total?: number;
  prefix_cache_hits_total?: number;
  request_success_total?: number;
}

export interface MetricsSample extends VllmValues {
  t_ms: number;
  pool: string;
  kind: 'metrics';
  /** How long the scrape took, ms. */
  scrape_ms?: number;
  /** Set when the scrape failed (connect, HTTP status, parse); the values are then absent. */
  error?: string;
}

export type EnergySourceKind = 'dcgm' | 'sim' | 'nvml';

export interface EnergyValues {
  /** Cumulative energy of the pool's GPUs, J: a counter whose origin depends on the source (boot for DCGM, scraper start for nvml). */
  energy_j?: number;
  /** Current power of the pool's GPUs, W. */
  power_w?: number;
  /** GPUs counted. */
  gpus?: number;
}

export interface EnergySample extends EnergyValues {
  t_ms: number;
  pool: string;
  kind: 'energy';
  source: EnergySourceKind;
  scrape_ms?: number;
  error?: string;
}

export type TelemetrySample = MetricsSample | EnergySample;

/** The latest successful load reading of a pool (feeds PoolObservation). */
export interface PoolLoad {
  t_ms: number;
  running?: number;
  waiting?: number;
  /** 0..1 */
  kvCacheUsage?: number;
}
