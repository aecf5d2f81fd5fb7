/**
 * Scale-out benchmarks of the learning suite (issue 17), each measured against a reference in
 * the same run:
 * - sweep: a seed sweep of the suite (every scenario of experiments/learning, `seeds` seeds)
 *   in one process and over 2 worker processes: wall time, the ratio (goal >= 1.6x) and whether
 *   every record is identical (all but wallMs). The floor is the speedup 2 processes of pure
 *   CPU work get on this machine at the same time (measured before and after): a shared
 *   2-core machine cannot give more, so the sweep's ratio is also reported as a share of it.
 * - batch: what batched updates cost each learner (a policy shared by worker processes decides
 *   on what it knew at the last sync): reward with verdicts delivered every B decisions vs at
 *   once (B = 1), paired seeds, 95% t interval of the difference.
 */
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { PROJECT_ROOT } from '../datasets/paths.ts';
import type { RunRecord } from '../learners/protocol/run.ts';
import { loadScenario, type Scenario } from '../learners/protocol/scenario.ts';
import { pairedInterval } from '../learners/protocol/stats.ts';
import { runSuite, type SuiteOptions } from '../learners/protocol/suite.ts';

const SCENARIOS = join(PROJECT_ROOT, 'experiments', 'learning');
const load1 = () => loadavg()[0]!;

function scenarios(names?: string[]): Scenario[] {
  const files = names
    ? names.map((n) => `${n}.yaml`)
    : readdirSync(SCENARIOS)
        .filter((f) => f.endsWith('.yaml'))
        .sort();
  return files.map((f) => loadScenario(join(SCENARIOS, f)));
}

async function timedSuite(s: Scenario[], o: SuiteOptions): Promise<{ seconds: number; records: RunRecord[] }> {
  const t0 = performance.now();
  const records: RunRecord[] = [];
  for await (const r of runSuite(s, o)) records.push(r);
  return { seconds: (performance.now() - t0) / 1000, records };
}

/** A CPU-bound loop for a plain node child (no loader: it starts in tens of ms). */
const SPIN = (n: number) =>
  `let x=1;for(let i=0;i<${n};i++)x=(Math.imul(x,1664525)+1013904223)|0;process.stdout.write(String(x))`;

function spin(iterations: number): Promise<void> {
  return new Promise((resolve, reject) =>
    spawn(process.execPath, ['-e', SPIN(iterations)], { stdio: ['ignore', 'ignore', 'inherit'] }).on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`CPU floor child exited ${code}`)),
    ),
  );
}

/**
 * The parallel speedup 2 processes get on this machine now: one process spinning 2W
 * iterations vs two spinning W each at once (about a second each on an idle core).
 */
export async function cpuFloor(iterations = 1_000_000_000): Promise<number> {
  let t0 = performance.now();
  await spin(2 * iterations);
  const one = performance.now() - t0;
  t0 = performance.now();
  await Promise.all([spin(iterations), spin(iterations)]);
  return one / (performance.now() - t0);
}

const sameFigures = (a: RunRecord[], b: RunRecord[]) =>
  a.length === b.length &&
  JSON.stringify(a.map((r) => ({ ...r, wallMs: 0 }))) === JSON.stringify(b.map((r) => ({ ...r, wallMs: 0 })));

export async function sweepBench(seeds: number): Promise<Record<string, unknown>[]> {
  const s = scenarios();
  const o: SuiteOptions = { seeds: Array.from({ length: seeds }, (_, i) => i + 1) };
  const loadBefore = load1();
  const floorBefore = await cpuFloor();
  const serial = await timedSuite(s, o);
  const parallel = await timedSuite(s, { ...o, workers: 2 });
  const floorAfter = await cpuFloor();
  const floorMean = (floorBefore + floorAfter) / 2;
  const ratio = serial.seconds / parallel.seconds;
  return [
    {
      scenarios: s.length,
      seeds,
      runs: serial.records.length,
      '1 process s': serial.seconds.toFixed(1),
      '2 workers s': parallel.seconds.toFixed(1),
      speedup: ratio.toFixed(2),
      'floor (2 CPU-bound processes)': `${floorMean.toFixed(2)} (${floorBefore.toFixed(2)}, ${floorAfter.toFixed(2)})`,
      'speedup / floor': (ratio / floorMean).toFixed(2),
      'identical figures': sameFigures(serial.records, parallel.records) ? 'yes' : 'NO',
      'load1 before/after': `${loadBefore.toFixed(1)}/${load1().toFixed(1)}`,
      goal: ratio >= 1.6 ? 'met' : 'MISSED',
    },
  ];
}

const BATCH_LEARNERS = ['epsilon_greedy', 'ucb1', 'beta_thompson', 'linucb', 'lin_thompson', 'linucb_pool', 'neural'];
const BATCH_SCENARIOS = ['stationary', 'drift-abrupt', 'congestion'];

export async function batchBench(seeds: number, batches = [1, 10, 100, 1000]): Promise<Record<string, unknown>[]> {
  const base = scenarios(BATCH_SCENARIOS);
  const seedList = Array.from({ length: seeds }, (_, i) => i + 1);
  const rewards = new Map<string, number>();
  for (const b of batches) {
    const s = base.map((sc) => ({ ...sc, feedback: { ...sc.feedback, batch_requests: b } }));
    for await (const r of runSuite(s, { seeds: seedList, learners: BATCH_LEARNERS, workers: 2 }))
      rewards.set(`${b}|${r.scenario}|${r.learner}|${r.seed}`, r.reward);
  }
  const rows: Record<string, unknown>[] = [];
  for (const sc of base)
    for (const l of BATCH_LEARNERS) {
      const at = (b: number) => seedList.map((seed) => rewards.get(`${b}|${sc.name}|${l}|${seed}`)!);
      const row: Record<string, unknown> = { scenario: sc.name, learner: l, 'reward B=1': mean(at(1)).toFixed(4) };
      for (const b of batches.slice(1)) {
        const d = pairedInterval(at(b), at(1));
        row[`Δ B=${b} [95% CI]`] =
          `${d.mean >= 0 ? '+' : ''}${d.mean.toFixed(4)} [${d.lower.toFixed(4)}, ${d.upper.toFixed(4)}]`;
      }
      rows.push(row);
    }
  return rows;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
