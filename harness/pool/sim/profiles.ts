/**
 * Hardware and model profiles for the simulated vLLM engine.
 *
 * Figures are public spec-sheet numbers (shared/REFERENCE.md section 2 and the vendors'
 * data sheets / model cards on Hugging Face). Idle power is what an idle GPU with a loaded
 * model draws (nvidia-smi readings reported publicly are 60-90 W for H100 SXM).
 */

export interface GpuProfile {
  name: string;
  /** Dense bf16 tensor-core peak, FLOP/s. */
  peakFlops: number;
  /** HBM (or GDDR) bandwidth, bytes/s. */
  memBandwidth: number;
  /** Device memory, bytes. */
  memBytes: number;
  /** Power with a model loaded and nothing running, watts. */
  idleWatts: number;
  /** Board power limit (TDP), watts. */
  maxWatts: number;
  /** GPU-to-GPU bandwidth per direction used by tensor-parallel all-reduce, bytes/s. */
  interconnectBandwidth: number;
}

export interface ModelProfile {
  name: string;
  /** Hugging Face id, what `/v1/models` reports as `root`. */
  hfId: string;
  params: number;
  layers: number;
  hiddenSize: number;
  /** KV-cache bytes per token over all layers, bf16: 2 (K,V) * layers * kvHeads * headDim * 2 bytes. */
  kvBytesPerToken: number;
  /** Default max_model_len (context window), tokens. */
  contextWindow: number;
  /** Bytes per weight as served (2 for bf16). */
  bytesPerParam: number;
}

const GB = 1e9;
const GiB = 1024 ** 3;

export const GPU_PROFILES: Record<string, GpuProfile> = {
  'H100-80GB': {
    name: 'H100-80GB', peakFlops: 989e12, memBandwidth: 3.35e12, memBytes: 80 * GiB,
    idleWatts: 70, maxWatts: 700, interconnectBandwidth: 450 * GB, // NVLink4: 900 GB/s bidirectional
  },
  'A100-80GB': {
    name: 'A100-80GB', peakFlops: 312e12, memBandwidth: 2.039e12, memBytes: 80 * GiB,
    idleWatts: 55, maxWatts: 400, interconnectBandwidth: 300 * GB, // NVLink3: 600 GB/s bidirectional
  },
  L4: {
    name: 'L4', peakFlops: 121e12, memBandwidth: 300 * GB, memBytes: 24 * GiB,
    idleWatts: 16, maxWatts: 72, interconnectBandwidth: 32 * GB, // PCIe Gen4 x16, no NVLink
  },
};

/** KV bytes per token for a grouped-query-attention model in bf16. */
function kvBytes(layers: number, kvHeads: number, headDim: number): number {
  return 2 * layers * kvHeads * headDim * 2;
}

export const MODEL_PROFILES: Record<string, ModelProfile> = {
  'llama-3.1-8b': {
    name: 'llama-3.1-8b', hfId: 'meta-llama/Llama-3.1-8B-Instruct', params: 8.03e9, layers: 32,
    hiddenSize: 4096, kvBytesPerToken: kvBytes(32, 8, 128), contextWindow: 131072, bytesPerParam: 2,
  },
  'llama-3.1-70b': {
    name: 'llama-3.1-70b', hfId: 'meta-llama/Llama-3.1-70B-Instruct', params: 70.6e9, layers: 80,
    hiddenSize: 8192, kvBytesPerToken: kvBytes(80, 8, 128), contextWindow: 131072, bytesPerParam: 2,
  },
  'qwen3-8b': {
    name: 'qwen3-8b', hfId: 'Qwen/Qwen3-8B', params: 8.19e9, layers: 36,
    hiddenSize: 4096, kvBytesPerToken: kvBytes(36, 8, 128), contextWindow: 32768, bytesPerParam: 2,
  },
  'qwen3-32b': {
    name: 'qwen3-32b', hfId: 'Qwen/Qwen3-32B', params: 32.8e9, layers: 64,
    hiddenSize: 5120, kvBytesPerToken: kvBytes(64, 8, 128), contextWindow: 32768, bytesPerParam: 2,
  },
  'llama-3.2-3b': {
    name: 'llama-3.2-3b', hfId: 'meta-llama/Llama-3.2-3B-Instruct', params: 3.21e9, layers: 28,
    hiddenSize: 3072, kvBytesPerToken: kvBytes(28, 8, 128), contextWindow: 131072, bytesPerParam: 2,
  },
  'llama-3.2-1b': {
    name: 'llama-3.2-1b', hfId: 'meta-llama/Llama-3.2-1B-Instruct', params: 1.24e9, layers: 16,
    hiddenSize: 2048, kvBytesPerToken: kvBytes(16, 8, 64), contextWindow: 131072, bytesPerParam: 2,
  },
};

/** A simulated pool that cannot be built as asked (the CLI reports it as a usage error). */
export class SimConfigError extends Error {
  override name = 'SimConfigError';
}

export class UnknownProfileError extends SimConfigError {
  constructor(kind: 'gpu' | 'model', name: string, valid: string[]) {
    super(`unknown ${kind} profile '${name}'; valid: ${valid.join(', ')}`);
  }
}

function lookup<T>(table: Record<string, T>, kind: 'gpu' | 'model', name: string): T {
  const key = Object.keys(table).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) throw new UnknownProfileError(kind, name, Object.keys(table));
  return table[key]!;
}

export function gpuProfile(name: string): GpuProfile {
  return lookup(GPU_PROFILES, 'gpu', name);
}

export function modelProfile(name: string): ModelProfile {
  const byHf = Object.values(MODEL_PROFILES).find((m) => m.hfId.toLowerCase() === name.toLowerCase());
  return byHf ?? lookup(MODEL_PROFILES, 'model', name);
}
