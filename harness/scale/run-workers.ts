/**
 * `wrp run --workers N`: one run driven by N worker processes (load-worker.ts), each timing
 * its own requests, the result one run folder as if one process had sent them.
 *
 * The parent owns what must be one: the pools (simulated ones start here once, behind HTTP,
 * and every worker sends to them), the telemetry scraper (its views go to the workers every
 * 250 ms), the routing policy when it learns (a central policy with batched updates:
 * policy-sync.ts), the error budget over all workers, the progress line, and the end: the
 * workers' requests.jsonl files are merged by completion time into the run's, every id
 * checked (merge-runs.ts), the worker folders removed, and the summary computed over the
 * merged file by the same finalize as a one-process run (percentiles from HDR histograms of
 * every record, never averaged). The schedule is split by session (session-share.ts), so the
 * ids are those one process would send. A worker that fails ends the run (WRP_WORKER_FAILED,
 * or its own error's code); its folder is kept.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError, WrpError } from '../../core/errors.ts';
import { formatReport } from '../../datasets/report.ts';
import type { TelemetryScraper } from '../telemetry/scraper.ts';
import { createArrivals } from '../workload/arrivals.ts';
import { createWorkload } from '../workload/mix.ts';
import { buildRouter } from '../runner/build-router.ts';
import { DEFAULT_CHECKPOINT_EVERY, PolicyCheckpointer } from '../runner/checkpoint.ts';
import type { ExperimentConfig } from '../runner/config.ts';
import type { EnergyRate } from '../runner/energy-rate.ts';
import { poolTelemetry } from '../runner/pool-telemetry.ts';
import { finalizeRun } from '../runner/finalize.ts';
import { startPools, stopPools, type PoolHandle } from '../runner/pools.ts';
import { createProgress } from '../runner/progress.ts';
import { RunInterrupted } from '../runner/interrupt.ts';
import { JsonlWriter } from '../runner/results-writer.ts';
import { anyWarmUp, gatherWarmUps } from '../runner/warm-up.ts';
import { datasetMeta, datasetNotes, openRunDir, type OpenedRunDir } from '../runner/run-dir.ts';
import { combineStops, describeStop } from '../runner/stop-reason.ts';
import type { RunOptions, RunOutcome } from '../runner/runner.ts';
import type { SummaryMeta } from '../runner/summary.ts';
import { reviveError } from './fork-pool.ts';
import { withLoadWorkerFlags, workerSpawn } from './launcher.ts';
import { writeManifest } from './manifest.ts';
import { mergeRecords } from './merge-runs.ts';
import { PolicyHub, syncable, type PolicyUpdate } from './policy-sync.ts';
import { finishRunManifest, prepareShardDir, runManifest } from './run-shard.ts';
import type {
  FromRunWorker,
  PoolView,
  RunWorkerInit,
  ToRunWorker,
  WorkerDone,
  WorkerProgress,
} from './run-worker-messages.ts';
import { WHOLE } from './shard.ts';

export interface WorkersOptions {
  count: number;
  /** The worker's module (scripts/run-worker.ts), forked as it is by callers that are not the CLI. */
  module: string;
  /** How often replicas send their updates and the hub its snapshot (ms). */
  syncMs?: number;
}

const TICK_MS = 250;
/** Workers start together this long after the last one is ready (their first timers are armed by then). */
const START_MARGIN_MS = 200;

interface Worker {
  child: ChildProcess;
  ready: boolean;
  progress: WorkerProgress;
  done?: WorkerDone;
}

/** The config the workers run: simulated pools point at the parent's servers; energy is the parent's business. */
function workerConfig(config: ExperimentConfig, pools: PoolHandle[]): ExperimentConfig {
  const url = new Map(pools.map((p) => [p.name, p.url]));
  return {
    ...config,
    pools: config.pools.map(({ sim, ...p }) =>
      sim ? { ...p, endpoint: url.get(p.name)!, energy: { type: 'none' as const } } : p,
    ),
  };
}

export async function runWithWorkers(opts: RunOptions, w: WorkersOptions): Promise<RunOutcome> {
  if (opts.resumeDir !== undefined) throw new UsageError('--workers: not with --resume (a resumed run is one process)');
  const { config } = opts;
  const log = opts.log ?? ((line: string) => console.error(line));
  const file = opts.configFile;
  // Bad input fails here, before any pool or worker starts.
  const workload = createWorkload(config.workload, config.seed, { baseDir: dirname(file), file });
  for (const r of workload.reports) log(`workload: ${formatReport(r)}`);
  createArrivals(config.workload.arrival, config.seed, { baseDir: dirname(file), file });
  const interrupt = opts.interrupt;
  const pools = await startPools(config, log);
  // As in one process: the scraper and the router are built (energy sources checked) before the run folder.
  const { scraper, energyRate, recordTo } = poolTelemetry(pools, config.telemetry.interval_ms);
  let router: ReturnType<typeof buildRouter>;
  let dir: OpenedRunDir;
  try {
    router = buildRouter(config, pools, opts.policies, file);
    await scraper.checkEnergy();
    if (interrupt?.reason?.kind === 'signal') throw new RunInterrupted(interrupt.reason.signal);
    dir = await openRunDir({
      config,
      configFile: file,
      outRoot: opts.outRoot ?? config.output.dir,
      ...(opts.shard ? { dir: () => prepareShardDir(opts.shard!.dir, log) } : {}),
      datasets: datasetMeta(workload.reports),
      log,
    });
  } catch (e) {
    await scraper.stop().catch(() => undefined);
    await stopPools(pools);
    throw e;
  }
  const { runDir, meta } = dir;
  const runId = meta.runId;
  log(`${w.count} worker processes`);
  const manifest = opts.shard && runManifest(config, opts.shard);
  if (manifest) writeManifest(runDir, manifest);
  const telemetry = recordTo(new JsonlWriter(join(runDir, 'telemetry.jsonl')));
  const workersDir = join(runDir, 'workers');
  const workerDir = (i: number) => join(workersDir, `w${i}`);
  const workers: Worker[] = [];
  const workerWarmUps = () => workers.map((_, i) => join(workerDir(i), 'warmup.jsonl'));
  // The workers' warm-up files, and the run's once they are gathered: a folder holding any is kept.
  const warmUpFiles = () => [...workerWarmUps(), join(runDir, 'warmup.jsonl')];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const fail = (e: Error) => {
    failure ??= e;
    wake?.();
  };
  const until = async (done: () => boolean) => {
    while (!failure && !done()) await new Promise<void>((r) => (wake = r));
    if (failure) throw failure;
  };
  const send = (m: ToRunWorker) => {
    for (const x of workers) if (x.child.connected) x.child.send(m);
  };
  const timers: NodeJS.Timeout[] = [];
  let unwatch: (() => void) | undefined;
  let sent = 0;
  try {
    const hub =
      router.kind === 'policy' && syncable(router.policy)
        ? new PolicyHub(router.policy, (snapshot) => send({ type: 'snapshot', snapshot }))
        : undefined;
    // Updates are applied one batch after another, in the order they arrive (prepare may be async).
    let applying = Promise.resolve();
    const apply = (batch: PolicyUpdate[]) => {
      applying = applying.then(async () => {
        for (const u of batch) await hub!.policy.prepare?.(u.ctx);
        hub!.receive(batch);
      });
      applying.catch(fail);
    };
    const shard = opts.shard?.shard ?? WHOLE;
    const base: Omit<RunWorkerInit, 'dir' | 'worker'> = {
      config: workerConfig(config, pools),
      configFile: file,
      simPools: pools.filter((p) => p.sim).map((p) => p.name),
      runId,
      shard,
      shared: hub !== undefined,
      syncMs: w.syncMs ?? 250,
    };
    for (let index = 0; index < w.count; index++) {
      const dir = workerDir(index);
      mkdirSync(dir, { recursive: true });
      const spawn = workerSpawn('run', w.module);
      const child = fork(spawn.file, spawn.args, {
        execArgv: withLoadWorkerFlags(spawn.execArgv),
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const me: Worker = { child, ready: false, progress: { sent: 0, completed: 0, errors: 0, inFlight: 0 } };
      workers.push(me);
      const where = `run worker ${index + 1}/${w.count} (pid ${child.pid ?? '?'})`;
      child.on('message', (m: FromRunWorker) => {
        if (m.type === 'ready') me.ready = true;
        else if (m.type === 'progress') me.progress = m.progress;
        else if (m.type === 'updates') apply(m.batch);
        else if (m.type === 'done') me.done = m.done;
        else fail(reviveError(m.error, where));
        wake?.();
      });
      child.on('error', (e) => fail(new WrpError('WRP_WORKER_FAILED', `${where}: ${e.message}`, { cause: e })));
      child.on('exit', (code, signal) => {
        if (!me.done)
          fail(
            new WrpError(
              'WRP_WORKER_FAILED',
              `${where} exited (${signal ?? `code ${code}`}) before it was done; its output is above`,
            ),
          );
      });
      child.send({ type: 'init', init: { ...base, dir, worker: { index, count: w.count } } } satisfies ToRunWorker);
      if (hub)
        child.send({ type: 'snapshot', snapshot: { sync: 0, state: hub.policy.checkpoint!() } } satisfies ToRunWorker);
    }
    await until(() => workers.every((x) => x.ready));
    // A signal now stops the workers as it stops one process: a first one stops sending, a second cancels.
    unwatch = interrupt?.watch(
      (reason) => send({ type: 'stop', reason }),
      () => send({ type: 'cancel' }),
    );
    await scraper.start();
    const startAtMs = opts.shard?.startAtMs ?? Date.now() + START_MARGIN_MS;
    send({ type: 'start', startAtMs });
    const progress = createProgress(log, opts.progress !== false && Boolean(process.stderr.isTTY));
    const stop = config.stop;
    let stopped = false;
    timers.push(
      setInterval(() => {
        const sum = workers.reduce(
          (a, x) => ({
            completed: a.completed + x.progress.completed,
            errors: a.errors + x.progress.errors,
            inFlight: a.inFlight + x.progress.inFlight,
          }),
          { completed: 0, errors: 0, inFlight: 0 },
        );
        progress.update({
          done: sum.completed,
          inFlight: sum.inFlight,
          errors: sum.errors,
          total: stop.requests,
          elapsedS: (Date.now() - startAtMs) / 1000,
          durationS: stop.duration_s,
        });
        // The error budget is the run's, over every worker (each also checks its own share).
        if (
          !stopped &&
          sum.completed >= stop.min_requests_for_error_rate &&
          sum.errors / sum.completed > stop.max_error_rate
        ) {
          stopped = true;
          send({
            type: 'stop',
            reason: {
              kind: 'max_error_rate',
              errors: sum.errors,
              completed: sum.completed,
              limit: stop.max_error_rate,
            },
          });
        }
        send({ type: 'observe', pools: views(pools, scraper, energyRate) });
      }, TICK_MS),
    );
    if (hub) timers.push(setInterval(() => hub.sync(), w.syncMs ?? 250));
    try {
      await until(() => workers.every((x) => x.done));
    } finally {
      for (const t of timers) clearInterval(t);
      progress.stop();
      unwatch?.();
    }
    for (const x of workers) if (x.child.connected) x.child.disconnect();
    await applying;
    await scraper.stop();
    await telemetry.close();
    const done = workers.map((x) => x.done!);
    const recorded = done.reduce((a, d) => a + d.recorded, 0);
    sent = done.reduce((a, d) => a + d.sent, 0);
    if (hub) {
      const every = config.router.checkpoint_every ?? DEFAULT_CHECKPOINT_EVERY;
      new PolicyCheckpointer(
        runDir,
        hub.policy as typeof hub.policy & { checkpoint(): unknown },
        every,
        hub.stats.updates,
        () => {},
      ).save(recorded);
    }
    // Worker k owns the shard's sessions first + step * j (session-share.ts with a sub-share).
    await mergeRecords(
      {
        names: workers.map((_, i) => workerDir(i)),
        files: workers.map((_, i) => join(workerDir(i), 'requests.jsonl')),
        recorded: done.map((d) => d.sent),
        owner: (u) => Math.floor(u / shard.count) % w.count,
        sessionsOf: (k) => ({ first: shard.index + shard.count * k, step: shard.count * w.count }),
      },
      join(runDir, 'requests.jsonl'),
    );
    const warmed = gatherWarmUps(workerWarmUps(), join(runDir, 'warmup.jsonl'));
    const warmNote =
      warmed > 0
        ? `warm-up: ${warmed} request(s) over ${w.count} workers, each before its clock started (warmup.jsonl), not in these figures`
        : undefined;
    if (warmNote) log(warmNote);
    rmSync(workersDir, { recursive: true, force: true });
    const runStop = combineStops(done.map((d) => d.stop));
    if (runStop.kind === 'signal' && dir.fresh && recorded === 0 && warmed === 0)
      throw new RunInterrupted(runStop.signal);
    if (runStop.kind === 'max_error_rate') log(`stopped: ${describeStop(runStop)}`);
    const load = sumOpenLoad(done);
    const notes = [
      ...datasetNotes(meta.datasets),
      `${w.count} worker processes, every N-th session each; their records merged by completion time, every id checked`,
      hub
        ? `router ${hub.policy.name}: one policy in the parent, ${hub.stats.updates} updates applied in ${hub.stats.syncs} syncs every ${w.syncMs ?? 250} ms; workers decided on its last snapshot`
        : 'router: each worker its own copy (the policy does not learn, or has no checkpoint hooks)',
      ...(warmNote ? [warmNote] : []),
    ];
    const fin = await finalizeRun({
      runDir,
      runId,
      config,
      stop: runStop,
      log,
      rewriteRequests: true,
      notes,
      ...(load ? { load } : {}),
      ...(opts.onFinalRecord ? { onRecord: opts.onFinalRecord } : {}),
    });
    if (fin.recorded !== recorded)
      throw new Error(
        `accounting: the workers recorded ${recorded} requests but ${fin.recorded} are in ${join(runDir, 'requests.jsonl')}`,
      );
    if (manifest)
      finishRunManifest(runDir, manifest, fin.recorded, {
        stop: runStop,
        stoppedBy: describeStop(runStop),
        ...(load ? { load } : {}),
      });
    return { runId, runDir, summary: fin.summary, recorded: fin.recorded, requests: fin.requests };
  } catch (e) {
    // A folder this run made whose workers sent nothing is no run: it goes. Otherwise the workers' files stay.
    if (dir.fresh && sent === 0 && workers.every((x) => x.progress.sent === 0) && !anyWarmUp(warmUpFiles()))
      rmSync(runDir, { recursive: true, force: true });
    throw e;
  } finally {
    unwatch?.();
    for (const t of timers) clearInterval(t);
    for (const x of workers) if (x.child.exitCode === null && x.child.signalCode === null) x.child.kill();
    await scraper.stop().catch(() => undefined);
    await telemetry.close().catch(() => undefined);
    await stopPools(pools);
  }
}

/** The workers' open-loop figures on their common timeline: sessions add up over the longest span. */
function sumOpenLoad(done: WorkerDone[]): SummaryMeta['load'] {
  const loads = done.flatMap((d) => (d.load ? [d.load] : []));
  const span = Math.max(0, ...loads.map((l) => l.spanS));
  if (loads.length === 0 || span === 0) return undefined;
  const started = loads.reduce((a, l) => a + l.started, 0);
  const behind = loads.reduce((a, l) => a + l.behindAtStop, 0);
  return {
    offeredPerS: Number(((started + behind) / span).toFixed(3)),
    achievedPerS: Number((started / span).toFixed(3)),
    behindAtStop: behind,
  };
}

/** What the workers need of the scraper's last views. */
function views(pools: PoolHandle[], scraper: TelemetryScraper, energy: EnergyRate): Record<string, PoolView> {
  const out: Record<string, PoolView> = {};
  for (const p of pools) {
    const o = scraper.observation(p.name);
    out[p.name] = {
      running: o?.running,
      waiting: o?.waiting,
      kvCacheUsage: o?.kvCacheUsage,
      joulesPerToken: energy.joulesPerToken(p.name),
    };
  }
  return out;
}
