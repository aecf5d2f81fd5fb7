/**
 * Hardware and model profiles for the simulated vLLM engine.
 *
 * Figures are public spec-sheet numbers (shared/REFERENCE.md section 2 and the vendors'
 * data sheets / model cards on Hugging Face). Idle power is what an idle GPU with a loaded
 * model draws (nvidia-smi readings reported publicly are 60-90 W for H100 SXM).
 */
import { UnknownProfileError } from '../../../core/errors.ts';

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
  /** GPU-to-GPU bandwidth per direction (nominal link rate), bytes/s. */
  interconnectBandwidth: number;
  /**
   * Measured tensor-parallel all-reduce as vLLM runs it (its custom / symmetric-memory /
   * NCCL backends, whichever is fastest for the size), fitted as time = latency +
   * 2(tp-1)/tp x message bytes / bus bandwidth (the nccl-tests "busbw" convention).
   */
  allReduce: { latencyS: number; busBandwidth: number };
}

export interface ModelProfile {
  name: string;
  /** Hugging Face id, what `/v1/models` reports as `root`. */
  hfId: string;
  params: number;
  layers: number;
  hiddenSize: number;
  /** MLP (gate/up/down) width. */
  intermediateSize: number;
  /** Query heads x head dimension: the width attention's matmuls run at. */
  attentionDim: number;
  /** Vocabulary: the lm_head GEMM and the sampler work on one logit per vocabulary entry. */
  vocabSize: number;
  /** Input embedding and lm_head share one matrix (counted once in `params`). */
  tiedEmbeddings: boolean;
  /** Key-value heads x head dimension: the width of K and V. */
  kvDim: number;
  /** Per-head RMSNorm on q and k (Qwen3): one more elementwise pass over them per layer. */
  qkNorm: boolean;
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
    name: 'H100-80GB',
    peakFlops: 989e12,
    memBandwidth: 3.35e12,
    memBytes: 80 * GiB,
    idleWatts: 70,
    maxWatts: 700,
    interconnectBandwidth: 450 * GB, // NVLink4: 900 GB/s bidirectional
    // vLLM's device-communicator benchmark on 4xH100 SXM, bf16 [tokens x 8192] tensors under
    // CUDA graphs (github.com/vllm-project/vllm/pull/24532, TP = 4 table; the backends vLLM
    // 0.11 dispatches between: ca_1stage, ca_2stage, pynccl, symm_mem): best time 10, 14, 19,
    // 23, 25 us at 0.5, 1, 1.5, 2, 3 MiB. Least squares: 8.3 us + 6.19 us/MiB, i.e. 169 GB/s
    // of message (algbw), 254 GB/s busbw at TP 4: about 56% of the NVLink rate at these sizes.
    allReduce: { latencyS: 8.3e-6, busBandwidth: 254 * GB },
  },
  'A100-80GB': {
    name: 'A100-80GB',
    peakFlops: 312e12,
    memBandwidth: 2.039e12,
    memBytes: 80 * GiB,
    idleWatts: 55,
    maxWatts: 400,
    interconnectBandwidth: 300 * GB, // NVLink3: 600 GB/s bidirectional
    // Not measured here: the H100 figures' latency and share of the link rate (56%), assumed.
    allReduce: { latencyS: 8.3e-6, busBandwidth: 0.56 * 300 * GB },
  },
  L4: {
    name: 'L4',
    peakFlops: 121e12,
    memBandwidth: 300 * GB,
    memBytes: 24 * GiB,
    idleWatts: 16,
    maxWatts: 72,
    interconnectBandwidth: 32 * GB, // PCIe Gen4 x16, no NVLink
    // Not measured here: PCIe all-reduce through host bridges, NCCL's typical ~25 us latency
    // and the H100 share of the link rate (56%), assumed.
    allReduce: { latencyS: 25e-6, busBandwidth: 0.56 * 32 * GB },
  },
};

/** KV bytes per token for a grouped-query-attention model in bf16. */
function kvBytes(layers: number, kvHeads: number, headDim: number): number {
  return 2 * layers * kvHeads * headDim * 2;
}

/**
 * Architecture numbers from each model's config.json on Hugging Face (num_hidden_layers,
 * hidden_size, intermediate_size, num_attention_heads x head_dim, num_key_value_heads,
 * vocab_size, tie_word_embeddings); parameter counts from the model cards.
 */
export const MODEL_PROFILES: Record<string, ModelProfile> = {
  'llama-3.1-8b': {
    name: 'llama-3.1-8b',
    hfId: 'meta-llama/Llama-3.1-8B-Instruct',
    params: 8.03e9,
    layers: 32,
    hiddenSize: 4096,
    intermediateSize: 14336,
    attentionDim: 32 * 128,
    vocabSize: 128256,
    tiedEmbeddings: false,
    kvDim: 8 * 128,
    qkNorm: false,
    kvBytesPerToken: kvBytes(32, 8, 128),
    contextWindow: 131072,
    bytesPerParam: 2,
  },
  'llama-3.1-70b': {
    name: 'llama-3.1-70b',
    hfId: 'meta-llama/Llama-3.1-70B-Instruct',
    params: 70.6e9,
    layers: 80,
    hiddenSize: 8192,
    intermediateSize: 28672,
    attentionDim: 64 * 128,
    vocabSize: 128256,
    tiedEmbeddings: false,
    kvDim: 8 * 128,
    qkNorm: false,
    kvBytesPerToken: kvBytes(80, 8, 128),
    contextWindow: 131072,
    bytesPerParam: 2,
  },
  'qwen3-8b': {
    name: 'qwen3-8b',
    hfId: 'Qwen/Qwen3-8B',
    params: 8.19e9,
    layers: 36,
    hiddenSize: 4096,
    intermediateSize: 12288,
    attentionDim: 32 * 128,
    vocabSize: 151936,
    tiedEmbeddings: false,
    kvDim: 8 * 128,
    qkNorm: true,
    kvBytesPerToken: kvBytes(36, 8, 128),
    contextWindow: 32768,
    bytesPerParam: 2,
  },
  'qwen3-32b': {
    name: 'qwen3-32b',
    hfId: 'Qwen/Qwen3-32B',
    params: 32.8e9,
    layers: 64,
    hiddenSize: 5120,
    intermediateSize: 25600,
    attentionDim: 64 * 128,
    vocabSize: 151936,
    tiedEmbeddings: false,
    kvDim: 8 * 128,
    qkNorm: true,
    kvBytesPerToken: kvBytes(64, 8, 128),
    contextWindow: 32768,
    bytesPerParam: 2,
  },
  'llama-3.2-3b': {
    name: 'llama-3.2-3b',
    hfId: 'meta-llama/Llama-3.2-3B-Instruct',
    params: 3.21e9,
    layers: 28,
    hiddenSize: 3072,
    intermediateSize: 8192,
    attentionDim: 24 * 128,
    vocabSize: 128256,
    tiedEmbeddings: true,
    kvDim: 8 * 128,
    qkNorm: false,
    kvBytesPerToken: kvBytes(28, 8, 128),
    contextWindow: 131072,
    bytesPerParam: 2,
  },
  'llama-3.2-1b': {
    name: 'llama-3.2-1b',
    hfId: 'meta-llama/Llama-3.2-1B-Instruct',
    params: 1.24e9,
    layers: 16,
    hiddenSize: 2048,
    intermediateSize: 8192,
    attentionDim: 32 * 64,
    vocabSize: 128256,
    tiedEmbeddings: true,
    kvDim: 8 * 64,
    qkNorm: false,
    kvBytesPerToken: kvBytes(16, 8, 64),
    contextWindow: 131072,
    bytesPerParam: 2,
  },
};

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
