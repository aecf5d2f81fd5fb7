/** `--workers N`, shared by the commands that fan work out over local processes. */
import type { Options } from 'yargs';
import { UsageError } from '../../core/errors.ts';

export const WORKERS_OPTION = {
  type: 'number',
  default: 1,
  describe: 'local worker processes (results identical to one process; at most one per core pays)',
} as const satisfies Options;

export function parseWorkers(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new UsageError(`--workers: expected an integer from 1 to 256, got ${n}`);
  return n;
}
