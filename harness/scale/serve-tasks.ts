/**
 * The worker side of fork-pool.ts: a worker module calls `serveTasks(setup)` once. `setup`
 * gets what every task shares (the pool's `init`) and returns the task handler; the worker then
 * runs one task at a time as the parent sends them and answers each with its result, or with
 * its error (code, message, stack) for the parent to rethrow. It exits when the parent
 * disconnects, so a worker never outlives its pool.
 */
import type { FromWorker, SerializedError, ToWorker } from './fork-pool.ts';

export type TaskHandler<T, R> = (task: T) => R | Promise<R>;

/** An error as a worker sends it to its parent (fork-pool.ts `reviveError` rebuilds it). */
export function serialize(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const code = (e as { code?: unknown }).code;
  return {
    ...(typeof code === 'string' ? { code } : {}),
    name: e.name,
    message: e.message,
    ...(e.stack ? { stack: e.stack } : {}),
  };
}

export function serveTasks<I, T, R>(setup: (init: I) => TaskHandler<T, R> | Promise<TaskHandler<T, R>>): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('serveTasks: this module runs as a worker of fork-pool.ts (forked with an IPC channel)');
  const reply = (m: FromWorker<R>) => send(m);
  let handler: Promise<TaskHandler<T, R>> | undefined;
  // One message at a time: the parent sends the next task only after this one's answer.
  process.on('message', (m: ToWorker<I, T>) => {
    void (async () => {
      if (m.type === 'init') {
        try {
          handler = Promise.resolve(setup(m.init));
          await handler;
          reply({ type: 'ready' });
        } catch (e) {
          reply({ type: 'error', error: serialize(e) });
        }
        return;
      }
      try {
        if (!handler) throw new Error('a task arrived before init');
        const result = await (await handler)(m.task);
        reply({ type: 'result', id: m.id, result });
      } catch (e) {
        reply({ type: 'error', id: m.id, error: serialize(e) });
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
}
