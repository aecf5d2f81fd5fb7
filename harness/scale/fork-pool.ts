/**
 * Fans independent tasks out over local worker processes (node:child_process fork, one task at
 * a time per worker) and hands their results back in task order, whatever order they finish
 * in: a caller that iterates `mapInOrder` sees exactly what a serial loop over the tasks would
 * give, if each task is a pure function of its input. The worker module calls `serveTasks`
 * (serve-tasks.ts).
 *
 * Promises: results in task order; at most `window` tasks are sent ahead of the oldest result
 * not yet handed back, so the reorder buffer stays bounded however uneven the tasks are. A task
 * that throws ends the whole map with its error (a WrpError keeps its code, so a user-fixable
 * error raised in a worker still exits 2); a worker that exits or crashes while it holds a task
 * ends it with WRP_WORKER_FAILED. Every worker is gone when the generator returns, throws or
 * is abandoned by the caller (`return()`).
 *
 * Messages use Node's 'advanced' serialization (structured clone), so NaN, Infinity, undefined
 * and Maps arrive as they were sent: a record is bit-for-bit what the serial run would hold.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { ERROR_CODES, WrpError, type ErrorCode } from '../../core/errors.ts';
import { workerSpawn } from './launcher.ts';

/** What a worker sends back for a task that threw. */
export interface SerializedError {
  code?: string;
  name: string;
  message: string;
  stack?: string;
}

export type ToWorker<I, T> = { type: 'init'; init: I } | { type: 'task'; id: number; task: T };
export type FromWorker<R> =
  | { type: 'ready' }
  | { type: 'result'; id: number; result: R }
  | { type: 'error'; id?: number; error: SerializedError };

export interface ForkPoolOptions<I> {
  /** The worker's role (scripts/workers.ts: what a CLI worker runs) and its module's absolute path (launcher.ts). */
  role: string;
  module: string;
  /** Worker processes (at most one per task). */
  workers: number;
  /** Sent once to every worker before its first task (what all tasks share). */
  init: I;
  /** Names the workers in messages, e.g. "bench-learners worker". */
  label: string;
  /** Tasks sent ahead of the oldest result not handed back yet (default 4 per worker). */
  window?: number;
  /** Extra environment for the workers. */
  env?: NodeJS.ProcessEnv;
}

/** A worker's error, rebuilt: its own code when it is one of wrp's, else a worker failure naming the worker. */
export function reviveError(e: SerializedError, where: string): WrpError {
  const known = e.code !== undefined && e.code in ERROR_CODES;
  const err = known
    ? new WrpError(e.code as ErrorCode, e.message)
    : new WrpError('WRP_WORKER_FAILED', `${where}: ${e.name}: ${e.message}`);
  if (e.stack) err.stack = `${err.name}: ${err.message}\n    [in ${where}]\n${e.stack.split('\n').slice(1).join('\n')}`;
  return err;
}

interface Worker {
  index: number;
  child: ChildProcess;
  ready: boolean;
  /** The task it holds, if any. */
  busy: number | undefined;
  exited: boolean;
}

/** Runs `tasks` over worker processes; yields each task's result in task order. */
export async function* mapInOrder<I, T, R>(tasks: readonly T[], o: ForkPoolOptions<I>): AsyncGenerator<R> {
  const n = Math.max(1, Math.min(o.workers, tasks.length));
  if (tasks.length === 0) return;
  const window = Math.max(n, o.window ?? 4 * n);
  const done = new Map<number, R>();
  let nextTask = 0;
  let handedBack = 0;
  let failure: Error | undefined;
  let closing = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (e: Error) => {
    failure ??= e;
    notify();
  };
  const where = (w: Worker) => `${o.label} ${w.index + 1}/${n} (pid ${w.child.pid ?? '?'})`;

  const dispatch = (w: Worker) => {
    if (failure || !w.ready || w.busy !== undefined || w.exited) return;
    if (nextTask >= tasks.length || nextTask >= handedBack + window) return;
    w.busy = nextTask++;
    w.child.send({ type: 'task', id: w.busy, task: tasks[w.busy]! } satisfies ToWorker<I, T>);
  };

  const workers: Worker[] = Array.from({ length: n }, (_, index) => {
    const spawn = workerSpawn(o.role, o.module);
    const child = fork(spawn.file, spawn.args, {
      execArgv: spawn.execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...o.env },
    });
    const w: Worker = { index, child, ready: false, busy: undefined, exited: false };
    child.on('message', (m: FromWorker<R>) => {
      if (m.type === 'ready') {
        w.ready = true;
        dispatch(w);
      } else if (m.type === 'result') {
        done.set(m.id, m.result);
        w.busy = undefined;
        dispatch(w);
        notify();
      } else fail(reviveError(m.error, `${where(w)}${m.id === undefined ? '' : `, task ${m.id + 1}`}`));
    });
    child.on('error', (e) => fail(new WrpError('WRP_WORKER_FAILED', `${where(w)}: ${e.message}`, { cause: e })));
    child.on('exit', (code, signal) => {
      w.exited = true;
      if (!closing)
        fail(
          new WrpError(
            'WRP_WORKER_FAILED',
            `${where(w)} exited (${signal ?? `code ${code}`}) ${w.busy === undefined ? 'before it was done' : `while running task ${w.busy + 1} of ${tasks.length}`}; its output is above`,
          ),
        );
      notify();
    });
    child.send({ type: 'init', init: o.init } satisfies ToWorker<I, T>);
    return w;
  });

  try {
    while (handedBack < tasks.length) {
      if (failure) throw failure;
      if (done.has(handedBack)) {
        const r = done.get(handedBack)!;
        done.delete(handedBack);
        handedBack++;
        for (const w of workers) dispatch(w);
        yield r;
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    closing = true;
    await Promise.all(workers.map((w) => stop(w.child, failure !== undefined || handedBack < tasks.length)));
  }
}

/** Ends a worker: a clean goodbye (disconnect) when all went well, else a kill; resolves once it has exited. */
function stop(child: ChildProcess, kill: boolean): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (kill || !child.connected) child.kill();
  else child.disconnect();
  return gone;
}
