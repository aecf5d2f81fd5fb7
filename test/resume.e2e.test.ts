/**
 * Resume and report in process (the kill -9 version is kill-resume.e2e.test.ts): a finished
 * run extended with a larger budget, open- and closed-loop, never re-sends a recorded id;
 * `wrp report` recomputes the summary a run wrote; `wrp run` exits with status 1 when
 * max_error_rate stops it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BASELINE_POLICIES } from '../harness/router/policies.ts';
import { parseExperiment, type ExperimentConfig } from '../harness/runner/config.ts';
import { reportRun } from '../harness/runner/report.ts';
import { readRunRecords } from '../harness/runner/results-reader.ts';
import { runExperiment } from '../harness/runner/runner.ts';
import type { RequestResult } from '../harness/types.ts';

const ROOT = resolve(import.meta.dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'wrp-resume-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const experiment = (arrival: Record<string, unknown>, requests: number): ExperimentConfig =>
  parseExperiment(
    {
      name: 'resume',
      seed: 4,
      pools: [
        {
          name: 'p',
          model: 'llama-3.2-1b',
          sim: { model: 'llama-3.2-1b' },
          pricing: { input_per_1m: 0.1, output_per_1m: 0.1 },
          energy: 'sim',
        },
      ],
      workload: { sources: [{ type: 'synthetic', archetypes: { agent: 1, chat: 1 }, output_scale: 0.1 }], arrival },
      router: { type: 'round_robin' },
      stop: { requests },
      telemetry: { interval_ms: 200 },
    },
    'resume.yaml',
  );

const run = (config: ExperimentConfig, resumeDir?: string, log: (l: string) => void = () => {}) =>
  runExperiment({
    config,
    configFile: join(out, 'resume.yaml'),
    policies: BASELINE_POLICIES,
    outRoot: out,
    progress: false,
    log,
    resumeDir,
  });

const ids = (dir: string) =>
  readFileSync(join(dir, 'requests.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as RequestResult).id);

describe('resume', () => {
  for (const [kind, arrival] of [
    ['open loop', { type: 'constant', rate: 20 }],
    ['closed loop', { type: 'concurrency', concurrency: 4 }],
  ] as const) {
    it(`extends a finished run without re-sending recorded ids (${kind})`, async () => {
      const first = await run(experiment(arrival, 30));
      const before = ids(first.runDir);
      expect(before).toHaveLength(30);
      const lines: string[] = [];
      const second = await run(experiment(arrival, 60), first.runDir, (l) => lines.push(l));
      const after = ids(first.runDir);
      expect(after).toHaveLength(60);
      expect(new Set(after).size).toBe(60);
      expect(after.slice(0, 30)).toEqual(before);
      expect(second.summary.sent).toBe(60);
      expect(second.runId).toBe(first.runId);
      expect(lines.join('\n')).toMatch(/30 requests already recorded/);
      // Records stay on one timeline: resumed sends come after the skipped schedule's start.
      const records = await readRunRecords(first.runDir);
      expect(
        records.slice(30).every((r) => r.timing.sentMs >= 0 && r.timing.sentEpochMs! > records[0]!.timing.sentEpochMs!),
      ).toBe(true);
    });
  }

  it('report recomputes the summary a finished run wrote', async () => {
    const o = await run(experiment({ type: 'constant', rate: 20 }, 20));
    const written = JSON.parse(readFileSync(join(o.runDir, 'summary.json'), 'utf8'));
    const again = await reportRun(o.runDir, () => {});
    expect(again.summary.tables).toEqual(written.tables);
    expect(again.summary.stoppedBy).toBe('requests');
    expect(JSON.parse(readFileSync(join(o.runDir, 'summary.json'), 'utf8')).tables).toEqual(written.tables);
  });

  it('wrp run exits with status 1 when max_error_rate stops the run', () => {
    const exp = join(out, 'failing.yaml');
    writeFileSync(
      exp,
      `
name: failing
pools: [{ name: p, model: llama-3.2-1b, sim: { model: llama-3.2-1b, faults: { http_500: 1 } }, pricing: { input_per_1m: 0, output_per_1m: 0 } }]
workload: { sources: [{ type: synthetic }], arrival: { type: constant, rate: 50 } }
router: { type: random }
stop: { requests: 500, max_error_rate: 0.5, min_requests_for_error_rate: 5 }
`,
    );
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'bin/wrp.js'), 'run', exp, '--out', join(out, 'cli'), '--no-progress'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^wrp: the run was stopped by max_error_rate \(\d+\/\d+ failed > 0\.5\)$/m);
    expect(r.stdout).toMatch(/results: /);
  }, 60_000);
});
