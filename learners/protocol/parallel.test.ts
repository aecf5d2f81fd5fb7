import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWrpError } from '../../core/errors.ts';
import { PROJECT_ROOT } from '../../datasets/paths.ts';
import { writeManifest } from '../../harness/scale/manifest.ts';
import { lineupWith } from './lineup.ts';
import type { RunRecord } from './run.ts';
import { loadScenario } from './scenario.ts';
import { mergeSuiteShards, suiteManifest, suitePlan, suiteSchedule } from './shards.ts';
import { runSuite, type SuiteOptions } from './suite.ts';

// Two scenarios (one replays a trace), a lineup with an RNG baseline, counting and linear
// bandits and the tfjs learner: everything that could differ between processes.
const scenarios = ['stationary', 'trace-mooncake'].map((n) =>
  loadScenario(join(PROJECT_ROOT, 'experiments', 'learning', `${n}.yaml`)),
);
const base: SuiteOptions = {
  seeds: [1, 2, 3],
  requests: 120,
  learners: ['random', 'static', 'beta_thompson', 'linucb', 'neural'],
};
const wall = (r: RunRecord) => ({ ...r, wallMs: 0 });

async function suite(o: Partial<SuiteOptions> = {}): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  for await (const r of runSuite(scenarios, { ...base, ...o })) out.push(r);
  return out;
}

describe('the learning suite over worker processes and shards', () => {
  it('gives the serial run, record for record, with 2 workers; and 3 merged shards give it too', async () => {
    const serial = await suite();
    expect(serial).toHaveLength(2 * 3 * 5);
    const notes: string[] = [];
    const workers = await suite({ workers: 2, onScenario: (s) => notes.push(`${s.scenario} ${s.runs}`) });
    expect(workers.map(wall)).toEqual(serial.map(wall));
    expect(notes).toEqual(['stationary 15', 'trace-mooncake 15']);

    const root = mkdtempSync(join(tmpdir(), 'wrp-shards-'));
    const plan = suitePlan(
      scenarios,
      scenarios.map((s) => lineupWith(s, base.learners)),
      base.seeds,
      base.requests,
    );
    const dirs: string[] = [];
    for (let index = 0; index < 3; index++) {
      const shard = { index, count: 3 };
      const dir = join(root, `shard-${index}`);
      mkdirSync(dir);
      const runs = await suite({ shard });
      writeFileSync(join(dir, 'runs.jsonl'), runs.map((r) => JSON.stringify(r) + '\n').join(''));
      writeManifest(dir, { ...suiteManifest(plan, suiteSchedule(plan, scenarios, 3), shard), finished: true });
      dirs.push(dir);
    }
    const out = join(root, 'merged');
    mkdirSync(out);
    const merged = await mergeSuiteShards([dirs[2]!, dirs[0]!, dirs[1]!], out, () => {});
    // Through JSON, as runs.jsonl holds them.
    const asFile = (rs: RunRecord[]) => rs.map((r) => JSON.parse(JSON.stringify(wall(r))) as RunRecord);
    expect(merged.map(wall)).toEqual(asFile(serial));
    expect(readFileSync(join(out, 'runs.jsonl'), 'utf8').trim().split('\n')).toHaveLength(serial.length);

    // A run copied into another shard, and one lost: both named.
    const lines = (d: string) => readFileSync(join(d, 'runs.jsonl'), 'utf8').trim().split('\n');
    const one = lines(dirs[1]!);
    writeFileSync(join(dirs[1]!, 'runs.jsonl'), [...one.slice(1), lines(dirs[0]!)[0]].join('\n') + '\n');
    const err = await mergeSuiteShards(dirs, join(root, 'bad'), () => {}).catch((e: unknown) => e);
    expect(isWrpError(err, 'WRP_MERGE')).toBe(true);
    const lost = JSON.parse(one[0]!) as RunRecord;
    const copied = JSON.parse(lines(dirs[0]!)[0]!) as RunRecord;
    const id = (r: RunRecord) => `${r.scenario}/${r.learner}/seed ${r.seed}`;
    expect((err as Error).message).toContain(`${id(copied)} (${dirs[0]}, ${dirs[1]})`);
    expect((err as Error).message).toContain(`1 id(s) missing: ${id(lost)} (belongs to ${dirs[1]})`);
  }, 120_000);
});
