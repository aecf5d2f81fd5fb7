/**
 * Step time and power of one engine step, from a roofline of compute and memory traffic
 * with calibrated efficiency factors (see calibration.json and tools/calibrate.ts).
 */
import type { GpuProfile, ModelProfile } from './profiles.ts';

/** Calibrated factors; fitted on part of the ML.ENERGY table, the rest held out. */
export interface Calibration {
  /** Fraction of peak FLOP/s reached by GEMMs and attention. */
  computeEfficiency: number;
  /** Fraction of memory bandwidth reached when streaming weights through the GEMMs. */
  memoryEfficiency: number;
  /** Fraction of memory bandwidth reached by paged attention reading the KV cache. */
  attentionEfficiency: number;
  /**
   * How well a kernel overlaps its compute with its memory traffic: time = p-norm of the
   * two (p = 1: no overlap, the sum; p -> infinity: perfect overlap, the roofline max).
   */
  overlapExponent: number;
  /** Fixed time per step: scheduling, input preparation, sampling. */
  stepOverheadS: number;
  /** Time per layer per step not covered by the roofline: norms, small kernels, launches. */
  perLayerOverheadS: number;
  /**
   * HBM bytes the sampler moves per fp32 logit (vocab entries x sequences each step):
   * temperature, softmax, the top-p sort and the draw each read and write the logits.
   */
  samplerBytesPerLogit: number;
  /** Power: share of (max - idle) drawn while a batch runs, before utilisation. */
  powerActiveFloor: number;
  /** Power: extra share per unit of tensor-core busy fraction of the step. */
  powerComputeWeight: number;
  /** Power: extra share per unit of HBM busy fraction of the step. */
  powerMemoryWeight: number;
}

/** What one step does, summed over the sequences the scheduler picked. */
export interface StepWork {
  /** Tokens computed this step (prefill chunk tokens + one per decoding sequence). */
  tokens: number;
  /** Sequences scheduled this step. */
  seqs: number;
  /** Sum over every computed token of the context it attends to (prefix length + itself). */
  attendedContext: number;
  /** KV-cache tokens read: for each sequence, its full context once. */
  kvTokensRead: number;
}

/** The calibrated constants, in the order the calibration script fits them. */
export const CALIBRATION_KEYS = [
  'computeEfficiency',
  'memoryEfficiency',
  'attentionEfficiency',
  'overlapExponent',
  'stepOverheadS',
  'perLayerOverheadS',
  'samplerBytesPerLogit',
  'powerActiveFloor',
  'powerComputeWeight',
  'powerMemoryWeight',
] as const satisfies readonly (keyof Calibration)[];

export interface StepCost {
  seconds: number;
  /** Power drawn by all GPUs of the replica during the step, watts. */
  watts: number;
  computeSeconds: number;
  memorySeconds: number;
}

/**
 * Smooth maximum of two durations: (a^p + b^p)^(1/p), computed as max * (1 + r^p)^(1/p) with
 * r = min/max <= 1: with p near 100, a kernel time of 10 us raised to p underflows a double
 * (1e-500), which made small kernels cost nothing.
 */
export function pnorm(a: number, b: number, p: number): number {
  const hi = a > b ? a : b;
  if (hi <= 0) return 0;
  const r = (a > b ? b : a) / hi;
  return hi * (1 + r ** p) ** (1 / p);
}

export class CostModel {
  /** Transformer-block weights per GPU (embedding and lm_head excluded). */
  private readonly layerWeightBytesPerGpu: number;
  /** lm_head weights per GPU (vocab-parallel under TP); streamed every step. */
  private readonly lmHeadBytesPerGpu: number;
  private readonly weightBytesPerGpu: number;
  private readonly kvBytesPerTokenPerGpu: number;
  private readonly flopsPerTokenPerGpu: number;
  private readonly lmHeadFlopsPerSeqPerGpu: number;
  private readonly activationBytesPerTokenPerGpu: number;
  private readonly attnFlopsPerContextTokenPerGpu: number;
  private readonly allReduceBytesPerToken: number;

  constructor(
    readonly model: ModelProfile,
    readonly gpu: GpuProfile,
    readonly tp: number,
    readonly cal: Calibration,
  ) {
    const vocabMatrix = model.vocabSize * model.hiddenSize;
    // `params` counts the input embedding and, when untied, the lm_head; the embedding is a
    // row gather (no FLOPs, a few rows read) and the lm_head runs only on sampled rows.
    const layerParams = model.params - (model.tiedEmbeddings ? 1 : 2) * vocabMatrix;
    this.layerWeightBytesPerGpu = (layerParams * model.bytesPerParam) / tp;
    this.lmHeadBytesPerGpu = (vocabMatrix * model.bytesPerParam) / tp;
    this.weightBytesPerGpu = (model.params * model.bytesPerParam) / tp;
    this.kvBytesPerTokenPerGpu = model.kvBytesPerToken / tp;
    // 2 FLOPs per parameter per token for the dense layers.
    this.flopsPerTokenPerGpu = (2 * layerParams) / tp;
    // vLLM computes logits only at each scheduled request's last position.
    this.lmHeadFlopsPerSeqPerGpu = (2 * vocabMatrix) / tp;
    // Elementwise kernels between the GEMMs, memory-bound, bf16 elements read + written per
    // token per layer: two fused residual-add + RMSNorms (4 x hidden each, replicated on every
    // TP rank), SiLU-and-mul (3 x intermediate / tp), rotary embedding on q and k (2 x their
    // width / tp), QK-norm where the model has it (2 x the same), and under TP the copies of
    // the two all-reduces' in and out buffers (4 x hidden).
    const qk = (model.attentionDim + model.kvDim) / tp;
    const elements =
      8 * model.hiddenSize +
      (3 * model.intermediateSize) / tp +
      2 * qk +
      (model.qkNorm ? 2 * qk : 0) +
      (tp > 1 ? 4 * model.hiddenSize : 0);
    this.activationBytesPerTokenPerGpu = 2 * model.layers * elements;
    // QK^T and PV: 2 matmuls * 2 FLOPs * attention width per attended token per layer.
    this.attnFlopsPerContextTokenPerGpu = (4 * model.layers * model.attentionDim) / tp;
    // An all-reduce of n bytes costs 2(tp-1)/tp x n of bus traffic (nccl-tests' busbw
    // convention, which the GPU profile's measured bandwidth follows); activations are bf16.
    this.allReduceBytesPerToken = tp > 1 ? (2 * (tp - 1) * model.hiddenSize * 2) / tp : 0;
  }

  /** Bytes of KV cache available per GPU after weights and activations, at a memory utilisation. */
  kvCacheBlocks(gpuMemoryUtilization: number, blockSize: number): number {
    const activationReserve = 2 * 1024 ** 3; // profiled peak activations + CUDA graphs, ~2 GiB
    const free = this.gpu.memBytes * gpuMemoryUtilization - this.weightBytesPerGpu - activationReserve;
    return Math.max(0, Math.floor(free / (this.kvBytesPerTokenPerGpu * blockSize)));
  }

  /**
   * The kernels of a step run one after the other, each taking the p-norm of its compute
   * time and its memory time: the transformer GEMMs (stream the layer weights), the
   * elementwise kernels between them (norms, activation, rotary: memory-bound), attention (streams the KV cache in decode, compute-bound in long
   * prefill), the lm_head on one row per scheduled sequence, and the sampler over the
   * sequences' vocabulary-wide logits (memory-bound). Tensor-parallel all-reduces and
   * per-step/per-layer overheads add to that; the GPUs idle through them.
   */
  step(work: StepWork): StepCost {
    const { cal, gpu } = this;
    const peak = gpu.peakFlops * cal.computeEfficiency;
    const bw = gpu.memBandwidth * cal.memoryEfficiency;
    const p = cal.overlapExponent;
    const gemmCompute = (this.flopsPerTokenPerGpu * work.tokens) / peak;
    const gemmMemory = this.layerWeightBytesPerGpu / bw;
    const elementwise = (this.activationBytesPerTokenPerGpu * work.tokens) / bw;
    const attnCompute = (this.attnFlopsPerContextTokenPerGpu * work.attendedContext) / peak;
    const attnMemory =
      (this.kvBytesPerTokenPerGpu * (work.kvTokensRead + work.tokens)) / (gpu.memBandwidth * cal.attentionEfficiency);
    const headCompute = (this.lmHeadFlopsPerSeqPerGpu * work.seqs) / peak;
    const headMemory = this.lmHeadBytesPerGpu / bw;
    const sampler = (work.seqs * this.model.vocabSize * cal.samplerBytesPerLogit) / bw;
    const busy =
      pnorm(gemmCompute, gemmMemory, p) +
      pnorm(attnCompute, attnMemory, p) +
      pnorm(headCompute, headMemory, p) +
      elementwise +
      sampler;
    let comm = 0;
    if (this.tp > 1) {
      const layers = this.model.layers;
      // Two all-reduces per layer (after attention's o_proj and the MLP's down_proj), timed
      // from public measurements (GpuProfile.allReduce), not fitted.
      const ar = gpu.allReduce;
      comm = 2 * layers * (ar.latencyS + (this.allReduceBytesPerToken * work.tokens) / ar.busBandwidth);
    }
    const seconds = busy + comm + cal.stepOverheadS + cal.perLayerOverheadS * this.model.layers;
    const computeSeconds = gemmCompute + attnCompute + headCompute;
    const memorySeconds = gemmMemory + attnMemory + headMemory + elementwise + sampler;
    const load = Math.min(
      1,
      cal.powerActiveFloor +
        (cal.powerComputeWeight * computeSeconds + cal.powerMemoryWeight * memorySeconds) / seconds,
    );
    const watts = this.tp * (gpu.idleWatts + (gpu.maxWatts - gpu.idleWatts) * load);
    return { seconds, watts, computeSeconds, memorySeconds };
  }

  idleWatts(): number {
    return this.tp * this.gpu.idleWatts;
  }
}
