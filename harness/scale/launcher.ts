/**
 * How a worker process starts. Workers run the same program as their parent: when the parent
 * is the wrp CLI (compiled to dist/wrp.mjs, or TypeScript through tsx), the CLI registers
 * itself (`launchWorkersAsSelf`) and a worker is `<the CLI> __worker <role>`, with the
 * parent's Node flags; scripts/workers.ts maps the role to its module. Anything else (tests,
 * benchmarks, a library caller) forks the role's TypeScript module through tsx's loader.
 * Either way a worker runs the code its parent runs, never a stale copy of it.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The CLI argument that makes a wrp process a worker. */
export const WORKER_ARG = '__worker';

/** tsx's loader, by absolute URL: workers start from any working directory. */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

let self: { file: string; execArgv: string[] } | undefined;

/** The CLI's entry calls this: workers are then started as `<file> __worker <role>`. */
export function launchWorkersAsSelf(file: string, execArgv: readonly string[]): void {
  self = { file: resolve(file), execArgv: [...execArgv] };
}

export interface WorkerSpawn {
  file: string;
  args: string[];
  execArgv: string[];
}

/** What to fork for a worker of `role`, whose module is `sourceModule` (an absolute path). */
export function workerSpawn(role: string, sourceModule: string): WorkerSpawn {
  if (self) return { file: self.file, args: [WORKER_ARG, role], execArgv: self.execArgv };
  return { file: sourceModule, args: [], execArgv: sourceModule.endsWith('.ts') ? ['--import', TSX_LOADER] : [] };
}

/** The initial V8 heap a run worker starts with, MB (see withLoadWorkerFlags). */
export const LOAD_WORKER_HEAP_MB = 256;

/**
 * A run worker's Node flags: its parent's, plus the load generator's V8 flags unless the parent
 * set an initial heap (how a user picks other ones; bin/relaunch.js reads it the same way).
 * - A larger initial heap: a load generator at thousands of sends a second promotes ~0.65 MB to
 *   the old generation per young collection, so a default-sized heap is compacted every 1-3 s
 *   and each compaction makes a burst of sends late: at 2,000/s the send-lag p99 was 1.12-1.79x
 *   a bare sender's (median 1.42x, once 5.7x), 1.10-1.40x with a 256 MB initial heap (no
 *   compaction in 20 s). The cost is memory: up to that much garbage before the first full
 *   collection.
 * - `--always-sparkplug`: baseline code from a function's first call, so a run's first second
 *   is not spent in the interpreter (at 2,000/s, 276-420 sends of it over 3 ms late without,
 *   46-308 with).
 * V8 reads both only when a process starts: the CLI's `run` goes on in a child given them
 * (bin/relaunch.js), whose flags its workers inherit; workers forked by any other caller get them here.
 */
export function withLoadWorkerFlags(execArgv: readonly string[], mb = LOAD_WORKER_HEAP_MB): string[] {
  if (execArgv.some((a) => a.startsWith('--initial-heap-size'))) return [...execArgv];
  return [...execArgv, `--initial-heap-size=${mb}`, '--always-sparkplug'];
}
