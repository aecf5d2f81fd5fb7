/** `wrp run <experiment.yaml>`: the main job. */
import type { Argv, CommandModule } from 'yargs';
import { ConfigError } from '../../harness/runner/config-errors.ts';
import { loadExperiment } from '../../harness/runner/config.ts';
import { runExperiment } from '../../harness/runner/runner.ts';
import { printRunSummary } from '../../harness/runner/print-summary.ts';
import { POLICY_FACTORIES, prepareLearners } from '../policies.ts';
import { UsageError } from './usage-error.ts';

interface RunArgs {
  experiment: string;
  out?: string;
  requests?: number;
  duration?: number;
  progress: boolean;
}

export async function runCommandHandler(args: RunArgs): Promise<void> {
  let config;
  try {
    config = loadExperiment(args.experiment);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  if (args.requests !== undefined) config.stop.requests = args.requests;
  if (args.duration !== undefined) config.stop.duration_s = args.duration;
  await prepareLearners(config.router);
  const outcome = await runExperiment({
    config,
    configFile: args.experiment,
    policies: POLICY_FACTORIES,
    outRoot: args.out,
    progress: args.progress,
  }).catch((e: unknown) => {
    throw e instanceof ConfigError ? new UsageError(e.message) : e;
  });
  printRunSummary(outcome.summary, console.log);
  console.log(`results: ${outcome.runDir}`);
}

export const runCommand: CommandModule = {
  command: 'run <experiment>',
  describe: 'Run an experiment: send its workload to its pools through its router, record latency, energy and quality',
  builder: (y: Argv) =>
    y
      .positional('experiment', { type: 'string', describe: 'experiment YAML (experiments/*.yaml)', demandOption: true })
      .options({
        out: { type: 'string', describe: 'results root (default: the config\'s output.dir, "results")' },
        requests: { type: 'number', describe: 'override stop.requests' },
        duration: { type: 'number', describe: 'override stop.duration_s (seconds)' },
        progress: { type: 'boolean', default: true, describe: 'progress bar on a TTY, a line every few seconds otherwise' },
      }),
  handler: (a) => runCommandHandler(a as unknown as RunArgs),
};
