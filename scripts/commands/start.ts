/**
 * `wrp start` (what `npm start` runs): the quickstart experiment end to end on simulated
 * pools: experiments/quickstart.yaml through `wrp run`.
 */
import { fileURLToPath } from 'node:url';
import type { CommandModule } from 'yargs';
import { runCommandHandler } from './run.ts';

const QUICKSTART = fileURLToPath(new URL('../../experiments/quickstart.yaml', import.meta.url));

export const startCommand: CommandModule = {
  command: 'start',
  describe: 'Quickstart: run experiments/quickstart.yaml on simulated pools',
  handler: () => runCommandHandler({ experiment: QUICKSTART, progress: true }),
};
