/**
 * `wrp run <experiment.yaml>` (the main job) and `wrp run --resume DIR` (continue a stopped
 * run). Flags that set config values go through the config's schema; every endpoint is
 * asked for its models before a run folder exists. The first SIGINT/SIGTERM stops sending
 * (requests in flight get stop.grace_s, then are cancelled and recorded), the run is
 * summarised and the `--resume` command printed, and wrp exits 130 (SIGINT) or 143
 * (SIGTERM); a second signal cancels what is in flight at once; a third exits on the spot.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule, Options } from 'yargs';
import type { Flags } from '../flags.ts';
import { loadExperiment, type ConfigFlags, type ExperimentConfig } from '../../harness/runner/config.ts';
import { RunInterrupt, RunInterrupted } from '../../harness/runner/interrupt.ts';
import { checkEndpoint } from '../../harness/runner/preflight.ts';
import { featureEndpoints } from '../../learners/features/endpoints.ts';
import { runExperiment, type RunOutcome } from '../../harness/runner/runner.ts';
import { printRunSummary } from '../../harness/runner/print-summary.ts';
import { readRunMeta } from '../../harness/runner/run-dir.ts';
import { writeReport } from '../../harness/report/write-report.ts';
import { RunDigester } from '../../harness/report/run-digest.ts';
import type { RequestResult } from '../../harness/types.ts';
import { scanCount } from '../../harness/report/read-records.ts';
import { pivot, runRepeated } from '../../harness/trials/repeat.ts';
import * as aq from 'arquero';
import { POLICY_FACTORIES, prepareLearners } from '../../learners/policy-factories.ts';
import { checkpointable } from '../../learners/checkpointed.ts';
import { UsageError, WrpError } from '../../core/errors.ts';
import { parseShard } from '../../harness/scale/shard.ts';
import { parseStartAt, type RunShard } from '../../harness/scale/run-shard.ts';
import { runWithWorkers } from '../../harness/scale/run-workers.ts';
import { MANIFEST_FILE } from '../../harness/scale/manifest.ts';
import { fileURLToPath } from 'node:url';
import { parseWorkers } from './workers-flag.ts';
import { printJson, printNext, shown } from '../next.ts';

const runOptions = {
  resume: {
    type: 'string',
    describe: 'continue the run in this directory (after a kill): skips the requests already recorded',
  },
  out: { type: 'string', describe: 'results root (default: the config\'s output.dir, "results")' },
  // Text: the config's schema decides what is a valid number, and the message quotes what was typed.
  requests: { type: 'string', describe: 'override stop.requests' },
  duration: { type: 'string', describe: 'override stop.duration_s (seconds)' },
  repeat: {
    type: 'number',
    describe: 'run the experiment N times (trial i: seed + i - 1) and summarise each metric as mean and 95% interval',
  },
  progress: {
    type: 'boolean',
    default: true,
    describe: 'progress bar on a TTY, a line every few seconds otherwise',
  },
  shard: {
    type: 'string',
    describe:
      'run shard i of N of the schedule (i/N, 0-based) into the folder --out; combine the shards with wrp merge',
  },
  'start-at': {
    type: 'string',
    describe: 'with --shard: the common start every shard sends from (ISO time or epoch ms)',
  },
  workers: {
    type: 'number',
    describe:
      'worker processes sending the schedule (each every N-th session), one run folder; at most one per core pays (default 1)',
  },
  json: { type: 'boolean', describe: 'print the summary as JSON on stdout (for scripts)' },
} as const satisfies Record<string, Options>;

export type RunArgs = Flags<typeof runOptions> & { experiment?: string | undefined };

/**
 * Resume: the run directory's config.resolved.yaml (same seed, same schedule); relative
 * dataset and trace paths still resolve from the original experiment file's folder.
 */
function resumeConfig(dir: string, flags: ConfigFlags): { config: ExperimentConfig; configFile: string } {
  const resolved = join(dir, 'config.resolved.yaml');
  if (!existsSync(resolved))
    throw new UsageError(`--resume: expected a run directory holding config.resolved.yaml, got "${dir}"`);
  if (existsSync(join(dir, MANIFEST_FILE)))
    throw new UsageError(
      `--resume: ${dir} is one shard of a schedule (${MANIFEST_FILE}); a shard is not resumed: run it again with --shard and --out in a new folder`,
    );
  const config = loadExperiment(resolved, flags);
  const experimentFile = readRunMeta(dir)?.experimentFile;
  return { config, configFile: experimentFile ?? resolved };
}

export async function runCommandHandler(args: RunArgs): Promise<void> {
  const outcome = await runAndReport(args);
  if (outcome && !args.json) nextAfterRun(outcome.runDir);
}

/**
 * Runs (or resumes) one experiment, prints its summary and writes its report. Undefined
 * with --repeat, and when a signal stopped the run (the exit status is then set: 130 or 143).
 */
export async function runAndReport(args: RunArgs): Promise<RunOutcome | undefined> {
  if ((args.experiment === undefined) === (args.resume === undefined)) {
    throw new UsageError('expected an experiment file or --resume DIR (not both)');
  }
  if (args.resume !== undefined && args.out !== undefined)
    throw new UsageError('--out: a resumed run stays in its directory');
  const flags: ConfigFlags = { requests: args.requests, duration: args.duration };
  const { config, configFile } =
    args.resume !== undefined
      ? resumeConfig(args.resume, flags)
      : { config: loadExperiment(args.experiment!, flags), configFile: args.experiment! };
  const shard = shardOf(args, config);
  const workers = parseWorkers(args.workers ?? 1);
  if (workers > 1 && (args.repeat !== undefined || args.resume !== undefined))
    throw new UsageError('--workers: not with --repeat or --resume');
  await prepareLearners(config.router, configFile);
  await checkFeatureEndpoints(config, configFile);
  if (args.repeat !== undefined) {
    await repeated(args, config, configFile, args.repeat);
    return undefined;
  }
  const interrupt = new RunInterrupt();
  const removeHandlers = onSignals(interrupt, config.stop.grace_s);
  // The report's digest is built in the run's own last pass over requests.jsonl, not in a pass of its own.
  const digester = new RunDigester(config.slo);
  const options = {
    onFinalRecord: (r: RequestResult) => digester.add(r),
    config,
    configFile,
    policies: checkpointable(POLICY_FACTORIES),
    outRoot: args.out,
    progress: args.progress,
    resumeDir: args.resume,
    interrupt,
    ...(shard ? { shard } : {}),
  };
  let outcome: RunOutcome;
  try {
    outcome =
      workers > 1
        ? await runWithWorkers(options, { count: workers, module: RUN_WORKER })
        : await runExperiment(options);
  } catch (e) {
    if (!(e instanceof RunInterrupted)) throw e;
    console.error(`wrp: ${e.message}`);
    process.exitCode = exitStatusOf(e.signal);
    return undefined;
  } finally {
    removeHandlers();
  }
  const report = await writeReport(outcome.runDir, digester.finish(scanCount(outcome.requests)));
  if (args.json) printJson({ runDir: outcome.runDir, report, summary: outcome.summary });
  else {
    printRunSummary(outcome.summary, console.log);
    console.log(`results: ${outcome.runDir}`);
    console.log(`report: ${report}`);
  }
  const stop = outcome.summary.stop;
  if (stop.kind === 'signal') {
    // A shard is one share of a schedule: it is run again (into a new folder), not resumed as a whole run.
    const next = shard
      ? `this shard is unfinished (wrp merge takes finished shards): run it again with --out in a new folder`
      : `continue the run with: wrp run --resume ${outcome.runDir}`;
    console.error(`wrp: stopped by ${stop.signal}: ${outcome.recorded} requests recorded, each once; ${next}`);
    process.exitCode = exitStatusOf(stop.signal);
    return undefined;
  }
  // A run cut short by its error budget is a failed benchmark: scripts and CI must see it.
  if (outcome.summary.stop.kind === 'max_error_rate')
    throw new WrpError('WRP_RUN_FAILED', `the run was stopped by ${outcome.summary.stoppedBy}`);
  return outcome;
}

/** The worker's module, forked when the CLI itself is not what runs (the CLI forks itself: launcher.ts). */
const RUN_WORKER = fileURLToPath(new URL('../run-worker.ts', import.meta.url));

/** `--shard i/N` (with `--out` its folder, `--start-at` the common start); refused with --resume and --repeat. */
function shardOf(args: RunArgs, config: ExperimentConfig): RunShard | undefined {
  if (args.shard === undefined) {
    if (args['start-at'] !== undefined) throw new UsageError('--start-at: only with --shard');
    return undefined;
  }
  const shard = parseShard(args.shard);
  if (args.resume !== undefined || args.repeat !== undefined)
    throw new UsageError('--shard: not with --resume or --repeat (run the shard again into a new folder)');
  if (args.out === undefined) throw new UsageError('--shard: expected --out, the folder of this shard');
  const local = config.pools.filter((p) => p.sim).map((p) => p.name);
  if (local.length > 0 && shard.count > 1)
    console.error(
      `wrp run: pools ${local.join(', ')} are simulated in-process: each shard simulates its own copy and sees only its share of the load (point them at shared endpoints, e.g. wrp pool serve, to measure one fleet)`,
    );
  return {
    shard,
    dir: args.out,
    ...(args['start-at'] !== undefined ? { startAtMs: parseStartAt(args['start-at']) } : {}),
  };
}

/** What to do after a run: look at it, then learn from it. */
function nextAfterRun(runDir: string): void {
  const run = shown(runDir);
  printNext(
    `open ${run}/report.html`,
    `npx wrp train --learner beta_thompson --signals builtin:synthetic --data ${run} --out policies/<name>`,
  );
}

async function repeated(args: RunArgs, config: ExperimentConfig, configFile: string, trials: number): Promise<void> {
  if (args.resume !== undefined)
    throw new UsageError('--repeat: a resumed run is one run; resume the trial folder instead');
  const { dir, result } = await runRepeated({
    config,
    configFile,
    policies: checkpointable(POLICY_FACTORIES),
    outRoot: args.out,
    trials,
    log: (line) => console.error(line),
    onTrial: async (t) => void (await writeReport(t.runDir)),
  });
  for (const name of ['overall', 'pool', 'policy']) {
    const rows = result.tables[name];
    if (rows)
      console.log(`\n${name} (mean [95% interval] over ${trials} trials)\n${aq.from(pivot(rows)).toMarkdown()}`);
  }
  console.log(`results: ${dir} (repeat.json, summary.md, one folder per trial)`);
  console.log(`report: ${await writeReport(dir)}`);
}

/** 128 + the signal's number, as a shell reports a command a signal ended. */
const exitStatusOf = (signal: 'SIGINT' | 'SIGTERM' | undefined) => (signal === 'SIGTERM' ? 143 : 130);

/**
 * SIGINT/SIGTERM while a run goes: the first stops it (see the header), the second cancels
 * what is in flight, the third exits at once. Returns the function that removes the handlers.
 */
function onSignals(interrupt: RunInterrupt, graceS: number): () => void {
  let count = 0;
  const handle = (signal: 'SIGINT' | 'SIGTERM') => {
    count++;
    if (count === 1) {
      console.error(
        `\nwrp: ${signal}: no new requests are sent; those in flight get up to ${graceS} s (stop.grace_s), then are cancelled; send it again to cancel them now`,
      );
      interrupt.stop({ kind: 'signal', signal });
    } else if (count === 2) {
      console.error(`wrp: ${signal} again: cancelling the requests in flight (each is recorded as cancelled)`);
      interrupt.cancel();
    } else {
      console.error(
        `wrp: ${signal} a third time: exiting now, without a summary (wrp report DIR summarises what was recorded)`,
      );
      process.exit(exitStatusOf(signal));
    }
  };
  const onInt = () => handle('SIGINT');
  const onTerm = () => handle('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}

/** Asks every embedding endpoint the router will call for its models (preflight.ts), before any run folder exists. */
async function checkFeatureEndpoints(config: ExperimentConfig, configFile: string): Promise<void> {
  for (const e of featureEndpoints(config.router, configFile)) {
    const apiKey = e.apiKeyEnv === undefined ? undefined : process.env[e.apiKeyEnv];
    if (e.apiKeyEnv !== undefined && !apiKey)
      throw new WrpError(
        'WRP_SECRET_MISSING',
        `${e.where}.api_key_env: environment variable ${e.apiKeyEnv} is not set`,
      );
    await checkEndpoint({ url: e.url, model: e.model, apiKey, where: e.where, what: 'embedding endpoint' });
  }
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run [experiment]',
  describe: 'Run an experiment: send its workload to its pools through its router, record latency, energy and quality',
  builder: (y) =>
    y
      .positional('experiment', { type: 'string', describe: 'experiment YAML (experiments/*.yaml)' })
      .options(runOptions),
  handler: (a) => runCommandHandler(a),
};
