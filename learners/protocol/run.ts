/**
 * One leaderboard cell's unit: a (scenario, learner, seed) run, a pure function of those three
 * (the World and the warm-start logs are rebuilt from the seed, or handed in from a cache of
 * the same), so it can run in any process in any order (issue 17 fans runs out to workers).
 */
import { performance } from 'node:perf_hooks';
import { NeuralPolicy } from '../rl/neural-policy.ts';
import { runEpisode, type LoggedDecision, type ProtocolPolicy } from './environment.ts';
import type { LineupEntry } from './lineup.ts';
import type { RunFigures } from './metrics.ts';
import type { Scenario } from './scenario.ts';
import { applyWarmStart, warmStartLogs } from './warm-start.ts';
import { buildWorld, type World } from './world.ts';

export interface RunRecord extends RunFigures {
  scenario: string;
  learner: string;
  seed: number;
  poolAware: boolean;
  kind: 'baseline' | 'learner';
  /** The scenario has background load (`load` events): its leaderboard gives the pool-aware verdict. */
  backgroundLoad: boolean;
  feedback: { delivered: number; flipped: number; dropped: number };
  virtualSeconds: number;
  wallMs: number;
}

export interface SeedInputs {
  world: World;
  warm?: LoggedDecision[];
}

/** What every learner of (scenario, seed) shares; `requests` overrides the scenario's size. */
export function seedInputs(scenario: Scenario, seed: number, requests?: number): SeedInputs {
  const world = buildWorld(scenario, seed, requests ?? scenario.requests);
  const warm = warmStartLogs(scenario, seed);
  return warm ? { world, warm } : { world };
}

/** One (scenario, seed) group: every lineup entry on the seed's shared World, in lineup order. */
export interface GroupResult {
  records: RunRecord[];
  /** The World's note on its trace (rows read, rows left out), if any. */
  note?: string;
}

/** A group's runs, one after another on the World built once for the seed. */
export function runGroup(
  scenario: Scenario,
  lineup: LineupEntry[],
  seed: number,
  requests: number | undefined,
): GroupResult {
  const inputs = seedInputs(scenario, seed, requests);
  const records = lineup.map((entry) => runOne(scenario, entry, seed, inputs));
  return inputs.world.traceNote ? { records, note: inputs.world.traceNote } : { records };
}

export function runOne(
  scenario: Scenario,
  entry: LineupEntry,
  seed: number,
  inputs = seedInputs(scenario, seed),
): RunRecord {
  const t0 = performance.now();
  let built: ProtocolPolicy | undefined;
  const r = runEpisode(scenario, inputs.world, (view) => {
    const policy = entry.make({ scenario, world: inputs.world, seed, view });
    if (inputs.warm) applyWarmStart(policy, inputs.warm, scenario.warm_start!.propensities);
    built = policy;
    return policy;
  });
  if (built instanceof NeuralPolicy) built.dispose(); // tfjs weights live outside the JS heap
  return {
    scenario: scenario.name,
    learner: entry.name,
    seed,
    poolAware: entry.poolAware,
    kind: entry.kind,
    backgroundLoad: scenario.events.some((e) => e.kind === 'load'),
    ...r.figures,
    feedback: r.feedback,
    virtualSeconds: r.virtualSeconds,
    wallMs: performance.now() - t0,
  };
}
