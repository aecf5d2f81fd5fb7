/**
 * `wrp start` (what `npm start` runs): the quickstart experiment end to end on simulated
 * pools: experiments/quickstart.yaml through `wrp run`.
 */
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { PROJECT_ROOT } from '../../datasets/paths.ts';
import { runCommandHandler } from './run.ts';

// From the project root: the same path whether the sources run or the compiled CLI (dist/wrp.mjs).
const QUICKSTART = join(PROJECT_ROOT, 'experiments', 'quickstart.yaml');

export const startCommand: CommandModule = {
  command: 'start',
  describe: 'Quickstart: run experiments/quickstart.yaml on simulated pools',
  handler: () => runCommandHandler({ experiment: QUICKSTART, progress: true }),
};
