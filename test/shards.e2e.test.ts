/**
 * Sharded runs (issue 17): three local shards of one schedule, merged, hold the same ids and
 * the same totals as one unsharded run of it (--shard 0/1); a duplicate or a missing id across shards is reported
 * by name. The pools are shared endpoints (as a fleet behind `wrp pool serve` is), the router
 * a static rule, so totals are a function of the schedule.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAndReport } from '../scripts/commands/run.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWrpError } from '../core/errors.ts';
import { startSimServer, type SimServer } from '../harness/pool/sim/server.ts';
import { BASELINE_POLICIES } from '../harness/router/policies.ts';
import { parseExperiment } from '../harness/runner/config.ts';
import { runExperiment } from '../harness/runner/runner.ts';
import type { RunSummary } from '../harness/runner/summary.ts';
import { mergeRunShards } from '../harness/scale/merge-runs.ts';

const out = mkdtempSync(join(tmpdir(), 'wrp-shards-'));
const servers: SimServer[] = [];
let config: ReturnType<typeof parseExperiment>;

beforeAll(async () => {
  for (const model of ['llama-3.2-1b', 'qwen3-8b']) servers.push(await startSimServer({ model, port: 0 }));
  config = parseExperiment(
    {
      name: 'shards',
      seed: 5,
      pools: servers.map((s, i) => ({
        name: i === 0 ? 'small' : 'big',
        model: i === 0 ? 'llama-3.2-1b' : 'qwen3-8b',
        endpoint: s.url,
        pricing: { input_per_1m: 0.05 + i, output_per_1m: 0.1 + i },
      })),
      workload: {
        sources: [{ type: 'synthetic', archetypes: { reasoning: 2, agent: 1 }, output_scale: 0.05 }],
        arrival: { type: 'poisson', rate: 80 },
      },
      router: { type: 'static', map: { math: 'big', code: 'big' }, default: 'small' },
      client: { label_headers: 'always' },
      stop: { requests: 90 },
      telemetry: { interval_ms: 200 },
    },
    join(out, 'shards.yaml'),
  );
}, 60_000);
afterAll(async () => {
  for (const s of servers) await s.close();
  rmSync(out, { recursive: true, force: true });
});

const run = (dir: string, shard: { index: number; count: number }, startAtMs?: number) =>
  runExperiment({
    config: structuredClone(config),
    configFile: join(out, 'shards.yaml'),
    policies: BASELINE_POLICIES,
    progress: false,
    log: () => {},
    shard: { shard, dir, ...(startAtMs !== undefined ? { startAtMs } : {}) },
  });

const ids = (dir: string) =>
  readFileSync(join(dir, 'requests.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { id: string }).id)
    .sort();

const totals = (s: RunSummary) => {
  const all = s.tables.overall![0]!;
  return { sent: s.sent, ok: s.ok, failed: s.failed, cancelled: s.cancelled, requests: all.requests };
};

describe('sharded runs and wrp merge', () => {
  it('3 merged shards hold the ids and totals of one run of the same schedule; a duplicate and a missing id are named', async () => {
    const one = await run(join(out, 'one'), { index: 0, count: 1 });
    const start = Date.now() + 500;
    const dirs = [0, 1, 2].map((i) => join(out, `shard-${i}`));
    await Promise.all(dirs.map((d, index) => run(d, { index, count: 3 }, start)));
    const merged = await mergeRunShards([dirs[2]!, dirs[0]!, dirs[1]!], join(out, 'merged'), () => {});
    expect(merged.recorded).toBe(90);
    expect(ids(merged.runDir)).toEqual(ids(one.runDir));
    expect(totals(merged.summary)).toEqual(totals(one.summary));
    // Agent sessions have several turns (0.3 s apart): the budget holds every turn of each session it holds.
    expect(ids(merged.runDir).some((id) => !id.endsWith('/0'))).toBe(true);

    // Shard 1 loses its first record and gets a copy of one of shard 0's.
    const file = (d: string) => join(d, 'requests.jsonl');
    const [lost, ...rest] = readFileSync(file(dirs[1]!), 'utf8').trim().split('\n');
    const copied = readFileSync(file(dirs[0]!), 'utf8').split('\n')[0]!;
    writeFileSync(file(dirs[1]!), rest.join('\n') + '\n');
    appendFileSync(file(dirs[1]!), copied + '\n');
    const err = await mergeRunShards(dirs, join(out, 'bad'), () => {}).catch((e: unknown) => e);
    expect(isWrpError(err, 'WRP_MERGE')).toBe(true);
    const msg = (err as Error).message;
    const id = (line: string) => (JSON.parse(line) as { id: string }).id;
    expect(msg).toContain(`1 id(s) recorded more than once: ${id(copied)} (${dirs[0]}, ${dirs[1]})`);
    expect(msg).toContain(`${id(copied)} (in ${dirs[1]}; belongs to ${dirs[0]})`);
    expect(msg).toContain(`${id(lost!)} (belongs to ${dirs[1]})`);
  }, 120_000);

  it('a shard folder is not resumed as a whole run: one line saying to run the shard again', async () => {
    const err = await runAndReport({ resume: join(out, 'shard-0'), progress: false }).catch((e: unknown) => e);
    expect(isWrpError(err, 'WRP_USAGE')).toBe(true);
    expect((err as Error).message).toMatch(
      /shard-0 is one shard of a schedule \(shard\.json\); a shard is not resumed/,
    );
  });
});
