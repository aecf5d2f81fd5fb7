/**
 * The learning suite's wall time (issue 16: the default suite, 32 seeds, within 15 minutes on
 * this 2-core machine): `wrp bench-learners` with no argument, timed. The reference, measured
 * in the same run: the static rule's runs, a policy that costs nothing, i.e. what a run of the
 * simulated pools costs before any learner works; the ratio says how much the lineup adds.
 * Reported: suite seconds (goal <= 900), runs, mean ms per run, the static runs' mean, ratio.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PROJECT_ROOT } from '../datasets/paths.ts';
import { loadScenario } from '../learners/protocol/scenario.ts';
import { runSuite } from '../learners/protocol/suite.ts';

export async function protocolBench(seeds = 32): Promise<Record<string, unknown>[]> {
  const dir = join(PROJECT_ROOT, 'experiments', 'learning');
  const scenarios = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => loadScenario(join(dir, f)));
  const t0 = performance.now();
  const all: number[] = [];
  const reference: number[] = [];
  for await (const r of runSuite(scenarios, { seeds: Array.from({ length: seeds }, (_, i) => i + 1) })) {
    all.push(r.wallMs);
    if (r.learner === 'static') reference.push(r.wallMs);
  }
  const seconds = (performance.now() - t0) / 1000;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return [
    {
      seeds,
      runs: all.length,
      'suite s': seconds.toFixed(0),
      'ms/run': mean(all).toFixed(0),
      'static ms/run (reference)': mean(reference).toFixed(0),
      ratio: (mean(all) / mean(reference)).toFixed(2),
      goal: seconds <= 900 ? 'met' : 'MISSED',
    },
  ];
}
