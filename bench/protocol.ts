/**
 * The learning suite's wall time (issue 16: the default suite, 32 seeds, within 15 minutes on
 * this 2-core machine): `wrp bench-learners` with no argument, timed, and in the same run its
 * reference: the same scenarios and seeds with the static rule alone, i.e. what the simulated
 * pools and the World cost before any learner runs. Reported: suite seconds (goal <= 900),
 * runs, ms per run, and ms per run over the reference's.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PROJECT_ROOT } from '../datasets/paths.ts';
import { loadScenario } from '../learners/protocol/scenario.ts';
import { runSuite, type SuiteOptions } from '../learners/protocol/suite.ts';

async function timed(opts: SuiteOptions): Promise<{ seconds: number; runs: number }> {
  const dir = join(PROJECT_ROOT, 'experiments', 'learning');
  const scenarios = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => loadScenario(join(dir, f)));
  const t0 = performance.now();
  let runs = 0;
  for await (const _ of runSuite(scenarios, opts)) runs++;
  return { seconds: (performance.now() - t0) / 1000, runs };
}

export async function protocolBench(seeds = 32): Promise<Record<string, unknown>[]> {
  const all = Array.from({ length: seeds }, (_, i) => i + 1);
  const reference = await timed({ seeds: all, learners: ['static'] });
  const suite = await timed({ seeds: all });
  const perRun = (x: { seconds: number; runs: number }) => (1000 * x.seconds) / x.runs;
  return [
    {
      seeds,
      runs: suite.runs,
      'suite s': suite.seconds.toFixed(0),
      'ms/run': perRun(suite).toFixed(0),
      'static-only ms/run (reference)': perRun(reference).toFixed(0),
      ratio: (perRun(suite) / perRun(reference)).toFixed(2),
      goal: suite.seconds <= 900 ? 'met' : 'MISSED',
    },
  ];
}
