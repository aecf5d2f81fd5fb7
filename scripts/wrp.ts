/**
 * The `wrp` command line. Each subcommand lives in scripts/commands/. Usage errors
 * (unknown flag, bad value, unknown profile) print one line and exit with status 2.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { poolCommand } from './commands/pool.ts';
import { evalCommand } from './commands/eval.ts';
import { runCommand } from './commands/run.ts';
import { reportCommand } from './commands/report.ts';
import { trainCommand } from './commands/train.ts';
import { startCommand } from './commands/start.ts';
import { exportCommand } from './commands/export.ts';
import { outcomesCommand } from './commands/outcomes.ts';
import { benchLearnersCommand } from './commands/bench-learners.ts';
import { UsageError } from '../core/errors.ts';

// `wrp ... | head` closes stdout early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

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
  .demandCommand(1, 'name a command; see wrp --help')
  .strict()
  .help()
  .alias('h', 'help')
  .version(false)
  .fail((msg, err) => {
    if (err && !(err instanceof UsageError)) throw err;
    console.error(`wrp: ${(msg ?? err?.message ?? 'usage error').split('\n').join(' ')}`);
    process.exit(2);
  })
  .parseAsync();
