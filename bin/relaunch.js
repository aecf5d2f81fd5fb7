// `wrp run` and `wrp start` run in a child node started with V8 flags for a load generator
// (RUN_NODE_FLAGS). V8 reads them only when node starts, hence the child.
//
// - A larger initial heap. A load generator at thousands of sends a second promotes short-lived
//   objects steadily, and V8 sizes a fresh heap so small that it is compacted every 1-3 s; each
//   compaction makes a burst of sends late. At 2,000 sends/s the send-lag p99 was 1.12-1.79x a
//   bare sender's (once 5.7x) with the default heap, 1.10-1.40x with a 256 MB initial heap.
// - Baseline code for every function from its first call (--always-sparkplug), not after the
//   interpreter has run it a while. A run's first second runs code not yet compiled: at 2,000
//   sends/s after a 300-request warm-up, 276-420 sends of the first second were over 3 ms late
//   (20-37 ms at worst), 46-308 with the flag; the closed loop's rate is unchanged (README,
//   "Workload").
//
// Signals: the child gets its own process group, so a terminal's Ctrl-C reaches this process
// alone, which passes every SIGINT, SIGTERM and SIGHUP on to the child once (wrp counts them:
// the first stops the run, the second cancels what is in flight). This process exits as the
// child did. Should this process die without passing anything on (SIGKILL), the child sees
// its parent gone and stops as on SIGTERM: nothing sent goes unrecorded.
//
// Not relaunched: other commands (they send nothing at a rate), a node already given an
// initial heap size (`node --initial-heap-size=N bin/wrp.js run ...` is the way to choose
// another size, 0 for V8's default, and to run without these flags), a process that is itself
// the relaunched one, Windows (no process groups to keep a console's Ctrl-C from both).
import { spawn } from 'node:child_process';
import { clearInterval, setInterval } from 'node:timers';

export const RELAUNCH_HEAP_MB = 256;
/** The node flags `run` and `start` go on with (see above). */
export const RUN_NODE_FLAGS = [`--initial-heap-size=${RELAUNCH_HEAP_MB}`, '--always-sparkplug'];
const RELAUNCHED_ENV = 'WRP_RELAUNCHED';
const COMMANDS = new Set(['run', 'start']);
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * The node arguments to run this CLI again with, or undefined when it should run here.
 * @param {string[]} argv process.argv
 * @param {string[]} execArgv process.execArgv
 * @param {Record<string, string | undefined>} env
 * @param {string} platform
 * @returns {string[] | undefined}
 */
export function relaunchArgs(argv, execArgv, env, platform) {
  const command = argv.slice(2).find((a) => !a.startsWith('-'));
  if (command === undefined || !COMMANDS.has(command)) return undefined;
  if (env[RELAUNCHED_ENV] !== undefined || platform === 'win32') return undefined;
  if (execArgv.some((a) => a.startsWith('--initial-heap-size'))) return undefined;
  return [...RUN_NODE_FLAGS, ...execArgv, ...argv.slice(1)];
}

/**
 * Runs the CLI in a child with `args` and exits as it does. Resolves only when the child could
 * not be started, after one line on stderr: the caller then runs the CLI here.
 * @param {string[]} args
 * @returns {Promise<void>}
 */
export function relaunch(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      stdio: 'inherit',
      detached: true,
      env: { ...process.env, [RELAUNCHED_ENV]: '1' },
    });
    // Passed on from now: a signal between spawn() and the child's start reaches it as well.
    const pass = (signal) => child.kill(signal);
    for (const s of FORWARDED) process.on(s, pass);
    child.once('error', (e) => {
      for (const s of FORWARDED) process.off(s, pass);
      console.error(`wrp: could not start the run process (${e.message}); running here, with V8's defaults`);
      resolve();
    });
    child.once('exit', (code, signal) => {
      for (const s of FORWARDED) process.off(s, pass);
      if (signal) process.kill(process.pid, signal); // ended as the child was, e.g. SIGKILL
      process.exit(code ?? 1);
    });
  });
}

/** In the relaunched child: stop as on SIGTERM once the parent that relays signals is gone. */
export function watchParent() {
  if (process.env[RELAUNCHED_ENV] === undefined) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, 1000);
  timer.unref();
}
