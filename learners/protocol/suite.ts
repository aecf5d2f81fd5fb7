/**
 * The scenario suite: every scenario x every learner of its lineup x every seed, each run a
 * pure function of those three (run.ts). Per (scenario, seed) the World and the warm-start
 * logs are built once and shared by that seed's learners (which is also what pairs them): a
 * (scenario, seed) group is the unit of work, numbered in serial order (scenario by scenario,
 * seed by seed).
 *
 * Runs in this process, one at a time (the event loop gets a turn between runs), or over
 * `workers` local processes (parallel.ts): the records come back in the same order with the
 * same figures (all but `wallMs`), so runs.jsonl and the leaderboard do not depend on how many
 * processes made them. `shard` runs only groups k with k mod N = i (one pod of the Kubernetes
 * Indexed Job); the shards' runs.jsonl merge into the whole suite's (`wrp merge`).
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as turn } from 'node:timers/promises';
import { inShard, type Shard } from '../../harness/scale/shard.ts';
import { initTf } from '../rl/backend.ts';
import { lineupWith, type LineupEntry } from './lineup.ts';
import { runGroupsInWorkers } from './parallel.ts';
import { runOne, seedInputs, type RunRecord } from './run.ts';
import type { Scenario } from './scenario.ts';

export interface SuiteOptions {
  seeds: number[];
  /** Overrides every scenario's `requests`. */
  requests?: number;
  /** Only these lineup names (default: each scenario's lineup). */
  learners?: string[];
  /** Local worker processes (default 1: this process). */
  workers?: number;
  /** Only this shard's groups. */
  shard?: Shard;
  onScenario?(s: { scenario: string; runs: number; seconds: number; note?: string }): void;
}

/** A (scenario, seed) group: `scenario` indexes the suite's scenarios. */
export interface SuiteGroup {
  scenario: number;
  seed: number;
}

/** The suite's groups in serial order, those of `shard` only when given. */
export function suiteGroups(scenarios: number, seeds: number[], shard?: Shard): SuiteGroup[] {
  const all = Array.from({ length: scenarios }, (_, scenario) => seeds.map((seed) => ({ scenario, seed }))).flat();
  return shard ? all.filter((_, k) => inShard(k, shard)) : all;
}

/** One run's record with its group's scenario (and the World's trace note). */
interface Item {
  scenario: number;
  record: RunRecord;
  note?: string;
}

async function* inThisProcess(
  scenarios: Scenario[],
  lineups: LineupEntry[][],
  groups: SuiteGroup[],
  requests?: number,
) {
  if (lineups.some((l) => l.some((e) => e.needsTf))) await initTf();
  for (const g of groups) {
    const scenario = scenarios[g.scenario]!;
    const inputs = seedInputs(scenario, g.seed, requests);
    for (const entry of lineups[g.scenario]!) {
      yield { scenario: g.scenario, record: runOne(scenario, entry, g.seed, inputs), note: inputs.world.traceNote };
      await turn();
    }
  }
}

async function* inWorkers(scenarios: Scenario[], groups: SuiteGroup[], opts: SuiteOptions) {
  for await (const [i, r] of runGroupsInWorkers(scenarios, groups, opts.workers ?? 1, opts))
    for (const record of r.records) yield { scenario: groups[i]!.scenario, record, note: r.note };
}

/** Runs the suite; yields each run's record in serial order. */
export async function* runSuite(scenarios: Scenario[], opts: SuiteOptions): AsyncGenerator<RunRecord> {
  // Lineups are resolved here, so an unknown learner is reported before any worker starts.
  const lineups = scenarios.map((s) => lineupWith(s, opts.learners));
  const groups = suiteGroups(scenarios.length, opts.seeds, opts.shard);
  const items: AsyncGenerator<Item> =
    (opts.workers ?? 1) > 1
      ? inWorkers(scenarios, groups, opts)
      : inThisProcess(scenarios, lineups, groups, opts.requests);
  let current: { scenario: number; runs: number; note?: string } | undefined;
  let t0 = performance.now();
  const close = () => {
    if (!current) return;
    const now = performance.now();
    opts.onScenario?.({
      scenario: scenarios[current.scenario]!.name,
      runs: current.runs,
      seconds: (now - t0) / 1000,
      ...(current.note ? { note: current.note } : {}),
    });
    t0 = now;
  };
  for await (const item of items) {
    if (item.scenario !== current?.scenario) {
      close();
      current = { scenario: item.scenario, runs: 0 };
    }
    current.note ??= item.note;
    current.runs++;
    yield item.record;
  }
  close();
}
