/**
 * Memory that does not grow with the run: a run directory holding a few hundred thousand
 * synthetic records (tools/synthetic-run.ts; about 300 MB of requests.jsonl) goes through `wrp report` and
 * `wrp run --resume` in child processes whose JavaScript heap is capped far below what
 * holding the records would take (about 14 KB of heap per parsed record: 300k records
 * need several GB). Both must finish, count every record, and resume must send only the
 * requests that have no record.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSyntheticRun } from '../tools/synthetic-run.ts';

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
  - { name: b, model: llama-3.2-1b-b, sim: { model: llama-3.2-1b }, pricing: { input_per_1m: 0.2, output_per_1m: 0.2 }, energy: sim }
workload:
  sources: [{ type: synthetic, archetypes: { reasoning: 1 }, output_scale: 0.01 }]
  arrival: { type: constant, rate: 1000 }
router: { type: static, default: a }
stop: { requests: ${RECORDS}, grace_s: 30 }
`;

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
    writeSyntheticRun(dir, { records: RECORDS, experiment: EXPERIMENT });
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
