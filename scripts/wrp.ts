/**
 * The `wrp` command line. Each subcommand lives in scripts/commands/. Every error ends here
 * (scripts/failure.ts): what the user can fix is one line and exit status 2, a runtime
 * failure one line and exit 1; --debug (or WRP_DEBUG=1) adds the stack.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UsageError } from '../core/errors.ts';
import { benchLearnersCommand } from './commands/bench-learners.ts';
import { capacityCommand } from './commands/capacity.ts';
import { compareCommand } from './commands/compare.ts';
import { evalCommand } from './commands/eval.ts';
import { exportCommand } from './commands/export.ts';
import { mergeCommand } from './commands/merge.ts';
import { outcomesCommand } from './commands/outcomes.ts';
import { poolCommand } from './commands/pool.ts';
import { reportCommand } from './commands/report.ts';
import { runCommand } from './commands/run.ts';
import { startCommand } from './commands/start.ts';
import { trainCommand } from './commands/train.ts';
import { debugRequested, describeFailure } from './failure.ts';
import { launchWorkersAsSelf, WORKER_ARG } from '../harness/scale/launcher.ts';
import { startWorker } from './workers.ts';

// `wrp ... | head` closes stdout early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const debug = debugRequested(process.argv, process.env);
try {
  // A worker of a wrp process (--workers): serves its parent, no command line.
  if (process.argv[2] === WORKER_ARG) await startWorker(process.argv[3]);
  else await cli();
} catch (e) {
  const failure = describeFailure(e, debug);
  console.error(failure.text);
  // Exit now: a failed command may leave servers or timers open (stderr is synchronous on pipes and files).
  process.exit(failure.exit);
}

async function cli(): Promise<void> {
  // Workers this command starts run this same program (compiled or through tsx) as `__worker <role>`.
  launchWorkersAsSelf(process.argv[1]!, process.execArgv);
  await yargs(hideBin(process.argv))
    .scriptName('wrp')
    .usage('$0 <command> [options]\n\nWorkload-Router-Pool: benchmark and train LLM routers on vLLM pools.')
    .command(poolCommand)
    .command(runCommand)
    .command(trainCommand)
    .command(evalCommand)
    .command(startCommand)
    .command(exportCommand)
    .command(outcomesCommand)
    .command(reportCommand)
    .command(benchLearnersCommand)
    .command(capacityCommand)
    .command(compareCommand)
    .command(mergeCommand)
    .option('debug', { type: 'boolean', global: true, describe: 'on an error, print its stack (or WRP_DEBUG=1)' })
    .demandCommand(1, 'name a command; see wrp --help')
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    // yargs's own complaints (unknown flag, missing value) are usage errors; a handler's error passes through.
    .fail((msg, err) => {
      throw err ?? new UsageError(msg ?? 'usage error');
    })
    .parseAsync();
}
