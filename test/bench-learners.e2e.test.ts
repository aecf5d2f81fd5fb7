/** `wrp bench-learners` as a user runs it: a real process, files on disk, one-line usage errors. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), 'wrp-bench-learners-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const wrp = (args: string[]) =>
  run('npx', ['tsx', 'scripts/wrp.ts', 'bench-learners', ...args], { cwd: join(import.meta.dirname, '..') }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

describe('wrp bench-learners', () => {
  it('runs scenarios over paired seeds and writes runs.jsonl and the leaderboard', async () => {
    const r = await wrp([
      'stationary',
      'outage',
      '--seeds',
      '3',
      '--requests',
      '120',
      '--learners',
      'static,random,beta_thompson',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const lines = readFileSync(join(out, 'runs.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2 * 3 * 3);
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({ scenario: 'stationary', learner: 'static', seed: 1, requests: 120 });
    expect(existsSync(join(out, 'leaderboard.json'))).toBe(true);
    const md = readFileSync(join(out, 'leaderboard.md'), 'utf8');
    expect(md).toMatch(/### stationary\n\n3 paired seeds/);
    expect(r.stdout).toContain('## Leaderboard');
    expect(r.stderr).toMatch(/stationary: 9 runs in/);

    // The same leaderboard rebuilt from runs.jsonl alone (the header line aside).
    const again = await wrp(['--from', join(out, 'runs.jsonl'), '--out', join(out, 'again')]);
    expect(again.code).toBe(0);
    const tables = (text: string) => text.slice(text.indexOf('## Leaderboard'));
    expect(tables(readFileSync(join(out, 'again', 'leaderboard.md'), 'utf8'))).toBe(tables(md));
  }, 120_000);

  it('refuses an unknown scenario and too few seeds in one line (exit 2)', async () => {
    const a = await wrp(['no-such-scenario', '--out', out]);
    expect(a.code).toBe(2);
    expect(
      a.stderr
        .trim()
        .split('\n')
        .filter((l) => !l.includes('npm warn')),
    ).toEqual([expect.stringMatching(/^wrp: scenario "no-such-scenario": no such file, and not one of .*stationary/)]);
    const b = await wrp(['stationary', '--seeds', '1', '--out', out]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--seeds: expected an integer >= 2/);
  }, 60_000);
});
