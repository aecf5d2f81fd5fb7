/**
 * Discrete-event model of one vLLM V1 replica (engine core): continuous batching under a
 * per-step token budget with chunked prefill, `max_num_seqs`, a paged KV cache with
 * prefix caching, and preemption by recomputation when blocks run out. Step time and
 * power come from the CostModel. The engine runs on any Clock (virtual or wall).
 */
import type { Clock } from './clock.ts';
import { type CostModel, type StepWork } from './cost-model.ts';
import { Deque } from './deque.ts';
import { KvCache } from './kv-cache.ts';
import { SimConfigError } from '../../../core/errors.ts';

export interface SeqListener {
  /** Output token `index` (0 = first) became available at engine time `time`. */
  onToken?(index: number, time: number): void;
  onFinish?(result: SeqResult): void;
}

export interface SeqRequest {
  id: string;
  promptTokens: number;
  /** Chained hashes of the prompt's full KV blocks (prefix-cache keys). */
  blockHashes: readonly number[];
  /** Output tokens to generate, >= 1 (the server resolves max_tokens/min_tokens/EOS). */
  outputTokens: number;
  /** Disaggregated decode: the prompt's KV and the first token arrive already computed. */
  prefilled?: boolean;
  /** Set by the caller when the client went away: the engine drops the request at its next step. */
  cancelled?: boolean;
  listener?: SeqListener;
}

export interface SeqResult {
  id: string;
  arrival: number;
  firstScheduled: number;
  firstTokenTime: number;
  finishTime: number;
  promptTokens: number;
  outputTokens: number;
  /** Prompt tokens served from the prefix cache at first admission. */
  cachedTokens: number;
  preemptions: number;
}

export interface EngineOptions {
  cost: CostModel;
  clock: Clock;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  blockSize?: number;
  gpuMemoryUtilization?: number;
  /** Overrides the KV-cache size derived from GPU memory (tests). */
  numKvBlocks?: number;
  /** 'prefill': stop each request after its first token and hand it to `onPrefillDone`. */
  role?: 'mixed' | 'prefill';
  onPrefillDone?(seq: SeqRequest, result: SeqResult, time: number): void;
  /** Called after every step (telemetry, calibration). */
  onStep?(step: StepRecord): void;
}

export interface StepRecord {
  start: number;
  end: number;
  watts: number;
  tokens: number;
  seqs: number;
}

let nextSeqUid = 1;

class Seq {
  /** Distinguishes this request's private blocks in the prefix cache. */
  readonly uid = nextSeqUid++;
  computed = 0;
  generated = 0;
  scheduled = 0;
  blocks: number[] = [];
  registered = 0;
  cachedTokens = -1;
  preemptions = 0;
  firstScheduled = -1;
  firstTokenTime = -1;
  constructor(
    readonly req: SeqRequest,
    readonly arrival: number,
  ) {
    if (req.prefilled) {
      this.computed = req.promptTokens;
      this.generated = 1;
      this.cachedTokens = 0;
    }
  }
  get total(): number {
    return this.req.promptTokens + this.generated;
  }
  /**
   * Prefix-cache key of full block i. Blocks the caller hashed from content can be shared
   * across requests; the rest (unhashed prompt, generated tokens) get keys private to this
   * request, so that after a preemption it re-hits its own cached blocks, as vLLM V1 does.
   * Private keys are negative and never collide with content hashes (non-negative).
   */
  hashAt(i: number): number {
    const given = this.req.blockHashes;
    return i < given.length ? given[i]! : -(this.uid * 1_048_576 + i) - 1;
  }
}

/** Monotone counters, the raw material of `/metrics`. */
export interface EngineCounters {
  promptTokens: number;
  generationTokens: number;
  preemptions: number;
  prefixCacheQueries: number;
  prefixCacheHits: number;
  steps: number;
  energyJ: number;
}

export class ReplicaEngine {
  readonly kv: KvCache;
  readonly counters: EngineCounters = {
    promptTokens: 0,
    generationTokens: 0,
    preemptions: 0,
    prefixCacheQueries: 0,
    prefixCacheHits: 0,
    steps: 0,
    energyJ: 0,
  };
  private waiting = new Deque<Seq>();
  private running: Seq[] = [];
  private batch: Seq[] = [];
  private busy = false;
  private lastActivityEnd = 0;
  private stepStart = 0;
  private stepTokens = 0;
  private currentWatts: number;
  private readonly blockSize: number;

  constructor(private readonly opts: EngineOptions) {
    this.blockSize = opts.blockSize ?? 16;
    const blocks = opts.numKvBlocks ?? opts.cost.kvCacheBlocks(opts.gpuMemoryUtilization ?? 0.9, this.blockSize);
    if (blocks <= 0) {
      throw new SimConfigError(
        `${opts.cost.model.name} does not fit on ${opts.cost.tp}x ${opts.cost.gpu.name}: no memory left for the KV cache (raise --tp)`,
      );
    }
    this.kv = new KvCache(blocks, this.blockSize);
    this.currentWatts = opts.cost.idleWatts();
  }

  get numRunning(): number {
    return this.running.length;
  }
  get numWaiting(): number {
    return this.waiting.length;
  }
  /** Requests admitted or queued: what a load balancer compares. */
  get load(): number {
    return this.running.length + this.waiting.length;
  }
  /** Largest prompt+output the KV cache can hold for a single request. */
  get maxTokensInCache(): number {
    return this.kv.numBlocks * this.blockSize;
  }

  /** Total energy drawn up to engine time `t`, joules (idle power between steps). */
  energyAt(t: number): number {
    const since = this.busy ? this.stepStart : this.lastActivityEnd;
    return this.counters.energyJ + Math.max(0, t - since) * this.watts;
  }

  /** Instantaneous power at the current moment, watts. */
  get watts(): number {
    return this.busy ? this.currentWatts : this.opts.cost.idleWatts();
  }

  add(req: SeqRequest): void {
    if (req.outputTokens < 1) throw new Error(`request ${req.id}: outputTokens must be >= 1`);
    this.waiting.push(new Seq(req, this.opts.clock.now()));
    if (!req.prefilled) this.counters.promptTokens += req.promptTokens;
    if (!this.busy) this.startStep();
  }

  /**
   * Starts a step at engine time `now`: the current time, or the end of the previous step.
   * Back-to-back steps keep the engine's own schedule even when a wall clock fires the end of a
   * step late (its token frames take real time to write): the GPU does not wait for the API
   * server, as vLLM's engine core runs apart from it.
   */
  private startStep(now = this.opts.clock.now()): void {
    const work = this.schedule(now);
    if (this.batch.length === 0) {
      const current = this.opts.clock.now();
      // Only requests that arrived after `now` wait: start when they are here.
      if (now < current && this.waiting.length > 0) return this.startStep(current);
      // Nothing schedulable (e.g. a request too large for the cache): stay idle.
      this.busy = false;
      return;
    }
    if (!this.busy) this.counters.energyJ += Math.max(0, now - this.lastActivityEnd) * this.opts.cost.idleWatts();
    this.busy = true;
    const cost = this.opts.cost.step(work);
    this.currentWatts = cost.watts;
    this.stepStart = now;
    this.stepTokens = work.tokens;
    this.counters.steps++;
    const end = now + cost.seconds;
    this.opts.clock.at(end, () => this.finishStep(end));
  }

  /** vLLM V1 scheduling: running requests first (preempting from the back), then waiting FCFS. */
  private schedule(now: number): StepWork {
    const { kv, blockSize } = this;
    let budget = this.opts.maxNumBatchedTokens;
    const batch = this.batch;
    batch.length = 0;
    const work: StepWork = { tokens: 0, seqs: 0, attendedContext: 0, kvTokensRead: 0 };
    let preempted = false;
    this.dropCancelled();

    for (let i = 0; i < this.running.length && budget > 0; i++) {
      const s = this.running[i]!;
      const n = Math.min(s.total - s.computed, budget);
      const need = Math.ceil((s.computed + n) / blockSize) - s.blocks.length;
      let selfPreempted = false;
      while (need > kv.freeBlocks) {
        const victim = this.running.pop()!;
        this.preempt(victim);
        preempted = true;
        if (victim === s) {
          selfPreempted = true;
          break;
        }
      }
      if (selfPreempted) break;
      if (need > 0) kv.allocate(need, s.blocks);
      this.take(s, n, work);
      budget -= n;
    }

    while (!preempted && budget > 0 && this.waiting.length > 0 && this.running.length < this.opts.maxNumSeqs) {
      const s = this.waiting.peek()!;
      if (s.arrival > now) break; // arrived after this step began (a wall-clock step started on time, run late)
      let hits: number[] = [];
      if (s.computed === 0 && !s.req.prefilled) {
        // Never a full-prompt hit: the last token must be computed to sample from it.
        hits = kv.acquirePrefix(s, Math.floor((s.total - 1) / blockSize));
        s.computed = hits.length * blockSize;
      }
      const n = Math.min(s.total - s.computed, budget);
      const need = Math.ceil((s.computed + n) / blockSize) - hits.length - s.blocks.length;
      const blocks = hits.length > 0 ? hits : s.blocks;
      if (!kv.allocate(need, blocks)) {
        if (hits.length > 0) kv.release(hits);
        s.computed = s.req.prefilled ? s.computed : 0;
        break;
      }
      if (hits.length > 0) s.blocks = hits;
      if (s.cachedTokens < 0) {
        s.cachedTokens = s.computed;
        this.counters.prefixCacheQueries += s.req.promptTokens;
        this.counters.prefixCacheHits += s.computed;
      }
      if (s.firstScheduled < 0) s.firstScheduled = now;
      s.registered = hits.length; // hit blocks are registered already
      this.waiting.shift();
      this.running.push(s);
      this.take(s, n, work);
      budget -= n;
    }
    return work;
  }

  /** Aborted requests free their blocks, as vLLM aborts a request whose client disconnected. */
  private dropCancelled(): void {
    if (this.running.some((s) => s.req.cancelled)) {
      for (const s of this.running) if (s.req.cancelled) this.kv.release(s.blocks);
      this.running = this.running.filter((s) => !s.req.cancelled);
    }
    while (this.waiting.length > 0 && this.waiting.peek()!.req.cancelled) {
      const s = this.waiting.shift()!;
      this.kv.release(s.blocks);
    }
  }

  private take(s: Seq, n: number, work: StepWork): void {
    s.scheduled = n;
    this.batch.push(s);
    work.tokens += n;
    work.seqs++;
    work.attendedContext += n * s.computed + (n * (n + 1)) / 2;
    work.kvTokensRead += s.computed;
  }

  private preempt(s: Seq): void {
    const full = Math.floor(s.computed / this.blockSize);
    for (let i = s.registered; i < full; i++) this.kv.register(s.blocks[i]!, s.hashAt(i));
    this.kv.release(s.blocks);
    s.blocks = [];
    s.computed = 0;
    s.registered = 0;
    s.preemptions++;
    this.counters.preemptions++;
    this.waiting.unshift(s);
  }

  private finishStep(end: number): void {
    const { kv, blockSize } = this;
    this.counters.energyJ += (end - this.stepStart) * this.currentWatts;
    if (this.opts.onStep) {
      this.opts.onStep({
        start: this.stepStart,
        end,
        watts: this.currentWatts,
        tokens: this.stepTokens,
        seqs: this.batch.length,
      });
    }
    let finished = 0;
    for (const s of this.batch) {
      if (s.scheduled === 0) continue; // preempted after being picked is impossible; defensive
      s.computed += s.scheduled;
      s.scheduled = 0;
      // Shared (content-hashed) blocks are registered as soon as they are full; a request's
      // private blocks only when it is preempted (nobody else could hit them before).
      const full = Math.min(Math.floor(s.computed / blockSize), s.req.blockHashes.length);
      for (; s.registered < full; s.registered++) kv.register(s.blocks[s.registered]!, s.hashAt(s.registered));
      if (s.computed < s.total) continue; // prefill chunk, no token yet
      const index = s.generated++;
      this.counters.generationTokens++;
      if (index === 0) s.firstTokenTime = end;
      s.req.listener?.onToken?.(index, end);
      const done = this.opts.role === 'prefill' || s.generated >= s.req.outputTokens;
      if (done) {
        kv.release(s.blocks);
        s.blocks = [];
        s.scheduled = -1; // marks finished for the sweep below
        finished++;
        const result = this.result(s, end);
        if (this.opts.role === 'prefill') this.opts.onPrefillDone?.(s.req, result, end);
        else s.req.listener?.onFinish?.(result);
      }
    }
    if (finished > 0) this.running = this.running.filter((s) => s.scheduled !== -1);
    this.batch.length = 0;
    this.lastActivityEnd = end;
    this.busy = false;
    if (this.running.length > 0 || this.waiting.length > 0) this.startStep(end);
  }

  private result(s: Seq, end: number): SeqResult {
    return {
      id: s.req.id,
      arrival: s.arrival,
      firstScheduled: s.firstScheduled,
      firstTokenTime: s.firstTokenTime,
      finishTime: end,
      promptTokens: s.req.promptTokens,
      outputTokens: s.generated,
      cachedTokens: Math.max(0, s.cachedTokens),
      preemptions: s.preemptions,
    };
  }
}
