/**
 * A simulated vLLM deployment of one model: `replicas` engine replicas behind a
 * least-loaded dispatcher, or disaggregated prefill and decode replicas that hand the KV
 * cache over a link of given bandwidth.
 */
import calibrationFile from './calibration.json' with { type: 'json' };
import type { Clock } from './clock.ts';
import { CostModel, type Calibration } from './cost-model.ts';
import { ReplicaEngine, type EngineOptions, type SeqRequest, type SeqResult } from './engine.ts';
import { gpuProfile, modelProfile, type GpuProfile, type ModelProfile } from './profiles.ts';

export interface DisaggregationSpec {
  prefillReplicas: number;
  decodeReplicas: number;
  /** KV transfer link bandwidth, GB/s (e.g. 50 for 400 Gb/s RDMA). */
  linkGBps: number;
  linkLatencyMs: number;
}

export interface SimPoolSpec {
  model: string;
  gpu: string;
  tp: number;
  replicas: number;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  gpuMemoryUtilization: number;
  blockSize: number;
  disaggregation?: DisaggregationSpec;
  /** Overrides the fitted calibration (calibration script, tests). */
  calibration?: Calibration;
  /** Overrides the KV-cache size per replica in blocks (tests). */
  numKvBlocks?: number;
  /** Observes every engine step of every replica (telemetry, calibration). */
  onStep?: EngineOptions['onStep'];
}

/** vLLM V1's OpenAI-server defaults where the issue does not say otherwise. */
export const DEFAULT_POOL_SPEC: Omit<SimPoolSpec, 'model'> = {
  gpu: 'H100-80GB',
  tp: 1,
  replicas: 1,
  maxNumSeqs: 256,
  maxNumBatchedTokens: 8192,
  gpuMemoryUtilization: 0.9,
  blockSize: 16,
};

export const FITTED_CALIBRATION: Calibration = calibrationFile;

/** One GPU's view, for the DCGM-style energy endpoint. */
export interface GpuReading {
  gpu: number;
  uuid: string;
  watts: number;
  energyMj: number;
  util: number;
  memUsedMiB: number;
}

export class SimPool {
  readonly model: ModelProfile;
  readonly gpu: GpuProfile;
  readonly engines: ReplicaEngine[] = [];
  private readonly mixed: ReplicaEngine[] = [];
  private readonly prefill: ReplicaEngine[] = [];
  private readonly decode: ReplicaEngine[] = [];
  private readonly cost: CostModel;

  constructor(
    readonly spec: SimPoolSpec,
    readonly clock: Clock,
  ) {
    this.model = modelProfile(spec.model);
    this.gpu = gpuProfile(spec.gpu);
    this.cost = new CostModel(this.model, this.gpu, spec.tp, spec.calibration ?? FITTED_CALIBRATION);
    const make = (role: 'mixed' | 'prefill') =>
      new ReplicaEngine({
        cost: this.cost,
        clock,
        maxNumSeqs: spec.maxNumSeqs,
        maxNumBatchedTokens: spec.maxNumBatchedTokens,
        blockSize: spec.blockSize,
        gpuMemoryUtilization: spec.gpuMemoryUtilization,
        numKvBlocks: spec.numKvBlocks,
        role,
        onPrefillDone: (req, result, time) => this.handOff(req, result, time),
        onStep: spec.onStep,
      });
    const d = spec.disaggregation;
    if (d) {
      for (let i = 0; i < d.prefillReplicas; i++) this.prefill.push(make('prefill'));
      for (let i = 0; i < d.decodeReplicas; i++) this.decode.push(make('mixed'));
    } else {
      for (let i = 0; i < spec.replicas; i++) this.mixed.push(make('mixed'));
    }
    this.engines.push(...this.mixed, ...this.prefill, ...this.decode);
  }

  /** Longest prompt + output one request may hold: the context window or the KV cache. */
  get maxModelLen(): number {
    const cache = Math.min(...this.engines.map((e) => e.maxTokensInCache));
    return Math.min(this.model.contextWindow, cache);
  }

  submit(req: SeqRequest): void {
    if (this.mixed.length > 0) {
      leastLoaded(this.mixed).add(req);
      return;
    }
    leastLoaded(this.prefill).add(req);
  }

  /** Prefill finished: ship the KV to a decode replica, which continues from token 1. */
  private handOff(req: SeqRequest, prefillResult: SeqResult, time: number): void {
    if (req.outputTokens === 1) {
      req.listener?.onFinish?.(prefillResult); // a one-token answer never leaves the prefill side
      return;
    }
    const d = this.spec.disaggregation!;
    const transfer = d.linkLatencyMs / 1000 + (req.promptTokens * this.model.kvBytesPerToken) / (d.linkGBps * 1e9);
    const listener = req.listener;
    const decodeReq: SeqRequest = {
      ...req,
      prefilled: true,
      listener: listener && {
        onToken: listener.onToken?.bind(listener),
        onFinish: (r) =>
          listener.onFinish?.({
            ...r,
            arrival: prefillResult.arrival,
            firstScheduled: prefillResult.firstScheduled,
            firstTokenTime: prefillResult.firstTokenTime,
            cachedTokens: prefillResult.cachedTokens,
            preemptions: r.preemptions + prefillResult.preemptions,
          }),
      },
    };
    this.clock.at(time + transfer, () => leastLoaded(this.decode).add(decodeReq));
  }

  get numRunning(): number {
    return sum(this.engines, (e) => e.numRunning);
  }
  get numWaiting(): number {
    return sum(this.engines, (e) => e.numWaiting);
  }
  /** Mean KV-cache usage over replicas, 0..1 (vLLM reports per engine; one gauge per pool here). */
  get kvCacheUsage(): number {
    return sum(this.engines, (e) => e.kv.usage) / this.engines.length;
  }

  counter(name: keyof ReplicaEngine['counters']): number {
    return sum(this.engines, (e) => e.counters[name]);
  }

  /** Every GPU of every replica; a replica's power and energy split evenly over its TP ranks. */
  gpuReadings(): GpuReading[] {
    const t = this.clock.now();
    const out: GpuReading[] = [];
    const weightsMiB = (this.model.params * this.model.bytesPerParam) / this.spec.tp / 2 ** 20;
    const kvPerGpu = this.model.kvBytesPerToken / this.spec.tp;
    this.engines.forEach((e, r) => {
      for (let rank = 0; rank < this.spec.tp; rank++) {
        const gpu = r * this.spec.tp + rank;
        out.push({
          gpu,
          uuid: `GPU-sim-${this.model.name}-${String(gpu).padStart(4, '0')}`,
          watts: e.watts / this.spec.tp,
          energyMj: (e.energyAt(t) / this.spec.tp) * 1000,
          util: e.numRunning > 0 ? 100 : 0,
          memUsedMiB: weightsMiB + (e.kv.usage * e.kv.numBlocks * e.kv.blockSize * kvPerGpu) / 2 ** 20,
        });
      }
    });
    return out;
  }

  /** Total energy of the pool up to now, joules. */
  energyJ(): number {
    const t = this.clock.now();
    return sum(this.engines, (e) => e.energyAt(t));
  }
}

function leastLoaded(engines: ReplicaEngine[]): ReplicaEngine {
  let best = engines[0]!;
  for (const e of engines) if (e.load < best.load) best = e;
  return best;
}

function sum<T>(xs: T[], f: (x: T) => number): number {
  let s = 0;
  for (const x of xs) s += f(x);
  return s;
}
