/**
 * The learning suite over local worker processes: (scenario, seed) groups are handed to
 * `workers` children (sweep-worker.ts) as they free up, and come back in serial order
 * (harness/scale/fork-pool.ts), so the records equal a serial run's but for `wallMs`. A group
 * is a pure function of the scenario, the seed, the lineup and the request count, which is all
 * a worker gets.
 *
 * With tfjs-node-gpu installed, every worker opens the GPU: TensorFlow grabs most of its
 * memory per process unless TF_FORCE_GPU_ALLOW_GROWTH=true, so workers get that by default.
 */
import { fileURLToPath } from 'node:url';
import { mapInOrder } from '../../harness/scale/fork-pool.ts';
import type { GroupResult } from './run.ts';
import type { Scenario } from './scenario.ts';
import type { SuiteGroup } from './suite.ts';

/** What every worker shares. */
export interface SweepInit {
  scenarios: Scenario[];
  learners?: string[];
  requests?: number;
}

/** The worker's role name (scripts/workers.ts starts sweep-worker.ts for it in a CLI worker). */
export const SWEEP_ROLE = 'bench-learners';
const WORKER = fileURLToPath(new URL('./sweep-worker.ts', import.meta.url));

/** Each group's result with its index in `groups`, in that order. */
export async function* runGroupsInWorkers(
  scenarios: Scenario[],
  groups: SuiteGroup[],
  workers: number,
  o: { learners?: string[]; requests?: number },
): AsyncGenerator<[number, GroupResult]> {
  const init: SweepInit = {
    scenarios,
    ...(o.learners ? { learners: o.learners } : {}),
    ...(o.requests !== undefined ? { requests: o.requests } : {}),
  };
  let i = 0;
  for await (const r of mapInOrder<SweepInit, SuiteGroup, GroupResult>(groups, {
    role: SWEEP_ROLE,
    module: WORKER,
    workers,
    init,
    label: 'bench-learners worker',
    env: { TF_FORCE_GPU_ALLOW_GROWTH: process.env.TF_FORCE_GPU_ALLOW_GROWTH ?? 'true' },
  }))
    yield [i++, r];
}
