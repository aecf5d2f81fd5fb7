import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ERROR_CODES, InputFileError, UsageError, WrpError } from '../core/errors.ts';
import { PROJECT_ROOT } from '../datasets/paths.ts';
import { debugRequested, describeFailure } from './failure.ts';

describe('describeFailure: the one place errors become output', () => {
  it('a user-fixable WrpError is one line and exit 2', () => {
    const f = describeFailure(new ConfigError('x.yaml', ['pools[0].sim.gpu: expected one of L4', 'seed: bad']), false);
    expect(f).toEqual({ text: 'wrp: x.yaml: pools[0].sim.gpu: expected one of L4; seed: bad', exit: 2 });
    expect(describeFailure(new InputFileError('runs/a', 'no requests.jsonl'), false).exit).toBe(2);
  });

  it('a runtime WrpError is one line and exit 1; a multi-line message is folded', () => {
    const f = describeFailure(new WrpError('WRP_RUN_FAILED', 'run: stopped by\n  max_error_rate'), false);
    expect(f).toEqual({ text: 'wrp: run: stopped by max_error_rate', exit: 1 });
  });

  it('a system error about a path or a port the user named is exit 2; others are internal errors, exit 1', () => {
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open 'x.jsonl'"), { code: 'ENOENT' });
    expect(describeFailure(enoent, false)).toEqual({ text: `wrp: ${enoent.message}`, exit: 2 });
    const bug = describeFailure(new TypeError("Cannot read properties of undefined (reading 'x')"), false);
    expect(bug.exit).toBe(1);
    expect(bug.text).toMatch(/^wrp: internal error: Cannot read .* \(run with --debug for the stack\)$/);
  });

  it('--debug adds the stack and the causes', () => {
    const e = new UsageError('--requests: expected a positive integer', { cause: new RangeError('inner') });
    const f = describeFailure(e, true);
    expect(f.text.split('\n')[0]).toBe('wrp: --requests: expected a positive integer');
    expect(f.text).toMatch(/at .*failure\.test\.ts/);
    expect(f.text).toMatch(/caused by:\nRangeError: inner/);
    expect(debugRequested(['node', 'wrp', 'run', '--debug'], {})).toBe(true);
    expect(debugRequested(['node', 'wrp'], { WRP_DEBUG: '1' })).toBe(true);
    expect(debugRequested(['node', 'wrp'], {})).toBe(false);
  });

  it('every code in the table has an exit status and a description', () => {
    for (const [code, v] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^WRP_[A-Z_]+$/);
      expect([1, 2]).toContain(v.exit);
      expect(v.what.length).toBeGreaterThan(10);
    }
  });
});

describe('the wrp command line', () => {
  const wrp = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/wrp.js'), ...args], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: { ...process.env, WRP_DEBUG: '', ...env },
    });

  it('an unknown flag, a bad value and a missing file are one line each, exit 2; --debug adds the stack', () => {
    const unknown = wrp(['train', '--learner', 'linucb', '--data', 'routerdc', '--out', '/tmp/x', '--bogus', '1']);
    expect([unknown.status, unknown.stderr.trim().split('\n').length]).toEqual([2, 1]);
    expect(unknown.stderr).toMatch(/^wrp: Unknown argument: bogus/);
    const learner = wrp(['train', '--learner', 'nope', '--data', 'routerdc', '--out', '/tmp/x']);
    expect([learner.status, learner.stderr.trim()]).toEqual([
      2,
      expect.stringMatching(/^wrp: --learner: expected one of .*got "nope"$/),
    ]);
    const missing = wrp(['report', '/no/such/run']);
    expect([missing.status, missing.stderr.trim()]).toEqual([
      2,
      'wrp: /no/such/run: no such folder (expected a run, training, evaluation, capacity or repeat folder)',
    ]);
    const debug = wrp(['report', '/no/such/run', '--debug']);
    expect(debug.status).toBe(2);
    expect(debug.stderr.split('\n').length).toBeGreaterThan(3);
    expect(debug.stderr).toMatch(/InputFileError: \/no\/such\/run/);
  }, 60_000);
});
