/**
 * The scenario suite: every scenario x every learner of its lineup x every seed, each run a
 * pure function of those three (run.ts). Per (scenario, seed) the World and the warm-start
 * logs are built once and shared by that seed's learners (which is also what pairs them).
 * Runs are yielded one at a time, so the caller streams them to disk and the event loop gets a
 * turn between runs.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as turn } from 'node:timers/promises';
import { initTf } from '../rl/backend.ts';
import { lineupEntry, lineupOf, type LineupEntry } from './lineup.ts';
import { runOne, seedInputs, type RunRecord } from './run.ts';
import type { Scenario } from './scenario.ts';

export interface SuiteOptions {
  seeds: number[];
  /** Overrides every scenario's `requests`. */
  requests?: number;
  /** Only these lineup names (default: each scenario's lineup). */
  learners?: string[];
  onScenario?(s: { scenario: string; runs: number; seconds: number; note?: string }): void;
}

function lineupFor(scenario: Scenario, only: string[] | undefined): LineupEntry[] {
  const all = lineupOf(scenario);
  if (!only) return all;
  return only.map((name) => all.find((e) => e.name === name) ?? lineupEntry(name, '--learners'));
}

/** Runs the suite; yields each run's record as it finishes. */
export async function* runSuite(scenarios: Scenario[], opts: SuiteOptions): AsyncGenerator<RunRecord> {
  const lineups = scenarios.map((s) => lineupFor(s, opts.learners));
  if (lineups.some((l) => l.some((e) => e.needsTf))) await initTf();
  for (const [i, scenario] of scenarios.entries()) {
    const t0 = performance.now();
    let runs = 0;
    let note: string | undefined;
    for (const seed of opts.seeds) {
      const inputs = seedInputs(scenario, seed, opts.requests);
      note ??= inputs.world.traceNote;
      for (const entry of lineups[i]!) {
        yield runOne(scenario, entry, seed, inputs);
        runs++;
        await turn();
      }
    }
    opts.onScenario?.({
      scenario: scenario.name,
      runs,
      seconds: (performance.now() - t0) / 1000,
      ...(note ? { note } : {}),
    });
  }
}
