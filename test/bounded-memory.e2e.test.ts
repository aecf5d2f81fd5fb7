/**
 * Memory that does not grow with the run: a run directory holding a few hundred thousand
 * synthetic records (about 300 MB of requests.jsonl) goes through `wrp report` and
 * `wrp run --resume` in child processes whose JavaScript heap is capped far below what
 * holding the records would take (about 14 KB of heap per parsed record: 300k records
 * need several GB). Both must finish, count every record, and resume must send only the
 * requests that have no record.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'wrp-bounded-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RECORDS = 250_000;
const EXTRA = 20;
const HEAP_MB = 64;

const EXPERIMENT = `
name: bounded
seed: 3
pools:
  - { name: a, model: llama-3.2-1b, sim: { model: llama-3.2-1b }, pricing: { input_per_1m: 0.1, output_per_1m: 0.1 }, energy: sim }
workload:
  sources: [{ type: synthetic, archetypes: { reasoning: 1 }, output_scale: 0.01 }]
  arrival: { type: constant, rate: 1000 }
router: { type: static, default: a }
stop: { requests: ${RECORDS}, grace_s: 30 }
`;

/** One record of session i, shaped as the runner writes them (single-turn sessions, like the experiment's). */
function record(i: number, t0: number): string {
  const itl = Array.from({ length: 24 }, (_, k) => 9 + ((i * 7 + k * 13) % 17) / 10);
  return JSON.stringify({
    id: `s${i}/0`,
    runId: 'bounded-run',
    labels: {
      id: `s${i}/0`,
      source: 'synthetic',
      category: i % 3 === 0 ? 'math' : 'multiple-choice',
      archetype: 'reasoning',
      sessionId: `s${i}`,
      turn: 0,
      warm: false,
      lengthClass: 'decode-heavy',
      reference: 'B',
      answerFormat: 'letter',
    },
    stage: 0,
    stageLabel: 'constant 1000/s',
    features: { promptTokensEstimate: 60, textChars: 240, turn: 0, poolRunning: { a: 3 }, poolWaiting: { a: 0 } },
    text: `Question ${i}: which of the options below satisfies every constraint given in the statement? Think it through.`,
    answer: `Let us check each option in turn against the constraints. Option B satisfies all of them. The answer is B.`,
    decision: { pool: 'a', model: 'llama-3.2-1b', propensity: 1, policy: 'static' },
    status: i % 50 === 7 ? 'failed' : 'ok',
    requestId: `chatcmpl-${i.toString(16)}`,
    finishReason: 'stop',
    timing: {
      scheduledMs: i,
      sentMs: i + 0.2,
      sentEpochMs: t0 + i,
      sendLagMs: 0.2,
      ttftMs: 12 + (i % 11),
      tpotMs: 10,
      e2eMs: 260 + (i % 37),
      itlMs: itl,
    },
    tokens: { prompt: 60, output: 25, cached: 0, usageMissing: false },
    costUsd: 0.0000085,
    quality: i % 4 === 0 ? 0 : 1,
    evaluator: 'mc_letter',
    reward: 0.9,
    sloViolated: false,
  });
}

function writeRunDir(dir: string): void {
  writeFileSync(join(dir, 'config.resolved.yaml'), EXPERIMENT);
  const t0 = Date.now() - RECORDS - 60_000;
  const fd = openSync(join(dir, 'requests.jsonl'), 'w');
  let batch = '';
  for (let i = 0; i < RECORDS; i++) {
    batch += record(i, t0) + '\n';
    if (batch.length > 1 << 20) {
      writeSync(fd, batch);
      batch = '';
    }
  }
  writeSync(fd, batch);
  closeSync(fd);
  // Energy samples every second across the records' span: report attributes them.
  const tel: string[] = [];
  for (let s = 0; s * 1000 <= RECORDS + 2000; s++)
    tel.push(JSON.stringify({ kind: 'energy', pool: 'a', t_ms: t0 + s * 1000, energy_j: s * 350, power_w: 350 }));
  writeFileSync(join(dir, 'telemetry.jsonl'), tel.join('\n') + '\n');
}

function wrp(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, join(ROOT, 'bin/wrp.js'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((res) => child.on('close', (code) => res({ code, out: out.slice(-4000) })));
}

/** The last `n` lines of a file, read from its end. */
function tailLines(file: string, n: number): string[] {
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(Math.min(size, 64 * 1024));
  readSync(fd, buf, 0, buf.length, size - buf.length);
  closeSync(fd);
  return buf.toString('utf8').trimEnd().split('\n').slice(-n);
}

describe(`${RECORDS} records under --max-old-space-size=${HEAP_MB}`, () => {
  const dir = join(tmp, 'run');

  it('wrp report streams them: every record counted, energy attributed', async () => {
    mkdirSync(dir, { recursive: true });
    writeRunDir(dir);
    const r = await wrp(['report', dir]);
    expect(r.code, r.out).toBe(0);
    const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(s.sent).toBe(RECORDS);
    expect(s.failed).toBe(RECORDS / 50);
    expect(s.tables.overall[0].j_per_output_token).toBeGreaterThan(0);
  }, 300_000);

  it('wrp run --resume skips them and sends only what has no record', async () => {
    const r = await wrp(['run', '--resume', dir, '--requests', String(RECORDS + EXTRA), '--no-progress']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(new RegExp(`${RECORDS} requests already recorded`));
    const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(s.sent).toBe(RECORDS + EXTRA);
    const ids = tailLines(join(dir, 'requests.jsonl'), EXTRA).map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids.sort()).toEqual(Array.from({ length: EXTRA }, (_, k) => `s${RECORDS + k}/0`).sort());
  }, 300_000);
});
