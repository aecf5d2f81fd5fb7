/**
 * The learning suite split across machines (`wrp bench-learners --shard i/N`, one pod of the
 * Kubernetes Indexed Job each) and merged back (`wrp merge`).
 *
 * The plan is the whole suite: the scenarios in order, each with its lineup's names, the seeds
 * and the request count. Its (scenario, seed) groups are numbered in serial order and group k
 * belongs to shard k mod N (suite.ts); a run's id is its group and its lineup position, named
 * `scenario/learner/seed S`. Every shard writes the same plan and schedule hash in its
 * shard.json; the merge checks the folders are shards 0..N-1 of one schedule, that every run
 * of the plan is there once, in the folder that owns it, and writes runs.jsonl in serial
 * order: the file a one-process run writes, but for `wallMs`.
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { WrpError } from '../../core/errors.ts';
import { describeProblems, IdLedger } from '../../harness/scale/ledger.ts';
import {
  checkShardSet,
  readManifest,
  scheduleHash,
  type ShardFolder,
  type ShardManifest,
} from '../../harness/scale/manifest.ts';
import type { Shard } from '../../harness/scale/shard.ts';
import type { LineupEntry } from './lineup.ts';
import type { RunRecord } from './run.ts';
import { forEachRun, RUNS_FILE } from './runs-file.ts';
import type { Scenario } from './scenario.ts';

export interface SuitePlan {
  scenarios: { name: string; learners: string[] }[];
  seeds: number[];
  requests?: number;
}

export function suitePlan(
  scenarios: Scenario[],
  lineups: LineupEntry[][],
  seeds: number[],
  requests?: number,
): SuitePlan {
  return {
    scenarios: scenarios.map((s, i) => ({ name: s.name, learners: lineups[i]!.map((e) => e.name) })),
    seeds,
    ...(requests !== undefined ? { requests } : {}),
  };
}

/** The schedule hash: the plan, what every scenario says (not where its file is) and the shard count. */
export function suiteSchedule(plan: SuitePlan, scenarios: Scenario[], shardCount: number): string {
  return scheduleHash({ plan, scenarios: scenarios.map(({ file: _f, baseDir: _b, ...rest }) => rest), shardCount });
}

export function suiteManifest(plan: SuitePlan, schedule: string, shard: Shard): ShardManifest {
  return {
    version: 1,
    kind: 'bench-learners',
    shard,
    schedule,
    startedAt: new Date().toISOString(),
    finished: false,
    plan,
  };
}

/** Where each run of the plan sits: its group (unit) and lineup position (part). */
class PlanIndex {
  private readonly scenario = new Map<string, number>();
  private readonly seed = new Map<number, number>();
  private readonly learner: Map<string, number>[];

  constructor(readonly plan: SuitePlan) {
    plan.scenarios.forEach((s, i) => this.scenario.set(s.name, i));
    plan.seeds.forEach((s, i) => this.seed.set(s, i));
    this.learner = plan.scenarios.map((s) => new Map(s.learners.map((l, j) => [l, j])));
  }

  get groups(): number {
    return this.plan.scenarios.length * this.plan.seeds.length;
  }

  locate(r: Pick<RunRecord, 'scenario' | 'learner' | 'seed'>): { unit: number; part: number } | undefined {
    const s = this.scenario.get(r.scenario);
    const k = this.seed.get(r.seed);
    const l = s === undefined ? undefined : this.learner[s]!.get(r.learner);
    if (s === undefined || k === undefined || l === undefined) return undefined;
    return { unit: s * this.plan.seeds.length + k, part: l };
  }

  name(unit: number, part: number): string {
    const s = this.plan.scenarios[Math.floor(unit / this.plan.seeds.length)]!;
    return `${s.name}/${s.learners[part]}/seed ${this.plan.seeds[unit % this.plan.seeds.length]}`;
  }

  learners(unit: number): number {
    return this.plan.scenarios[Math.floor(unit / this.plan.seeds.length)]!.learners.length;
  }
}

function planOf(f: ShardFolder): SuitePlan {
  const p = f.manifest.plan as Partial<SuitePlan> | undefined;
  if (!p || !Array.isArray(p.scenarios) || !Array.isArray(p.seeds))
    throw new WrpError('WRP_MERGE', `${f.dir}: shard.json has no suite plan (scenarios, seeds)`);
  return p as SuitePlan;
}

/**
 * Merges learning-suite shard folders into `out`/runs.jsonl (serial order); returns the records.
 * WRP_MERGE names every run twice, misplaced, missing or outside the plan.
 */
export async function mergeSuiteShards(
  dirs: string[],
  out: string,
  warn: (line: string) => void,
): Promise<RunRecord[]> {
  const folders = checkShardSet(dirs.map((dir) => ({ dir, manifest: readManifest(dir) })));
  const index = new PlanIndex(planOf(folders[0]!));
  const count = folders.length;
  const ledger = new IdLedger({
    folders: folders.map((f) => f.dir),
    owner: (unit) => unit % count,
    name: (unit, part) => index.name(unit, part),
  });
  const records = new Map<number, RunRecord>();
  const outside: string[] = [];
  const width = Math.max(1, ...index.plan.scenarios.map((s) => s.learners.length));
  for (const [f, folder] of folders.entries()) {
    const torn = await forEachRun(join(folder.dir, RUNS_FILE), (r) => {
      const at = index.locate(r);
      if (!at) {
        outside.push(`${r.scenario}/${r.learner}/seed ${r.seed} (in ${folder.dir})`);
        return;
      }
      ledger.see(at.unit, at.part, f);
      records.set(at.unit * width + at.part, r);
    });
    if (torn > 0) warn(`${folder.dir}: ${torn} line(s) of ${RUNS_FILE} not JSON (a torn last line?), left out`);
  }
  for (let unit = 0; unit < index.groups; unit++)
    for (let part = 0; part < index.learners(unit); part++) ledger.expect(unit, part);
  const problems = describeProblems(ledger.report());
  if (outside.length > 0)
    problems.push(
      `${outside.length} run(s) outside the plan: ${outside.slice(0, 20).join(', ')}${outside.length > 20 ? ` and ${outside.length - 20} more` : ''}`,
    );
  if (problems.length > 0)
    throw new WrpError('WRP_MERGE', `${count} shard(s) do not add up to the suite: ${problems.join('; ')}`);
  const ordered = [...records].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  const file = createWriteStream(join(out, RUNS_FILE));
  for (const r of ordered) file.write(`${JSON.stringify(r)}\n`);
  await new Promise((done) => file.end(done));
  return ordered;
}
