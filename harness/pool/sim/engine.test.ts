import { describe, expect, it } from 'vitest';
import { VirtualClock, type Clock } from './clock.ts';
import type { SeqRequest, SeqResult, StepRecord } from './engine.ts';
import { KvCache } from './kv-cache.ts';
import { DEFAULT_POOL_SPEC, SimPool, type SimPoolSpec } from './sim-pool.ts';

function setup(over: Partial<SimPoolSpec> = {}) {
  const clock = new VirtualClock();
  const steps: StepRecord[] = [];
  const pool = new SimPool(
    { ...DEFAULT_POOL_SPEC, model: 'llama-3.1-8b', ...over, onStep: (s) => steps.push(s) },
    clock,
  );
  const results = new Map<string, SeqResult>();
  const tokens = new Map<string, number[]>();
  const submit = (id: string, promptTokens: number, outputTokens: number, blockHashes: number[] = []) => {
    const times: number[] = [];
    tokens.set(id, times);
    const req: SeqRequest = {
      id,
      promptTokens,
      outputTokens,
      blockHashes,
      listener: { onToken: (_i, t) => times.push(t), onFinish: (r) => results.set(id, r) },
    };
    pool.submit(req);
  };
  return { clock, pool, steps, results, tokens, submit };
}

describe('ReplicaEngine', () => {
  it('runs at most max_num_seqs at once and queues the rest FCFS', () => {
    const { clock, steps, results, submit } = setup({ maxNumSeqs: 2 });
    for (let i = 0; i < 4; i++) submit(`r${i}`, 100, 10);
    clock.run();
    expect(results.size).toBe(4);
    expect(Math.max(...steps.map((s) => s.seqs))).toBe(2);
    const r = (id: string) => results.get(id)!;
    expect(r('r2').firstScheduled).toBeGreaterThanOrEqual(Math.min(r('r0').finishTime, r('r1').finishTime));
    for (const res of results.values()) expect(res.outputTokens).toBe(10);
  });

  it('chunks a long prefill under the per-step token budget', () => {
    const { clock, steps, tokens, submit } = setup({ maxNumBatchedTokens: 64 });
    submit('long', 200, 3);
    clock.run();
    expect(Math.max(...steps.map((s) => s.tokens))).toBeLessThanOrEqual(64);
    // ceil(200 / 64) = 4 prefill steps; the first token comes at the end of the fourth.
    expect(tokens.get('long')![0]).toBe(steps[3]!.end);
    expect(steps).toHaveLength(4 + 2);
  });

  it('preempts when the KV cache runs out and still finishes every request', () => {
    const { clock, pool, results, submit } = setup({ numKvBlocks: 24 });
    for (let i = 0; i < 3; i++) submit(`r${i}`, 64, 100); // each needs ceil(164/16) = 11 blocks
    clock.run();
    expect(pool.counter('preemptions')).toBeGreaterThan(0);
    expect([...results.values()].map((r) => r.outputTokens)).toEqual([100, 100, 100]);
    expect(pool.engines[0]!.kv.freeBlocks).toBe(24);
  });

  it('serves a shared prefix from the cache (warm) but not an unrelated one (cold)', () => {
    const { clock, pool, results, submit } = setup();
    const shared = Array.from({ length: 8 }, (_, i) => 1000 + i);
    submit('first', 8 * 16 + 5, 4, shared);
    clock.run();
    submit('warm', 8 * 16 + 5, 4, shared);
    submit(
      'cold',
      8 * 16 + 5,
      4,
      shared.map((h) => h + 50),
    );
    clock.run();
    expect(results.get('first')!.cachedTokens).toBe(0);
    expect(results.get('warm')!.cachedTokens).toBe(8 * 16);
    expect(results.get('cold')!.cachedTokens).toBe(0);
    expect(pool.counter('prefixCacheHits')).toBe(8 * 16);
    const ttft = (id: string) => results.get(id)!.firstTokenTime - results.get(id)!.arrival;
    expect(ttft('warm')).toBeLessThanOrEqual(ttft('cold'));
  });

  it('never serves a whole prompt from the cache: the last token is recomputed', () => {
    const { clock, results, submit } = setup();
    const hashes = [1, 2];
    submit('a', 32, 2, hashes);
    clock.run();
    submit('b', 32, 2, hashes);
    clock.run();
    expect(results.get('b')!.cachedTokens).toBe(16);
  });

  it('is deterministic: the same submissions give the same timings', () => {
    const run = () => {
      const { clock, results, submit } = setup({ maxNumSeqs: 8, numKvBlocks: 200 });
      for (let i = 0; i < 40; i++)
        clock.at(i * 0.01, () => submit(`r${i}`, 50 + ((i * 37) % 300), 5 + ((i * 11) % 60)));
      clock.run();
      return [...results.values()].map((r) => [r.id, r.firstTokenTime, r.finishTime, r.preemptions]);
    };
    expect(run()).toEqual(run());
  });

  it('draws idle power between steps and more while busy', () => {
    const { clock, pool, submit } = setup();
    clock.run(10);
    const idle = pool.energyJ();
    expect(idle).toBeCloseTo(10 * pool.gpu.idleWatts, 6);
    submit('r', 500, 200);
    const t0 = clock.now();
    clock.run();
    const busyWatts = (pool.energyJ() - idle) / (clock.now() - t0);
    expect(busyWatts).toBeGreaterThan(pool.gpu.idleWatts);
    expect(busyWatts).toBeLessThanOrEqual(pool.gpu.maxWatts);
  });

  it('disaggregated prefill/decode: decode starts after the KV transfer', () => {
    const linkGBps = 1;
    const { clock, results, tokens, submit } = setup({
      disaggregation: { prefillReplicas: 1, decodeReplicas: 1, linkGBps, linkLatencyMs: 1 },
    });
    submit('r', 1000, 5);
    clock.run();
    const t = tokens.get('r')!;
    expect(t).toHaveLength(5);
    const transfer = 0.001 + (1000 * 131072) / (linkGBps * 1e9);
    expect(t[1]! - t[0]!).toBeGreaterThanOrEqual(transfer);
    expect(results.get('r')!.outputTokens).toBe(5);
    expect(results.get('r')!.firstTokenTime).toBe(t[0]);
  });
});

const keys = (hashes: number[]) => ({ hashAt: (i: number) => hashes[i] ?? -1 - i });

describe('KvCache', () => {
  it('evicts the least recently freed cached block first', () => {
    const kv = new KvCache(2, 16);
    const a: number[] = [];
    kv.allocate(2, a);
    kv.register(a[0]!, 11);
    kv.register(a[1]!, 22);
    kv.release(a); // frees a[1] then a[0]: the tail block is evicted first
    const b: number[] = [];
    kv.allocate(1, b);
    expect(kv.acquirePrefix(keys([11]), 1)).toEqual([a[0]]);
    expect(kv.acquirePrefix(keys([22]), 1)).toEqual([]);
  });

  it('refuses an allocation larger than the free blocks without taking any', () => {
    const kv = new KvCache(3, 16);
    const out: number[] = [];
    expect(kv.allocate(4, out)).toBe(false);
    expect(out).toEqual([]);
    expect(kv.freeBlocks).toBe(3);
  });
});

describe('ReplicaEngine behind a late clock', () => {
  it('keeps its own step schedule when step ends run late, and never schedules a request before it arrives', () => {
    // Every callback runs 5 ms after its time, as a wall clock does while frames are written.
    const inner = new VirtualClock();
    let late = 0;
    const clock: Clock = {
      now: () => inner.now() + late,
      at: (t, fn) =>
        inner.at(t, () => {
          late = 0.005;
          fn();
          late = 0;
        }),
    };
    const steps: StepRecord[] = [];
    const pool = new SimPool({ ...DEFAULT_POOL_SPEC, model: 'llama-3.1-8b', onStep: (s) => steps.push(s) }, clock);
    const results = new Map<string, SeqResult>();
    const req = (id: string, onToken?: () => void): SeqRequest => ({
      id,
      promptTokens: 64,
      outputTokens: 5,
      blockHashes: [],
      listener: { onToken, onFinish: (r) => results.set(id, r) },
    });
    let sentB = false;
    // b arrives during the late callback of a's first token: 5 ms after that step's end.
    pool.submit(
      req('a', () => {
        if (!sentB) pool.submit(req('b'));
        sentB = true;
      }),
    );
    inner.run();
    expect(results.size).toBe(2);
    for (let i = 1; i < steps.length; i++) expect(steps[i]!.start).toBe(steps[i - 1]!.end);
    const b = results.get('b')!;
    expect(b.arrival).toBeCloseTo(steps[0]!.end + 0.005, 9);
    expect(b.firstScheduled).toBeGreaterThanOrEqual(b.arrival);
  });
});
