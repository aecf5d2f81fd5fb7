/**
 * Bad input and secrets, end to end: an API key read through `api_key_env` (sent to a live
 * pool that echoes it back in its error bodies, and to a simulated pool) never appears in
 * any file of the run, the run log, `wrp report`'s output or a policy trained from the run;
 * dataset rows with missing or invalid fields are counted and reported in the run log, the
 * summary and run.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BASELINE_POLICIES } from '../harness/router/policies.ts';
import { parseExperiment } from '../harness/runner/config.ts';
import { reportRun } from '../harness/runner/report.ts';
import { readRunRecords } from '../harness/runner/results-reader.ts';
import { runExperiment } from '../harness/runner/runner.ts';

const ROOT = resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'wrp-secrets-'));
const KEY_ENV = 'WRP_TEST_SECRET_KEY';
const KEY = `sk-wrp-${Math.random().toString(36).slice(2)}-do-not-leak`;
process.env[KEY_ENV] = KEY;
let echo: Server | undefined;
afterAll(() => {
  delete process.env[KEY_ENV];
  echo?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Every regular file under `dir`. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const pricing = { input_per_1m: 0.1, output_per_1m: 0.1 };

describe('secrets and bad input', () => {
  it('an api_key_env key never reaches results, logs, reports or a trained policy', async () => {
    // A live "vLLM" that rejects every completion, quoting the Authorization header back.
    const seen: string[] = [];
    echo = createServer((req, res) => {
      seen.push(String(req.headers.authorization));
      if (req.url === '/v1/models')
        return void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ data: [{ id: 'echo' }] }));
      if (req.url === '/v1/chat/completions') {
        req.resume();
        return void res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: `rejected Authorization: ${req.headers.authorization}` } }));
      }
      res.writeHead(404).end(`no ${req.url} for ${req.headers.authorization}`);
    });
    await new Promise<void>((r) => echo!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;

    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    const config = parseExperiment(
      {
        name: 'secret',
        seed: 3,
        pools: [
          { name: 'live', model: 'echo', endpoint: url, api_key_env: KEY_ENV, pricing },
          {
            name: 'sim',
            model: 'llama-3.2-1b',
            sim: { model: 'llama-3.2-1b', faults: { http_500: 0.3 } },
            api_key_env: KEY_ENV,
            pricing,
            energy: 'sim',
          },
        ],
        workload: {
          sources: [{ type: 'synthetic', archetypes: { chat: 1 }, output_scale: 0.1 }],
          arrival: { type: 'constant', rate: 40 },
        },
        router: { type: 'random' },
        feedback: { reward: { quality: 1, missing_quality: 'zero' } },
        stop: { requests: 40 },
        telemetry: { interval_ms: 200 },
      },
      'secret.yaml',
    );
    const o = await runExperiment({
      config,
      configFile: join(tmp, 'secret.yaml'),
      policies: BASELINE_POLICIES,
      outRoot: join(tmp, 'results'),
      progress: false,
      log,
    });
    await reportRun(o.runDir, log);
    const policyDir = join(tmp, 'policy');
    const train = spawnSync(
      process.execPath,
      [join(ROOT, 'bin/wrp.js'), 'train', '--learner', 'linucb', '--data', o.runDir, '--out', policyDir],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(train.status, train.stderr).toBe(0);

    // The key did go out, and the server did echo it back.
    expect(seen.filter((h) => h === `Bearer ${KEY}`).length).toBeGreaterThan(0);
    const liveFailures = (await readRunRecords(o.runDir)).filter((r) => r.decision.pool === 'live');
    expect(liveFailures.length).toBeGreaterThan(0);
    expect(liveFailures.every((r) => r.errorClass === 'http_5xx' && r.errorMessage?.includes('Bearer ***'))).toBe(true);

    const outputs = [...files(o.runDir), ...files(policyDir)];
    expect(outputs.map((f) => f.split('/').pop()).sort()).toEqual(
      expect.arrayContaining([
        'requests.jsonl',
        'telemetry.jsonl',
        'summary.json',
        'summary.md',
        'config.resolved.yaml',
        'run.json',
        'policy.json',
      ]),
    );
    for (const f of outputs) expect(readFileSync(f, 'utf8').includes(KEY), f).toBe(false);
    const logs = [...lines, train.stdout, train.stderr].join('\n');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.includes(KEY)).toBe(false);
    expect(readFileSync(join(o.runDir, 'config.resolved.yaml'), 'utf8')).toContain(`api_key_env: ${KEY_ENV}`);
  }, 120_000);

  it('dataset rows with missing or invalid fields are counted and reported', async () => {
    const data = join(tmp, 'rows.jsonl');
    writeFileSync(
      data,
      [
        '{"prompt": "What is 2 + 2?", "reference": "4", "category": "math"}',
        '{"prompt": "Name a colour.", "category": "chitchat"}',
        '{"prompt": "Is water wet?"}',
        '{"prompt": "broken',
        '{"category": "math"}',
        '{"prompt": "Capital of France?", "answer_format": "essay"}',
        '',
      ].join('\n'),
    );
    const lines: string[] = [];
    const config = parseExperiment(
      {
        name: 'rows',
        seed: 1,
        pools: [{ name: 'sim', model: 'llama-3.2-1b', sim: { model: 'llama-3.2-1b' }, pricing }],
        workload: {
          sources: [{ type: 'jsonl', path: 'rows.jsonl', sample: 'with-replacement', max_tokens: 16 }],
          arrival: { type: 'constant', rate: 40 },
        },
        router: { type: 'random' },
        stop: { requests: 8 },
      },
      'rows.yaml',
    );
    const o = await runExperiment({
      config,
      configFile: join(tmp, 'rows.yaml'),
      policies: BASELINE_POLICIES,
      outRoot: join(tmp, 'results'),
      progress: false,
      log: (l) => lines.push(l),
    });
    const log = lines.join('\n');
    expect(log).toMatch(/4\/6 rows kept/);
    expect(log).toMatch(/invalid-json 1/);
    expect(log).toMatch(/missing-prompt 1/);
    expect(log).toMatch(/line 4: invalid-json/);
    expect(o.summary.notes?.join(' ')).toMatch(
      /dataset jsonl .*rows\.jsonl: 4\/6 rows kept; problems: .*invalid-json 1/,
    );
    const meta = JSON.parse(readFileSync(join(o.runDir, 'run.json'), 'utf8'));
    expect(meta.datasets[0]).toMatchObject({ loader: 'jsonl', rowsRead: 6, rowsKept: 4 });
    expect(o.summary.sent).toBe(8);
  }, 60_000);
});
