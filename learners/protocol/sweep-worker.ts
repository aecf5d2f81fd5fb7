/**
 * A worker process of the learning suite (parallel.ts): gets the scenarios, the lineup filter
 * and the request count once, then runs (scenario, seed) groups as they come and answers each
 * with its records (run.ts `runGroup`). tfjs starts only if a lineup needs it; its one line
 * goes to stderr, naming this worker.
 */
import { serveTasks } from '../../harness/scale/serve-tasks.ts';
import { initTf } from '../rl/backend.ts';
import { lineupWith } from './lineup.ts';
import type { SweepInit } from './parallel.ts';
import { runGroup } from './run.ts';
import type { SuiteGroup } from './suite.ts';

serveTasks(async (init: SweepInit) => {
  const lineups = init.scenarios.map((s) => lineupWith(s, init.learners));
  if (lineups.some((l) => l.some((e) => e.needsTf)))
    await initTf({ log: (line) => console.error(`${line} (bench-learners worker pid ${process.pid})`) });
  return (g: SuiteGroup) => runGroup(init.scenarios[g.scenario]!, lineups[g.scenario]!, g.seed, init.requests);
});
