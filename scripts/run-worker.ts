/**
 * A worker process of `wrp run --workers N` (role `run`, scripts/workers.ts; tests and
 * benchmarks fork this file directly): the IPC glue around harness/scale/load-worker.ts, with
 * the policy factories of wrp run. Messages that arrive before the worker is prepared (the
 * first policy snapshot, pool views) wait for it. Any error goes to the parent, which ends the
 * run with it; the worker exits when the parent disconnects.
 */
import { prepareLoadWorker, type WorkerInbox } from '../harness/scale/load-worker.ts';
import type { FromRunWorker, ToRunWorker, WorkerDone } from '../harness/scale/run-worker-messages.ts';
import { serialize } from '../harness/scale/serve-tasks.ts';
import { checkpointable } from '../learners/checkpointed.ts';
import { POLICY_FACTORIES, prepareLearners } from '../learners/policy-factories.ts';

const send = (m: FromRunWorker) => process.send?.(m);
let inbox: WorkerInbox | undefined;
let run: ((startAtMs: number) => Promise<WorkerDone>) | undefined;
const early: ToRunWorker[] = [];

function deliver(m: ToRunWorker): void {
  if (m.type === 'snapshot') inbox!.snapshot(m.snapshot);
  else if (m.type === 'observe') inbox!.observe(m.pools);
  else if (m.type === 'stop') inbox!.stop(m.reason);
  else if (m.type === 'cancel') inbox!.cancel();
  else if (m.type === 'start')
    run!(m.startAtMs).then(
      (done) => send({ type: 'done', done }),
      (e: unknown) => send({ type: 'error', error: serialize(e) }),
    );
}

process.on('message', (m: ToRunWorker) => {
  if (m.type !== 'init') {
    if (inbox) deliver(m);
    else early.push(m);
    return;
  }
  void (async () => {
    try {
      await prepareLearners(m.init.config.router, m.init.configFile);
      const w = await prepareLoadWorker(m.init, checkpointable(POLICY_FACTORIES), {
        updates: (batch) => send({ type: 'updates', batch }),
        progress: (progress) => send({ type: 'progress', progress }),
        log: (line) => console.error(`worker ${m.init.worker.index + 1}/${m.init.worker.count}: ${line}`),
      });
      inbox = w.inbox;
      run = w.run;
      for (const e of early.splice(0)) deliver(e);
      send({ type: 'ready' });
    } catch (e) {
      send({ type: 'error', error: serialize(e) });
    }
  })();
});
process.on('disconnect', () => process.exit(0));
// Ctrl-C reaches the whole process group: the parent decides, and says stop or cancel over IPC,
// so that every request in flight here is still recorded.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => {});
