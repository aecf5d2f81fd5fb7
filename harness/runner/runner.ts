/**
 * `wrp run`: one experiment end to end. Starts the pools, the telemetry scraper and the
 * load loop; every request's record is appended to requests.jsonl as it completes (flushed
 * at least every second; nothing is kept in memory, so long runs stay flat); at the end
 * the files are read back, energy is attributed to requests and the summary is written
 * (finalize.ts, shared with `wrp report`). `resumeDir` continues a killed run in place.
 */
import { setMaxListeners } from 'node:events';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatReport } from '../../datasets/report.ts';
import { describeFrameLag } from '../pool/sim/emission-lag.ts';
import { createEvaluator } from '../feedback/factory.ts';
import type { Evaluator } from '../feedback/types.ts';
import type { PolicyFactory } from '../router/policies.ts';
import type { TelemetryScraper } from '../telemetry/scraper.ts';
import type { Policy, PoolObservation, RequestResult } from '../types.ts';
import { createArrivals } from '../workload/arrivals.ts';
import { createWorkload } from '../workload/mix.ts';
import type { ExperimentConfig } from './config.ts';
import { buildRouter } from './build-router.ts';
import { DEFAULT_CHECKPOINT_EVERY, PolicyCheckpointer } from './checkpoint.ts';
import { finalizeRun } from './finalize.ts';
import { LoadLoop, stopRule } from './load-loop.ts';
import { startPools, stopPools, type PoolHandle } from './pools.ts';
import { createProgress } from './progress.ts';
import { JsonlWriter } from './results-writer.ts';
import { datasetMeta, datasetNotes, openRunDir, type ResumeState } from './run-dir.ts';
import { RunInterrupted, type RunInterrupt } from './interrupt.ts';
import type { JsonlReport } from './results-reader.ts';
import { warmUp, warmUpNote, type WarmedUp } from './warm-up.ts';
import type { RunSummary, SummaryMeta } from './summary.ts';
import { RUNNER_ERROR_CLASSES, turnRunner, type TurnEnv } from './turn.ts';
import { RecentTtft } from './recent-ttft.ts';
import { describeStop, type StopReason } from './stop-reason.ts';
import { poolTelemetry } from './pool-telemetry.ts';
import { sessionShare } from '../scale/session-share.ts';
import { commonT0, finishRunManifest, prepareShardDir, runManifest, type RunShard } from '../scale/run-shard.ts';
import { writeManifest } from '../scale/manifest.ts';

/** Achieved below this share of the offered open-loop rate: the summary says the generator fell behind. */
const HELD_RATE_SHARE = 0.98;

export interface RunOptions {
  config: ExperimentConfig;
  /** The experiment file: relative paths in it resolve from its folder; errors name it. */
  configFile: string;
  policies: Record<string, PolicyFactory>;
  /** Results root (default: the config's output.dir). */
  outRoot?: string;
  progress?: boolean;
  log?: (line: string) => void;
  /** `wrp run --resume DIR`: continue the run recorded there (same config, same files). */
  resumeDir?: string;
  /** Stops the run from outside (wrp run's signal handler): see interrupt.ts. */
  interrupt?: RunInterrupt;
  /** Called with every record; a reason returned stops the run (capacity search: the trial's SLO budget is spent). */
  shouldStop?: (r: RequestResult) => StopReason | undefined;
  /** `wrp run --shard i/N`: this process runs one shard of the schedule into its own folder (harness/scale/run-shard.ts). */
  shard?: RunShard;
  /**
   * Sees each record once at the end, as requests.jsonl then holds it (energy attributed): the
   * CLI builds the report's digest from it, so the end of a run reads the file once for both.
   */
  onFinalRecord?: (r: RequestResult) => void;
}

export interface RunOutcome {
  runId: string;
  runDir: string;
  summary: RunSummary;
  /** Records in requests.jsonl (read them with results-reader.ts: the run keeps none in memory). */
  recorded: number;
  /** What the end-of-run pass read from requests.jsonl (skipped lines included). */
  requests: JsonlReport;
}

export async function runExperiment(opts: RunOptions): Promise<RunOutcome> {
  const { config } = opts;
  const log = opts.log ?? ((line: string) => console.error(line));
  const file = opts.configFile;
  const baseDir = dirname(file);
  const interrupt = opts.interrupt;
  // Preflight: everything that can fail on bad input or a missing endpoint, before any run folder exists.
  const workload = createWorkload(config.workload, config.seed, { baseDir, file });
  for (const r of workload.reports) log(`workload: ${formatReport(r)}`);
  const arrivals = createArrivals(config.workload.arrival, config.seed, { baseDir, file });
  const pools = await startPools(config, log);
  const byName = new Map(pools.map((p) => [p.name, p]));
  // The scraper is built (and its energy sources checked) before the run folder its file goes in.
  const { scraper, energyRate, recordTo } = poolTelemetry(pools, config.telemetry.interval_ms);
  let evaluator: Evaluator | undefined;
  let router: ReturnType<typeof buildRouter>;
  try {
    router = buildRouter(config, pools, opts.policies, file);
    evaluator = createEvaluator(config.feedback, {
      pools: pools.map((p) => ({
        name: p.name,
        model: p.model,
        pricing: { inputPer1M: p.config.pricing.input_per_1m, outputPer1M: p.config.pricing.output_per_1m },
        url: p.url,
      })),
    });
    await scraper.checkEnergy();
    if (interrupt?.reason !== undefined) throw new RunInterrupted(signalOf(interrupt.reason));
  } catch (e) {
    await scraper.stop().catch(() => undefined);
    await evaluator?.close?.();
    await stopPools(pools);
    throw e;
  }

  const dir = await openRunDir({
    config,
    configFile: file,
    outRoot: opts.outRoot ?? config.output.dir,
    resumeDir: opts.resumeDir,
    // A shard writes the folder it was given (made ready only now, after the checks above).
    ...(opts.shard ? { dir: () => prepareShardDir(opts.shard!.dir, log) } : {}),
    datasets: datasetMeta(workload.reports),
    log,
  });
  const { runDir, meta, resume } = dir;
  const runId = meta.runId;
  const manifest = opts.shard && runManifest(config, opts.shard);
  if (manifest) writeManifest(runDir, manifest);
  const telemetry = recordTo(new JsonlWriter(join(runDir, 'telemetry.jsonl')));
  const requests = new JsonlWriter(join(runDir, 'requests.jsonl'));
  let recorded = resume?.records ?? 0;
  let warmed: WarmedUp = { sent: 0, failed: 0 };
  try {
    const policy = router.kind === 'policy' ? router.policy : undefined;
    const checkpointer = policy && setUpCheckpoints(policy, config, runDir, resume, () => requests.flush(), log);
    // The first request of each runner-side error class is said in the log; the rest are counted in the summary.
    const runnerErrorsSeen = new Set<string>();
    const noteRunnerError = (r: RequestResult) => {
      const cls = r.errorClass;
      if (cls === undefined || runnerErrorsSeen.has(cls) || !(RUNNER_ERROR_CLASSES as readonly string[]).includes(cls))
        return;
      runnerErrorsSeen.add(cls);
      log(
        `request ${r.id}: ${cls}: ${r.errorMessage ?? ''} (the run goes on: such requests are recorded as failed and count toward stop.max_error_rate)`,
      );
    };
    // Warm up before the scraper's first sample: the warm-up's energy is no part of the run's.
    warmed = await warmUp(pools, config.warmup, join(runDir, 'warmup.jsonl'));
    const warmNote = warmUpNote(warmed);
    if (warmNote) log(warmNote);
    await scraper.start();
    const ttft = new RecentTtft();
    const t0 = await commonT0(opts.shard?.startAtMs, log);
    const env: TurnEnv = {
      runId,
      t0,
      pools: byName,
      router,
      evaluator,
      reward: config.feedback.reward,
      slo: config.slo,
      observe: () => observePools(pools, scraper, ttft),
      joulesPerToken: (pool) => energyRate.joulesPerToken(pool),
      signal: new AbortController().signal,
    };
    const progress = createProgress(log, opts.progress !== false && Boolean(process.stderr.isTTY));
    const loop = new LoadLoop({
      t0,
      source: workload,
      arrivals,
      // A shard's budget is read over the whole schedule (session-share.ts), not counted here.
      ...(opts.shard ? { share: sessionShare(opts.shard.shard, config.stop.requests) } : {}),
      stop: stopRule(config.stop, opts.shard ? undefined : config.stop.requests),
      runTurn: turnRunner(env),
      onResult: (r) => {
        requests.write(r);
        recorded++;
        noteRunnerError(r);
        if (r.status === 'ok' && r.timing.ttftMs !== undefined) ttft.add(r.decision.pool, r.timing.ttftMs);
        checkpointer?.onResult(r, recorded);
        const why = opts.shouldStop?.(r);
        if (why !== undefined) loop.requestStop(why);
      },
      resume: resume?.plan,
      // Resume: records continue the original run's timeline.
      onRebase: (t) => (env.t0 = t),
      log,
    });
    env.signal = loop.abort.signal;
    env.onReply = () => loop.wakeSenderIfDue();
    setMaxListeners(0, env.signal); // one abort listener per in-flight request
    // A signal stops the loop like a stop rule; a second one cancels what is in flight now.
    const unwatch = interrupt?.watch(
      (reason) => loop.requestStop(reason),
      () => {
        loop.requestStop(interrupt.reason ?? { kind: 'interrupted' });
        loop.abort.abort();
      },
    );
    const c = loop.counters;
    const ticker = setInterval(
      () =>
        progress.update({
          done: c.completed,
          inFlight: c.inFlight,
          errors: c.errors,
          total: config.stop.requests,
          elapsedS: (performance.now() - loop.t0) / 1000,
          durationS: config.stop.duration_s,
        }),
      250,
    );
    try {
      await loop.run();
    } finally {
      clearInterval(ticker);
      progress.stop();
      unwatch?.();
    }
    await scraper.stop();
    await telemetry.close();
    checkpointer?.save(recorded);
    await requests.close();
    const stop = loop.stoppedBy ?? { kind: 'workload_exhausted' };
    if (stop.kind === 'signal' && dir.fresh && recorded === 0 && warmed.sent === 0)
      throw new RunInterrupted(stop.signal);
    if (stop.kind === 'max_error_rate') log(`stopped: ${describeStop(stop)}`);
    const notes = [...datasetNotes(meta.datasets), ...(resume?.notes ?? [])];
    if (warmNote) notes.push(warmNote);
    if (resume) {
      const r = loop.resumed;
      notes.push(
        `resumed ${meta.resumedAt.length} time(s); last resume: ${resume.records} requests already recorded, ${r.skipped} sessions complete, ${r.continued} continued mid-conversation, ${r.abandoned} not continued (no recorded answer)`,
      );
    }
    const load = openLoadSummary(loop);
    if (load?.note) notes.push(load.note);
    for (const p of pools) {
      const lag = p.sim && describeFrameLag(p.name, p.sim.frameLag());
      if (lag === undefined) continue;
      log(`pool ${p.name}: ${lag}`);
      notes.push(lag);
    }
    const fin = await finalizeRun({
      runDir,
      runId,
      config,
      stop,
      log,
      rewriteRequests: true,
      notes,
      load: load?.figures,
      ...(opts.onFinalRecord ? { onRecord: opts.onFinalRecord } : {}),
    });
    if (fin.recorded !== loop.counters.sent) {
      throw new Error(
        `accounting: ${loop.counters.sent} requests sent but ${fin.recorded} recorded in ${join(runDir, 'requests.jsonl')}`,
      );
    }
    if (manifest)
      finishRunManifest(runDir, manifest, fin.recorded, { stop, stoppedBy: describeStop(stop), load: load?.figures });
    return { runId, runDir, summary: fin.summary, recorded: fin.recorded, requests: fin.requests };
  } catch (e) {
    await requests.close().catch(() => undefined);
    // A folder this run made and recorded nothing in is no run: it goes. One with records stays, and says how to go on.
    if (dir.fresh && recorded === 0 && warmed.sent === 0) rmSync(runDir, { recursive: true, force: true });
    else if (!(e instanceof RunInterrupted))
      log(
        `the run folder keeps the ${recorded} requests recorded: wrp report ${runDir} summarises them; ${opts.shard ? 'a shard is run again into a new folder' : `wrp run --resume ${runDir} continues the run`}`,
      );
    throw e;
  } finally {
    await scraper.stop().catch(() => undefined);
    await telemetry.close().catch(() => undefined);
    await requests.close().catch(() => undefined);
    await evaluator.close?.();
    await stopPools(pools);
  }
}

function signalOf(reason: StopReason): 'SIGINT' | 'SIGTERM' | undefined {
  return reason.kind === 'signal' ? reason.signal : undefined;
}

/** Checkpoints for a policy that has the hooks; on resume, restores the last one first. */
function setUpCheckpoints(
  policy: Policy,
  config: ExperimentConfig,
  runDir: string,
  resume: ResumeState | undefined,
  flush: () => void,
  log: (line: string) => void,
): PolicyCheckpointer | undefined {
  const c = resume?.checkpoint;
  if (c !== undefined) {
    if (policy.restore === undefined) log(`resume: the router (${policy.name}) cannot restore state: it starts afresh`);
    else {
      policy.restore(c.state);
      log(
        `resume: router ${policy.name} restored from checkpoint.json (${c.updates} updates; the updates of ${Math.max(0, (resume?.records ?? 0) - c.records)} later records are not in it)`,
      );
    }
  }
  if (policy.checkpoint === undefined) return undefined;
  const updates = c?.updates ?? 0;
  return new PolicyCheckpointer(
    runDir,
    policy as Policy & { checkpoint(): unknown },
    config.router.checkpoint_every ?? DEFAULT_CHECKPOINT_EVERY,
    updates,
    flush,
  );
}

/** Offered vs achieved open-loop rate, and a note when the generator did not hold the offered rate. */
function openLoadSummary(loop: LoadLoop): { figures: SummaryMeta['load']; note?: string } | undefined {
  const o = loop.openLoad();
  if (o === undefined || o.spanS <= 0) return undefined;
  const offered = (o.started + o.behindAtStop) / o.spanS;
  const achieved = o.started / o.spanS;
  const figures = {
    offeredPerS: Number(offered.toFixed(3)),
    achievedPerS: Number(achieved.toFixed(3)),
    behindAtStop: o.behindAtStop,
  };
  if (achieved >= HELD_RATE_SHARE * offered) return { figures };
  return {
    figures,
    note: `the load generator did not hold the offered rate: ${figures.achievedPerS} of ${figures.offeredPerS} sessions/s started (${o.behindAtStop} due sessions never started); send lags are in the load figures`,
  };
}

function observePools(pools: PoolHandle[], scraper: TelemetryScraper, ttft: RecentTtft): PoolObservation[] {
  return pools.map((p) => {
    const o = scraper.observation(p.name);
    return {
      name: p.name,
      model: p.model,
      running: o?.running,
      waiting: o?.waiting,
      kvCacheUsage: o?.kvCacheUsage,
      recentTtftMs: ttft.median(p.name),
      pricing: { inputPer1M: p.config.pricing.input_per_1m, outputPer1M: p.config.pricing.output_per_1m },
    };
  });
}
