/**
 * One worker process of `wrp run --workers N`: sends its share of the schedule (every N-th
 * session) from the common start, timing its own requests, and appends their records to its
 * own requests.jsonl; the parent merges the workers' files into the run's (run-workers.ts).
 *
 * The pools are the parent's (simulated ones run there once, behind HTTP, so every worker
 * sends to the same engines) and so is the telemetry: the parent scrapes the pools and sends
 * each view here, where it fills the routing context (queue depth, KV usage, J per token).
 * The router: the parent's policy as a replica (policy-sync.ts) when it learns, else the
 * worker's own copy of the static rule, with its own random stream.
 */
import { setMaxListeners } from 'node:events';
import { dirname, join } from 'node:path';
import { deriveSeed } from '../../core/rng.ts';
import { createEvaluator } from '../feedback/factory.ts';
import type { PolicyFactory } from '../router/policies.ts';
import { buildRouter } from '../runner/build-router.ts';
import { LoadLoop, stopRule } from '../runner/load-loop.ts';
import { startPools, stopPools } from '../runner/pools.ts';
import { RecentTtft } from '../runner/recent-ttft.ts';
import { JsonlWriter } from '../runner/results-writer.ts';
import { warmUp } from '../runner/warm-up.ts';
import type { StopReason } from '../runner/stop-reason.ts';
import { turnRunner, type TurnEnv } from '../runner/turn.ts';
import type { PoolObservation } from '../types.ts';
import { createArrivals } from '../workload/arrivals.ts';
import { createWorkload } from '../workload/mix.ts';
import { PolicyReplica, type PolicySnapshot, type PolicyUpdate } from './policy-sync.ts';
import { commonT0 } from './run-shard.ts';
import type { PoolView, RunWorkerInit, WorkerDone, WorkerProgress } from './run-worker-messages.ts';
import { sessionShare } from './session-share.ts';

export interface WorkerChannel {
  updates(batch: PolicyUpdate[]): void;
  progress(p: WorkerProgress): void;
  log(line: string): void;
}

/** What the parent pushes during the run. */
export interface WorkerInbox {
  snapshot(s: PolicySnapshot): void;
  observe(pools: Record<string, PoolView>): void;
  stop(reason: StopReason): void;
  cancel(): void;
}

const PROGRESS_MS = 250;

/**
 * Prepares the worker (pools, router; a shared policy waits for its first snapshot, which the
 * parent sends with init) and returns its inbox and `run`, which sends its share and resolves
 * with its counts once every record is on disk.
 */
export async function prepareLoadWorker(
  init: RunWorkerInit,
  factories: Record<string, PolicyFactory>,
  ch: WorkerChannel,
): Promise<{ inbox: WorkerInbox; run(startAtMs: number): Promise<WorkerDone> }> {
  const { config, configFile: file } = init;
  const workload = createWorkload(config.workload, config.seed, { baseDir: dirname(file), file });
  const arrivals = createArrivals(config.workload.arrival, config.seed, { baseDir: dirname(file), file });
  const pools = await startPools(config, () => {});
  for (const p of pools) if (init.simPools.includes(p.name)) p.sendLabels = config.client.label_headers !== 'never';
  const evaluator = createEvaluator(config.feedback, {
    pools: pools.map((p) => ({
      name: p.name,
      model: p.model,
      pricing: { inputPer1M: p.config.pricing.input_per_1m, outputPer1M: p.config.pricing.output_per_1m },
      url: p.url,
    })),
  });
  const index = init.shard.index * init.worker.count + init.worker.index;
  const built = buildRouter(config, pools, factories, file, deriveSeed(config.seed, 'worker', index));
  const replica =
    init.shared && built.kind === 'policy' ? new PolicyReplica(built.policy, index, ch.updates) : undefined;
  const views: Record<string, PoolView> = {};
  let stopReason: StopReason | undefined;
  let cancelled = false;
  let loop: LoadLoop | undefined;
  const inbox: WorkerInbox = {
    snapshot: (s) => replica?.apply(s),
    observe: (p) => Object.assign(views, p),
    stop: (reason) => {
      stopReason ??= reason;
      loop?.requestStop(reason);
    },
    cancel: () => {
      cancelled = true;
      if (loop) cancelNow(loop);
    },
  };
  // Each worker is a cold process of its own: it warms up before it says it is ready.
  await warmUp(pools, config.warmup, join(init.dir, 'warmup.jsonl'));

  const run = async (startAtMs: number): Promise<WorkerDone> => {
    const requests = new JsonlWriter(join(init.dir, 'requests.jsonl'), 'w');
    const ttft = new RecentTtft();
    const t0 = await commonT0(startAtMs, ch.log);
    const env: TurnEnv = {
      runId: init.runId,
      t0,
      pools: new Map(pools.map((p) => [p.name, p])),
      router: replica ? { kind: 'policy', policy: replica } : built,
      evaluator,
      reward: config.feedback.reward,
      slo: config.slo,
      observe: (): PoolObservation[] =>
        pools.map((p) => ({
          name: p.name,
          model: p.model,
          running: views[p.name]?.running,
          waiting: views[p.name]?.waiting,
          kvCacheUsage: views[p.name]?.kvCacheUsage,
          recentTtftMs: ttft.median(p.name),
          pricing: { inputPer1M: p.config.pricing.input_per_1m, outputPer1M: p.config.pricing.output_per_1m },
        })),
      joulesPerToken: (pool) => views[pool]?.joulesPerToken,
      signal: new AbortController().signal,
    };
    const l = new LoadLoop({
      t0,
      source: workload,
      arrivals,
      share: sessionShare(init.shard, config.stop.requests, init.worker),
      stop: stopRule(config.stop),
      runTurn: turnRunner(env),
      onResult: (r) => {
        requests.write(r);
        if (r.status === 'ok' && r.timing.ttftMs !== undefined) ttft.add(r.decision.pool, r.timing.ttftMs);
      },
      log: ch.log,
    });
    loop = l;
    env.signal = l.abort.signal;
    env.onReply = () => l.wakeSenderIfDue();
    setMaxListeners(0, env.signal);
    if (stopReason !== undefined) l.requestStop(stopReason);
    if (cancelled) cancelNow(l);
    const c = l.counters;
    const ticker = setInterval(() => ch.progress({ ...c }), PROGRESS_MS);
    const syncer = replica && setInterval(() => replica.flush(), init.syncMs);
    try {
      await l.run();
    } finally {
      clearInterval(ticker);
      if (syncer) clearInterval(syncer);
    }
    replica?.flush();
    ch.progress({ ...c });
    await requests.close();
    await evaluator.close?.();
    await stopPools(pools);
    const load = l.openLoad();
    return {
      recorded: requests.count,
      sent: c.sent,
      stop: l.stoppedBy ?? { kind: 'workload_exhausted' },
      ...(load ? { load } : {}),
    };
  };
  return { inbox, run };
}

/** A second signal: no more sends, and what is in flight is cancelled now (each still recorded, as cancelled). */
function cancelNow(l: LoadLoop): void {
  l.requestStop(l.stoppedBy ?? { kind: 'interrupted' });
  l.abort.abort();
}
