/**
 * Step time and power of one engine step, from a roofline of compute and memory traffic
 * with calibrated efficiency factors (see calibration.json and scripts/calibrate.ts).
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
  /** Latency of one tensor-parallel all-reduce (two per layer). */
  allReduceLatencyS: number;
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

export interface StepCost {
  seconds: number;
  /** Power drawn by all GPUs of the replica during the step, watts. */
  watts: number;
  computeSeconds: number;
  memorySeconds: number;
}

/** Smooth maximum of two durations: (a^p + b^p)^(1/p). */
function pnorm(a: number, b: number, p: number): number {
  return (a ** p + b ** p) ** (1 / p);
}

export class CostModel {
  private readonly weightBytesPerGpu: number;
  private readonly kvBytesPerTokenPerGpu: number;
  private readonly flopsPerTokenPerGpu: number;
  private readonly attnFlopsPerContextTokenPerGpu: number;
  private readonly allReduceBytesPerToken: number;

  constructor(
    readonly model: ModelProfile,
    readonly gpu: GpuProfile,
    readonly tp: number,
    readonly cal: Calibration,
  ) {
    this.weightBytesPerGpu = (model.params * model.bytesPerParam) / tp;
    this.kvBytesPerTokenPerGpu = model.kvBytesPerToken / tp;
    // 2 FLOPs per parameter per token for the dense layers.
    this.flopsPerTokenPerGpu = (2 * model.params) / tp;
    // QK^T and PV: 2 matmuls * 2 FLOPs * hidden per attended token per layer.
    this.attnFlopsPerContextTokenPerGpu = (4 * model.layers * model.hiddenSize) / tp;
    // Ring all-reduce moves 2(tp-1)/tp of the activations, bf16.
    this.allReduceBytesPerToken = tp > 1 ? (2 * (tp - 1) * model.hiddenSize * 2) / tp : 0;
  }

  /** Bytes of KV cache available per GPU after weights and activations, at a memory utilisation. */
  kvCacheBlocks(gpuMemoryUtilization: number, blockSize: number): number {
    const activationReserve = 2 * 1024 ** 3; // profiled peak activations + CUDA graphs, ~2 GiB
    const free = this.gpu.memBytes * gpuMemoryUtilization - this.weightBytesPerGpu - activationReserve;
    return Math.max(0, Math.floor(free / (this.kvBytesPerTokenPerGpu * blockSize)));
  }

  /**
   * The dense layers (GEMMs) and attention run as separate kernels, one after the other,
   * each taking the p-norm of its compute time and its memory time. GEMMs stream the
   * weights; attention streams the KV cache (decode) or is compute-bound (long prefill).
   * Tensor-parallel all-reduces and per-step overheads add to that; the GPUs idle through them.
   */
  step(work: StepWork): StepCost {
    const { cal, gpu } = this;
    const peak = gpu.peakFlops * cal.computeEfficiency;
    const gemmCompute = (this.flopsPerTokenPerGpu * work.tokens) / peak;
    const gemmMemory = this.weightBytesPerGpu / (gpu.memBandwidth * cal.memoryEfficiency);
    const attnCompute = (this.attnFlopsPerContextTokenPerGpu * work.attendedContext) / peak;
    const attnMemory = (this.kvBytesPerTokenPerGpu * (work.kvTokensRead + work.tokens)) / (gpu.memBandwidth * cal.attentionEfficiency);
    const p = cal.overlapExponent;
    const busy = pnorm(gemmCompute, gemmMemory, p) + pnorm(attnCompute, attnMemory, p);
    let comm = 0;
    if (this.tp > 1) {
      const layers = this.model.layers;
      comm = 2 * layers * (cal.allReduceLatencyS + (this.allReduceBytesPerToken * work.tokens) / gpu.interconnectBandwidth);
    }
    const seconds = busy + comm + cal.stepOverheadS + cal.perLayerOverheadS * this.model.layers;
    const computeSeconds = gemmCompute + attnCompute;
    const memorySeconds = gemmMemory + attnMemory;
    const load = Math.min(
      1,
      cal.powerActiveFloor + (cal.powerComputeWeight * computeSeconds + cal.powerMemoryWeight * memorySeconds) / seconds,
    );
    const watts = this.tp * (gpu.idleWatts + (gpu.maxWatts - gpu.idleWatts) * load);
    return { seconds, watts, computeSeconds, memorySeconds };
  }

  idleWatts(): number {
    return this.tp * this.gpu.idleWatts;
  }
}
