/**
 * Signals, end to end with child processes: `wrp run` against a pool served by another
 * process (`wrp pool serve`, whose /metrics count every request it finished or saw
 * aborted: an accounting independent of wrp's own), stopped by SIGINT or SIGTERM.
 * - The first signal stops sending; requests in flight finish within grace_s; the summary is
 *   written; the `--resume` command is printed; wrp exits 130 (SIGINT). Every request the
 *   pool saw has exactly one record. `--resume` then continues from the point of the stop.
 * - A second signal cancels what is in flight at once: each is still recorded, as cancelled.
 * - A signal before anything was sent (the pool slow to answer /v1/models): exit 143
 *   (SIGTERM), one line, no run folder.
 * - `--workers 2` and Ctrl-C as a terminal sends it (to the whole process group): the workers
 *   leave the decision to the parent, which stops them over IPC; the merged run has every
 *   request once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestResult } from '../harness/types.ts';

const ROOT = resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'wrp-signals-'));
const children: ChildProcess[] = [];
let slow: Server | undefined;
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  slow?.close();
  rmSync(tmp, { recursive: true, force: true });
});

interface Proc {
  child: ChildProcess;
  out: () => string;
  done: Promise<{ code: number | null; out: string }>;
}

function start(args: string[], group = false): Proc {
  const child = spawn(process.execPath, [join(ROOT, 'bin/wrp.js'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that a signal can go to it and its workers at once (as Ctrl-C does).
    detached: group,
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; out: string }>((res) =>
    child.on('close', (code) => res({ code, out })),
  );
  return { child, out: () => out, done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lines = (file: string) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .slice(0, -1)
        .filter((l) => l.trim() !== '')
    : [];
const records = (dir: string) => lines(join(dir, 'requests.jsonl')).map((l) => JSON.parse(l) as RequestResult);

let poolUrl = '';

/** Requests the pool finished or saw aborted (vllm:request_success_total over every finished_reason). */
async function poolSaw(): Promise<number> {
  const text = await (await fetch(`${poolUrl}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^vllm:request_success_total\{[^}]*\} (\d+)/gm)) n += Number(m[1]);
  return n;
}

/** Waits until the pool's count stops moving (aborts are counted when the socket closes). */
async function settledPoolCount(): Promise<number> {
  let last = -1;
  for (let i = 0; i < 40; i++) {
    const n = await poolSaw();
    if (n === last) return n;
    last = n;
    await sleep(150);
  }
  return last;
}

function experiment(name: string, url: string, graceS: number): string {
  const file = join(tmp, `${name}.yaml`);
  writeFileSync(
    file,
    `
name: ${name}
seed: 3
pools:
  - { name: live, model: llama-3.2-1b, endpoint: "${url}", pricing: { input_per_1m: 0.1, output_per_1m: 0.1 } }
workload:
  sources: [{ type: synthetic, archetypes: { chat: 1, agent: 1 }, output_scale: 0.6 }]
  arrival: { type: constant, rate: 15 }
router: { type: round_robin }
client: { label_headers: always }
stop: { requests: 5000, grace_s: ${graceS} }
telemetry: { interval_ms: 500 }
`,
  );
  return file;
}

/** Records so far: the run's file, or its workers' files while they run. */
function recordedSoFar(dir: string): number {
  const workers = join(dir, 'workers');
  if (!existsSync(workers)) return lines(join(dir, 'requests.jsonl')).length;
  return readdirSync(workers).reduce((n, w) => n + lines(join(workers, w, 'requests.jsonl')).length, 0);
}

/** Starts `wrp run`, waits for `min` records, then sends the signals (ms apart; to its process group with `workers`). */
async function runAndSignal(
  file: string,
  name: string,
  min: number,
  signals: NodeJS.Signals[],
  workers?: number,
): Promise<{ code: number | null; out: string; dir: string }> {
  const out = join(tmp, 'results');
  const extra = workers === undefined ? [] : ['--workers', String(workers)];
  const p = start(['run', file, '--out', out, '--no-progress', ...extra], workers !== undefined);
  let dir = '';
  for (let i = 0; i < 600 && !dir; i++) {
    await sleep(100);
    const root = join(out, name);
    const ids = existsSync(root) ? readdirSync(root) : [];
    if (ids.length === 1 && recordedSoFar(join(root, ids[0]!)) >= min) dir = join(root, ids[0]!);
  }
  expect(dir, `no records appeared:\n${p.out()}`).not.toBe('');
  for (const [i, s] of signals.entries()) {
    if (i > 0) await sleep(150);
    if (workers === undefined) p.child.kill(s);
    else process.kill(-p.child.pid!, s);
  }
  return { ...(await p.done), dir };
}

beforeAll(async () => {
  const pool = start(['pool', 'serve', '--model', 'llama-3.2-1b', '--port', '0']);
  for (let i = 0; i < 300 && !poolUrl; i++) {
    await sleep(100);
    poolUrl = /^(http:\/\/127\.0\.0\.1:\d+)$/m.exec(pool.out())?.[1] ?? '';
  }
  expect(poolUrl, pool.out()).not.toBe('');
}, 60_000);

describe('signals', () => {
  it('first SIGINT: stops sending, in-flight requests finish, summary, the --resume command, exit 130; resume continues', async () => {
    const before = await settledPoolCount();
    const file = experiment('sigint', poolUrl, 60);
    const r = await runAndSignal(file, 'sigint', 20, ['SIGINT']);
    expect(r.code, r.out).toBe(130);
    expect(r.out).toMatch(/wrp: SIGINT: no new requests are sent; those in flight get up to 60 s/);
    expect(r.out).toContain(`continue the run with: wrp run --resume ${r.dir}`);
    const recs = records(r.dir);
    const summary = JSON.parse(readFileSync(join(r.dir, 'summary.json'), 'utf8'));
    expect(summary.stop).toEqual({ kind: 'signal', signal: 'SIGINT' });
    expect(summary.sent).toBe(recs.length);
    expect(summary.cancelled).toBe(0); // the grace period was long enough for every request in flight
    expect(new Set(recs.map((x) => x.id)).size).toBe(recs.length);
    expect((await settledPoolCount()) - before).toBe(recs.length);

    // Resume: 25 more requests, from the point of the stop, nothing sent twice.
    const n = recs.length;
    const resumed = await start(['run', '--resume', r.dir, '--requests', String(n + 25), '--no-progress']).done;
    expect(resumed.code, resumed.out).toBe(0);
    const all = records(r.dir);
    expect(all).toHaveLength(n + 25);
    expect(new Set(all.map((x) => x.id)).size).toBe(n + 25);
    const stopAt = Math.max(...recs.map((x) => x.timing.endMs!));
    for (const x of all.slice(n)) expect(x.timing.scheduledMs).toBeGreaterThanOrEqual(stopAt - 1e-6);
    expect((await settledPoolCount()) - before).toBe(n + 25);
  }, 120_000);

  it('a second signal cancels what is in flight at once, each still recorded once', async () => {
    const before = await settledPoolCount();
    const file = experiment('twice', poolUrl, 60);
    const r = await runAndSignal(file, 'twice', 20, ['SIGINT', 'SIGTERM']);
    expect(r.code, r.out).toBe(130); // the first signal names the stop
    expect(r.out).toMatch(/SIGTERM again: cancelling the requests in flight/);
    const recs = records(r.dir);
    const summary = JSON.parse(readFileSync(join(r.dir, 'summary.json'), 'utf8'));
    expect(summary.sent).toBe(recs.length);
    expect(summary.cancelled).toBeGreaterThan(0);
    expect(recs.filter((x) => x.status === 'cancelled').every((x) => x.errorClass === 'cancelled')).toBe(true);
    expect(new Set(recs.map((x) => x.id)).size).toBe(recs.length);
    // Cancelled before it left: recorded, but the pool never saw it.
    const neverLeft = recs.filter((x) => x.errorMessage === 'aborted by caller before send').length;
    expect((await settledPoolCount()) - before).toBe(recs.length - neverLeft);
  }, 120_000);

  it('--workers 2, Ctrl-C to the process group: the parent stops its workers, every request recorded once, exit 130', async () => {
    const before = await settledPoolCount();
    const file = experiment('workers', poolUrl, 60);
    const r = await runAndSignal(file, 'workers', 20, ['SIGINT'], 2);
    expect(r.code, r.out).toBe(130);
    expect(r.out).toContain(`continue the run with: wrp run --resume ${r.dir}`);
    expect(existsSync(join(r.dir, 'workers'))).toBe(false);
    const recs = records(r.dir);
    const summary = JSON.parse(readFileSync(join(r.dir, 'summary.json'), 'utf8'));
    expect(summary.stop).toEqual({ kind: 'signal', signal: 'SIGINT' });
    expect(summary.sent).toBe(recs.length);
    expect(summary.cancelled).toBe(0);
    expect(new Set(recs.map((x) => x.id)).size).toBe(recs.length);
    expect((await settledPoolCount()) - before).toBe(recs.length);
  }, 120_000);

  it('a signal before anything was sent: exit 143, one line, no run folder', async () => {
    // A pool that takes its time to list its models: the signal lands during preflight.
    slow = createServer((req, res) => {
      if (req.url === '/v1/models')
        return void setTimeout(
          () =>
            res
              .writeHead(200, { 'content-type': 'application/json' })
              .end(JSON.stringify({ object: 'list', data: [{ id: 'llama-3.2-1b', object: 'model' }] })),
          2500,
        );
      res.writeHead(404).end();
    });
    await new Promise<void>((ok) => slow!.listen(0, '127.0.0.1', ok));
    const file = experiment('early', `http://127.0.0.1:${(slow.address() as AddressInfo).port}`, 5);
    const out = join(tmp, 'early-results');
    const p = start(['run', file, '--out', out, '--no-progress']);
    await sleep(1500);
    p.child.kill('SIGTERM');
    const r = await p.done;
    expect(r.code, r.out).toBe(143);
    // The signal is acknowledged when it lands; the outcome is one line.
    const said = r.out
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('wrp:'));
    expect(said.at(-1)).toBe(
      'wrp: SIGTERM before any request was sent: nothing was recorded and no run folder is left',
    );
    expect(said).toHaveLength(2);
    expect(existsSync(join(out, 'early'))).toBe(false);
  }, 60_000);
});
