/**
 * `wrp run`: one experiment end to end. Starts the pools, the telemetry scraper and the
 * load loop; every request's record is appended to requests.jsonl as it completes; at the
 * end energy is attributed to requests from pool energy, and the summary is written.
 */
import { setMaxListeners } from 'node:events';
import { rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify as toYaml } from 'yaml';
import { createEvaluator } from '../feedback/factory.ts';
import type { PolicyFactory } from '../router/policies.ts';
import { attributeEnergy, energyPoints, ATTRIBUTION_METHOD } from '../telemetry/energy-attribution.ts';
import { TelemetryScraper } from '../telemetry/scraper.ts';
import type { TelemetrySample } from '../telemetry/types.ts';
import type { PoolObservation, RequestResult } from '../types.ts';
import { createArrivals } from '../workload/arrivals.ts';
import { createWorkload } from '../workload/mix.ts';
import type { ExperimentConfig } from './config.ts';
import { buildRouter } from './build-router.ts';
import { LoadLoop } from './load-loop.ts';
import { startPools, stopPools, type PoolHandle } from './pools.ts';
import { createProgress } from './progress.ts';
import { JsonlWriter, makeRunDir, newRunId, writeText } from './results-writer.ts';
import { summarise, summaryMarkdown, type RunSummary } from './summary.ts';
import { runTurn, type TurnEnv } from './turn.ts';
import { RecentTtft } from './recent-ttft.ts';
import { EnergyRate } from './energy-rate.ts';

export interface RunOptions {
  config: ExperimentConfig;
  /** The experiment file: relative paths in it resolve from its folder; errors name it. */
  configFile: string;
  policies: Record<string, PolicyFactory>;
  /** Results root (default: the config's output.dir). */
  outRoot?: string;
  progress?: boolean;
  log?: (line: string) => void;
}

export interface RunOutcome {
  runId: string;
  runDir: string;
  summary: RunSummary;
  records: RequestResult[];
}

export async function runExperiment(opts: RunOptions): Promise<RunOutcome> {
  const { config } = opts;
  const log = opts.log ?? ((line: string) => console.error(line));
  const file = opts.configFile;
  const baseDir = dirname(file);
  // Build everything that can fail on bad input before any pool starts.
  const workload = createWorkload(config.workload, config.seed, { baseDir, file });
  for (const r of workload.reports) log(`workload: ${JSON.stringify(r)}`);
  const arrivals = createArrivals(config.workload.arrival, config.seed, { baseDir, file });
  const runId = newRunId();
  const runDir = makeRunDir(opts.outRoot ?? config.output.dir, config.name, runId);
  writeText(runDir, 'config.resolved.yaml', toYaml(config));
  log(`run ${runId}: ${config.name} -> ${runDir}`);

  const pools = await startPools(config, log);
  const byName = new Map(pools.map((p) => [p.name, p]));
  const telemetry = new JsonlWriter(join(runDir, 'telemetry.jsonl'));
  const requests = new JsonlWriter(join(runDir, 'requests.jsonl'));
  const samples: TelemetrySample[] = [];
  const energyRate = new EnergyRate();
  const scraper = new TelemetryScraper({
    pools: pools.map((p) => ({ name: p.name, url: p.url, energy: p.config.energy })),
    intervalMs: config.telemetry.interval_ms,
    sink: (s) => {
      samples.push(s);
      energyRate.add(s);
      telemetry.write(s);
    },
  });
  const evaluator = createEvaluator(config.feedback, {
    pools: pools.map((p) => ({ name: p.name, model: p.model, pricing: { inputPer1M: p.config.pricing.input_per_1m, outputPer1M: p.config.pricing.output_per_1m } })),
  });
  const records: RequestResult[] = [];
  let loop: LoadLoop | undefined;
  try {
    const router = buildRouter(config, pools, opts.policies, file);
    await scraper.start();
    const ttft = new RecentTtft();
    const t0 = performance.now();
    const t0Epoch = Date.now();
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
    loop = new LoadLoop(
      t0,
      workload,
      arrivals,
      {
        requests: config.stop.requests,
        durationS: config.stop.duration_s,
        maxErrorRate: config.stop.max_error_rate,
        minRequestsForErrorRate: config.stop.min_requests_for_error_rate,
        graceS: config.stop.grace_s,
      },
      (session, turn, history, scheduledAt, stage, previousPool) =>
        runTurn(env, { session, turn, history, scheduledAt, stage: stage.index, stageLabel: stage.label, previousPool }),
      (r) => {
        records.push(r);
        requests.write(r);
        if (r.status === 'ok' && r.timing.ttftMs !== undefined) ttft.add(r.decision.pool, r.timing.ttftMs);
      },
    );
    env.signal = loop.abort.signal;
    setMaxListeners(0, env.signal); // one abort listener per in-flight request
    const c = loop.counters;
    const ticker = setInterval(
      () => progress.update({ done: c.completed, inFlight: c.inFlight, errors: c.errors, total: config.stop.requests, elapsedS: (performance.now() - t0) / 1000, durationS: config.stop.duration_s }),
      250,
    );
    try {
      await loop.run();
    } finally {
      clearInterval(ticker);
      progress.stop();
    }
    await scraper.stop();
    await telemetry.close();
    await requests.close();

    // Energy: split each pool's measured energy over its requests by tokens processed.
    const attribution = attributeEnergy(
      energyPoints(samples),
      records.map((r) => ({
        id: r.id,
        pool: r.decision.pool,
        startMs: t0Epoch + r.timing.sentMs,
        ttftMs: r.timing.ttftMs,
        e2eMs: r.timing.e2eMs ?? 0,
        promptTokens: r.tokens.prompt ?? r.features.promptTokensEstimate,
        cachedTokens: r.tokens.cached,
        outputTokens: r.tokens.output,
      })),
    );
    const hasEnergy = samples.some((s) => s.kind === 'energy' && s.error === undefined);
    if (hasEnergy) {
      for (const r of records) {
        r.energyJ = attribution.perRequest.get(r.id) ?? 0;
        r.energyMethod = ATTRIBUTION_METHOD;
      }
      // Rewrite requests.jsonl with the attributed energy (atomically: a crash keeps the old file).
      const tmp = new JsonlWriter(join(runDir, 'requests.jsonl.tmp'));
      for (const r of records) tmp.write(r);
      await tmp.close();
      await rename(join(runDir, 'requests.jsonl.tmp'), join(runDir, 'requests.jsonl'));
    }
    const sent = records.map((r) => r.timing.sentMs);
    const ends = records.map((r) => r.timing.sentMs + (r.timing.e2eMs ?? 0));
    const durationS = records.length ? (Math.max(...ends) - Math.min(...sent)) / 1000 : 0;
    const summary = summarise({
      runId,
      experiment: config.name,
      records,
      durationS,
      slo: config.slo,
      stoppedBy: loop.stoppedBy,
      energyMethod: hasEnergy
        ? `${ATTRIBUTION_METHOD}: each interval between energy samples split over the pool's requests by tokens processed (uncached prompt tokens until the first token, output tokens after); idle energy ${attribution.totals.idleJ.toFixed(1)} J of ${attribution.totals.totalJ.toFixed(1)} J not attributed`
        : 'none (no energy source)',
    });
    writeText(runDir, 'summary.json', JSON.stringify(summary, null, 2) + '\n');
    writeText(runDir, 'summary.md', summaryMarkdown(summary));
    if (records.length !== loop.counters.sent) {
      throw new Error(`accounting: ${loop.counters.sent} requests sent but ${records.length} recorded`);
    }
    return { runId, runDir, summary, records };
  } finally {
    await scraper.stop().catch(() => undefined);
    await evaluator.close?.();
    await stopPools(pools);
  }
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
