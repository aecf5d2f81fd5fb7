/**
 * From parsed expositions to the values wrp records: vLLM's serving metrics and a DCGM
 * exporter's energy (shared/REFERENCE.md sections 1 and 2).
 */
import { meanOf, sumOf, type MetricFamily } from './prometheus.ts';
import type { EnergyValues, VllmValues } from './types.ts';
import { WrpError } from '../../core/errors.ts';

/** The first name that is exposed wins: vLLM V1 names first, then older spellings. */
function first(families: MetricFamily[], names: string[], read: typeof sumOf = sumOf): number | undefined {
  for (const n of names) {
    const v = read(families, n);
    if (v !== undefined) return v;
  }
  return undefined;
}

export function readVllm(families: MetricFamily[]): VllmValues {
  const out: VllmValues = {
    running: first(families, ['vllm:num_requests_running']),
    waiting: first(families, ['vllm:num_requests_waiting']),
    // V0 called it gpu_cache_usage_perc; several engines (data parallel) report one each: average.
    kv_cache_usage: first(families, ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'], meanOf),
    prompt_tokens_total: first(families, ['vllm:prompt_tokens_total']),
    generation_tokens_total: first(families, ['vllm:generation_tokens_total']),
    preemptions_total: first(families, ['vllm:num_preemptions_total', 'vllm:num_preemptions']),
    // Declared as counters `prefix_cache_queries`; the Python client exposes them with `_total`.
    prefix_cache_queries_total: first(families, [
      'vllm:prefix_cache_queries_total',
      'vllm:prefix_cache_queries',
      'vllm:gpu_prefix_cache_queries_total',
    ]),
    prefix_cache_hits_total: first(families, [
      'vllm:prefix_cache_hits_total',
      'vllm:prefix_cache_hits',
      'vllm:gpu_prefix_cache_hits_total',
    ]),
    request_success_total: first(families, ['vllm:request_success_total']),
  };
  // Drop absent keys so the JSON line carries only what the server exposes.
  for (const k of Object.keys(out) as (keyof VllmValues)[]) if (out[k] === undefined) delete out[k];
  return out;
}

export class MissingEnergyError extends WrpError {
  override name = 'MissingEnergyError';
  constructor(message: string) {
    super('WRP_ENERGY_MISSING', message);
  }
}

/**
 * Energy of the GPUs in a DCGM exposition: DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION (mJ since
 * boot) summed and turned into J, DCGM_FI_DEV_POWER_USAGE (W) summed. `gpus` keeps only those
 * GPU indices (label `gpu`), for a pool that uses some GPUs of a node.
 */
export function readDcgm(families: MetricFamily[], gpus?: number[]): EnergyValues {
  const keep = gpus === undefined ? undefined : new Set(gpus.map(String));
  const series = (name: string) =>
    families
      .flatMap((f) => f.samples)
      .filter((s) => s.name === name && (keep === undefined || keep.has(s.labels.gpu ?? '')));
  const energy = series('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION');
  const power = series('DCGM_FI_DEV_POWER_USAGE');
  if (energy.length === 0) {
    const which = keep ? ` for GPUs ${[...keep].join(',')}` : '';
    throw new MissingEnergyError(
      `no DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION series${which} (needs a Volta+ GPU and the exporter's default counters)`,
    );
  }
  const gpuIds = new Set(energy.map((s) => s.labels.gpu ?? s.labels.UUID ?? ''));
  const out: EnergyValues = { energy_j: energy.reduce((a, s) => a + s.value, 0) / 1000, gpus: gpuIds.size };
  if (power.length > 0) out.power_w = power.reduce((a, s) => a + s.value, 0);
  return out;
}
