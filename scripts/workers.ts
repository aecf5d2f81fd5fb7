/**
 * The roles a wrp process can play as a worker (`wrp __worker <role>`, started by
 * harness/scale/launcher.ts with the parent's own entry and flags): each role's module, which
 * serves its parent over IPC from the moment it is imported. Imported by literal path, so the
 * compiled CLI (dist/wrp.mjs) carries every worker too.
 */
import { UsageError } from '../core/errors.ts';

const ROLES: Record<string, () => Promise<unknown>> = {
  'bench-learners': () => import('../learners/protocol/sweep-worker.ts'),
  run: () => import('./run-worker.ts'),
};

export async function startWorker(role: string | undefined): Promise<void> {
  const start = role === undefined ? undefined : ROLES[role];
  if (!start) throw new UsageError(`__worker: expected one of ${Object.keys(ROLES).join(', ')}, got "${role}"`);
  if (!process.send)
    throw new UsageError('__worker: a worker is started by its parent wrp process (it needs an IPC channel)');
  await start();
}
