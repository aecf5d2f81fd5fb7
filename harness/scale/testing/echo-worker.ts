/**
 * A worker for fork-pool's tests: each task is answered after `delayMs` with its value, its
 * worker's pid and the shared init; `fail` throws (a ConfigError when it names a file), `crash`
 * exits the process mid-task.
 */
import { ConfigError } from '../../../core/errors.ts';
import { serveTasks } from '../serve-tasks.ts';

export interface EchoTask {
  value: number;
  delayMs?: number;
  fail?: string;
  crash?: boolean;
}

serveTasks((init: { tag: string }) => async (t: EchoTask) => {
  if (t.delayMs) await new Promise((r) => setTimeout(r, t.delayMs));
  if (t.crash) process.exit(7);
  if (t.fail === 'config') throw new ConfigError('x.yaml', [`task ${t.value}: expected something else`]);
  if (t.fail) throw new TypeError(t.fail);
  return { value: t.value, pid: process.pid, tag: init.tag, nan: NaN, missing: undefined };
});
