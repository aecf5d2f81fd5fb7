/**
 * `wrp run --workers 2` (issue 17): one run folder with one requests.jsonl holding exactly the
 * ids of a one-process run of the same schedule (--shard 0/1), every record once, the worker
 * folders gone; a learning router is one policy in the parent that saw every update once.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../datasets/paths.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { parseExperiment } from '../harness/runner/config.ts';
import { runExperiment } from '../harness/runner/runner.ts';
import { runWithWorkers } from '../harness/scale/run-workers.ts';
import { checkpointable } from '../learners/checkpointed.ts';
import { POLICY_FACTORIES } from '../learners/policy-factories.ts';

const out = mkdtempSync(join(tmpdir(), 'wrp-workers-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const RUN_WORKER = fileURLToPath(new URL('../scripts/run-worker.ts', import.meta.url));

const config = (router: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  parseExperiment(
    {
      name: 'workers',
      seed: 11,
      pools: [
        {
          name: 'small',
          model: 'llama-3.2-1b',
          sim: { model: 'llama-3.2-1b', gpu: 'L4' },
          pricing: { input_per_1m: 0.05, output_per_1m: 0.1 },
          energy: 'sim',
        },
        {
          name: 'big',
          model: 'qwen3-8b',
          sim: { model: 'qwen3-8b' },
          pricing: { input_per_1m: 0.2, output_per_1m: 0.4 },
          energy: 'sim',
        },
      ],
      workload: {
        sources: [{ type: 'synthetic', archetypes: { reasoning: 2, agent: 1 }, output_scale: 0.05 }],
        arrival: { type: 'poisson', rate: 60 },
      },
      router,
      stop: { requests: 80 },
      telemetry: { interval_ms: 200 },
      ...extra,
    },
    join(out, 'workers.yaml'),
  );

const options = (router: Record<string, unknown>, root: string, extra: Record<string, unknown> = {}) => ({
  config: config(router, extra),
  configFile: join(out, 'workers.yaml'),
  policies: checkpointable(POLICY_FACTORIES),
  outRoot: join(out, root),
  progress: false,
  log: () => {},
});

const records = (dir: string) =>
  readFileSync(join(dir, 'requests.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; reward?: number; energyJ?: number });

describe('wrp run --workers', () => {
  it('sends the schedule of one process from 2 workers into one requests.jsonl, every id once', async () => {
    const router = { type: 'static', map: { math: 'big' }, default: 'small' };
    const two = await runWithWorkers(options(router, 'two'), { count: 2, module: RUN_WORKER });
    const one = await runExperiment({
      ...options(router, 'one'),
      shard: { shard: { index: 0, count: 1 }, dir: join(out, 'one-shard') },
    });
    const ids = (dir: string) =>
      records(dir)
        .map((r) => r.id)
        .sort();
    expect(ids(two.runDir)).toEqual(ids(one.runDir));
    expect(new Set(ids(two.runDir)).size).toBe(80);
    expect([two.summary.sent, two.summary.ok]).toEqual([one.summary.sent, one.summary.ok]);
    expect(existsSync(join(two.runDir, 'workers'))).toBe(false);
    // Energy attributed from the parent's telemetry over every worker's requests.
    expect(records(two.runDir).some((r) => (r.energyJ ?? 0) > 0)).toBe(true);
    expect(two.summary.notes?.join('\n')).toMatch(/2 worker processes/);
  }, 120_000);

  it('a learning router is one policy in the parent: every update applied once, saved at the end (each worker warmed up first)', async () => {
    const run = await runWithWorkers(options({ type: 'linucb' }, 'learn', { warmup: { requests: 4 } }), {
      count: 2,
      module: RUN_WORKER,
      syncMs: 100,
    });
    const rewarded = records(run.runDir).filter((r) => r.reward !== undefined).length;
    const checkpoint = JSON.parse(readFileSync(join(run.runDir, 'checkpoint.json'), 'utf8')) as {
      updates: number;
      policy: string;
    };
    expect(checkpoint).toMatchObject({ policy: 'linucb', updates: rewarded });
    expect(run.summary.notes?.join('\n')).toMatch(
      new RegExp(`router linucb: one policy in the parent, ${rewarded} updates applied`),
    );
    // Each worker's warm-up, kept once in the run folder, none of it in the records or the policy.
    const warm = readFileSync(join(run.runDir, 'warmup.jsonl'), 'utf8').trim().split('\n');
    expect(warm).toHaveLength(8);
    expect(run.summary.notes?.join('\n')).toMatch(/warm-up: 8 request\(s\) over 2 workers/);
  }, 120_000);

  it('through the compiled CLI, workers are the CLI itself (wrp __worker <role>)', () => {
    const dir = join(out, 'cli');
    const r = spawnSync(
      process.execPath,
      [
        join(PROJECT_ROOT, 'bin/wrp.js'),
        'bench-learners',
        'stationary',
        '--seeds',
        '2',
        '--requests',
        '60',
        '--learners',
        'random,static',
        '--workers',
        '2',
        '--out',
        dir,
      ],
      { cwd: PROJECT_ROOT, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'runs.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);
    const bad = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/wrp.js'), '__worker', 'nope'], {
      encoding: 'utf8',
    });
    expect([bad.status, bad.stderr.trim()]).toEqual([
      2,
      'wrp: __worker: expected one of bench-learners, run, got "nope"',
    ]);
  }, 120_000);
});
