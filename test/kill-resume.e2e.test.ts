/**
 * Crash safety: `wrp run` in a child process, killed with SIGKILL mid-run. requests.jsonl
 * must parse up to its last complete line (a torn tail is added on top of whatever the kill
 * left, to test its detection deterministically), `wrp report` must summarise the partial
 * run, and `wrp run --resume` must finish the run without sending a recorded id again,
 * restoring the learner from its checkpoint.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'wrp-kill-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

const TOTAL = 160;
const EXPERIMENT = `
name: killme
seed: 5
pools:
  - { name: a, model: llama-3.2-1b, sim: { model: llama-3.2-1b }, pricing: { input_per_1m: 0.1, output_per_1m: 0.1 }, energy: sim }
  - { name: b, model: llama-3.1-8b, sim: { model: llama-3.1-8b }, pricing: { input_per_1m: 0.3, output_per_1m: 0.3 }, energy: sim }
workload:
  sources: [{ type: synthetic, archetypes: { agent: 1 }, output_scale: 0.2 }]
  arrival: { type: constant, rate: 3 }
router: { type: linucb, alpha: 0.5, features: { text: false }, checkpoint_every: 10 }
feedback: { reward: { quality: 1, cost: 0.3, missing_quality: zero } }
stop: { requests: ${TOTAL}, grace_s: 30 }
telemetry: { interval_ms: 300 }
`;

/** `nodeFlags`: `--initial-heap-size=0` runs `wrp run` in the process started (see bin/relaunch.js), so a kill reaches the writer. */
function wrp(
  args: string[],
  nodeFlags: string[] = [],
): { child: ChildProcess; done: Promise<{ code: number | null; out: string }> } {
  const child = spawn(process.execPath, [...nodeFlags, join(ROOT, 'bin/wrp.js'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; out: string }>((res) =>
    child.on('close', (code) => res({ code, out })),
  );
  return { child, done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const completeLines = (file: string) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .slice(0, -1)
        .filter((l) => l.trim() !== '')
    : [];

/** The one run folder under `root` once its requests.jsonl holds `records` complete lines (2 minutes at most). */
async function runFolderWith(root: string, records: number): Promise<string> {
  for (let i = 0; i < 1200; i++) {
    await sleep(100);
    const ids = existsSync(root) ? readdirSync(root) : [];
    if (ids.length === 1 && completeLines(join(root, ids[0]!, 'requests.jsonl')).length >= records)
      return join(root, ids[0]!);
  }
  throw new Error(`no ${records} records appeared under ${root}`);
}

describe('kill -9, report, resume', () => {
  it('keeps a valid partial run that report summarises and --resume completes without re-sending ids', async () => {
    const exp = join(tmp, 'killme.yaml');
    writeFileSync(exp, EXPERIMENT);
    const out = join(tmp, 'results');
    // The process that writes the records is the one killed: no relaunch in between.
    const first = wrp(['run', exp, '--out', out, '--no-progress'], ['--initial-heap-size=0']);

    // Wait for records to be flushed while the run is still going, then kill it.
    const dir = await runFolderWith(join(out, 'killme'), 30);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.code).toBeNull(); // killed, not finished
    expect(existsSync(join(dir, 'summary.json'))).toBe(false);

    // Valid JSONL up to the last complete line; then a torn line as a kill mid-write leaves it.
    const file = join(dir, 'requests.jsonl');
    const before = completeLines(file).map((l) => JSON.parse(l) as { id: string });
    expect(before.length).toBeGreaterThanOrEqual(30);
    expect(before.length).toBeLessThan(TOTAL);
    appendFileSync(file, '{"id":"s99/0","runId":"torn","lab');

    const report = await wrp(['report', dir]).done;
    expect(report.code, report.out).toBe(0);
    expect(report.out).toMatch(/torn last line dropped \(\d+ bytes\)/);
    const partial = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(partial.sent).toBe(before.length);
    expect(partial.stoppedBy).toMatch(/interrupted/);
    expect(partial.notes.join(' ')).toMatch(/torn last line/);
    expect(existsSync(join(dir, 'checkpoint.json'))).toBe(true);

    const resumed = await wrp(['run', '--resume', dir, '--no-progress']).done;
    expect(resumed.code, resumed.out).toBe(0);
    expect(resumed.out).toMatch(/cut back to its last valid line/);
    expect(resumed.out).toMatch(/router linucb restored from checkpoint\.json \(\d+ updates/);
    const after = completeLines(file).map((l) => JSON.parse(l) as { id: string; runId: string });
    expect(after).toHaveLength(TOTAL);
    expect(new Set(after.map((r) => r.id)).size).toBe(TOTAL); // nothing sent twice
    expect(after.slice(0, before.length).map((r) => r.id)).toEqual(before.map((r) => r.id));
    expect(new Set(after.map((r) => r.runId))).toEqual(new Set([basename(dir)])); // the torn line is gone
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.sent).toBe(TOTAL);
    expect(summary.ok + summary.failed + summary.cancelled).toBe(TOTAL);
    expect(summary.stoppedBy).toBe('requests');
    expect(summary.notes.join(' ')).toMatch(/resumed 1 time\(s\)/);
    // Agent sessions cut by the kill carry on at their next turn with the recorded conversation.
    expect(Number(/(\d+) continued mid-conversation/.exec(summary.notes.join(' '))?.[1])).toBeGreaterThan(0);
    const meta = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    expect(meta.resumedAt).toHaveLength(1);
  }, 240_000);

  it('when the wrp process is killed, the run process it started stops as on SIGTERM and summarises every request', async () => {
    const exp = join(tmp, 'orphan.yaml');
    writeFileSync(exp, EXPERIMENT.replace('name: killme', 'name: orphan'));
    const out = join(tmp, 'results');
    const first = wrp(['run', exp, '--out', out, '--no-progress']);
    const dir = await runFolderWith(join(out, 'orphan'), 10);
    first.child.kill('SIGKILL'); // the relaunching process only: the run goes on in its child
    const killed = await first.done; // the output pipes close when the run process exits too
    expect(killed.code).toBeNull();
    expect(killed.out).toMatch(/SIGTERM: no new requests are sent/);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.stoppedBy).toMatch(/SIGTERM/);
    expect(summary.sent).toBeLessThan(TOTAL);
    const ids = completeLines(join(dir, 'requests.jsonl')).map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids).toHaveLength(summary.sent);
    expect(new Set(ids).size).toBe(ids.length);
  }, 120_000);
});
