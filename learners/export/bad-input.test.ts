import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseCascadePolicy } from '../rl/response-cascade.ts';
import type { PolicyFile } from '../types.ts';
import { ExportError, exportPolicy } from './export.ts';
import { tempDir, trainRegistry, writeExperiment, writePolicy } from './testing.ts';
import { ConfigError } from '../../core/errors.ts';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
let dir: string;
let experiment: string;
let policy: string;
let file: PolicyFile;
beforeAll(() => {
  dir = tempDir();
  experiment = writeExperiment(dir);
  file = trainRegistry('beta_thompson').save();
  policy = writePolicy(dir, file, 'beta');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const out = (name: string) => join(dir, name);
/** Nothing left behind: no out folder, no temporary sibling. */
function nothingWritten(name: string): void {
  expect(existsSync(out(name))).toBe(false);
  expect(readdirSync(dir).filter((f) => f.includes(`${name}.tmp-`))).toEqual([]);
}

describe('wrp export refuses bad input clearly and writes nothing half-way', () => {
  it('a policy file of an unknown version', async () => {
    const p = writePolicy(dir, { ...file, version: 9 } as unknown as PolicyFile, 'v9');
    await expect(exportPolicy({ policy: p, experiment, out: out('o-v9') })).rejects.toThrow(
      /policy\.json: version: this wrp reads policy files of versions 1 to 2, got 9/,
    );
    nothingWritten('o-v9');
  });

  it('an unknown learner and the oracle', async () => {
    const p = writePolicy(dir, { ...file, learner: 'magic' }, 'magic');
    await expect(exportPolicy({ policy: p, experiment, out: out('o-magic') })).rejects.toThrow(
      /learner: export supports .*got "magic"/,
    );
    const o = writePolicy(
      dir,
      { ...file, learner: 'oracle', hyperparameters: {}, parameters: { models: {} } },
      'oracle',
    );
    await expect(exportPolicy({ policy: o, experiment, out: out('o-oracle') })).rejects.toThrow(
      /oracle .*cannot be exported/,
    );
    nothingWritten('o-magic');
  });

  it('a response-aware cascade, whose scorer reads answers the router cannot pass to it', async () => {
    const levels = file.actions.slice(0, 2).map((a, i) => ({ ...a, costPerCall: i + 1 }));
    const rc = writePolicy(dir, new ResponseCascadePolicy({ levels, categories: ['math'] }).save(), 'rc');
    await expect(exportPolicy({ policy: rc, experiment, out: out('o-rc') })).rejects.toThrow(
      /response_cascade reads the weak model's answer/,
    );
    nothingWritten('o-rc');
  });

  it('pools the policy routes to that the experiment lacks', async () => {
    mkdirSync(out('two-pools'));
    const exp = writeExperiment(out('two-pools'), { pools: ['small', 'medium'] });
    const err = await exportPolicy({ policy, experiment: exp, out: out('o-pools') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(
      /experiment\.yaml: pools: the policy routes to "large", which this experiment does not define \(it has small, medium\)/,
    );
    nothingWritten('o-pools');
  });

  it('pools without pricing', async () => {
    mkdirSync(out('no-price'));
    const exp = writeExperiment(out('no-price'), { pricing: false });
    await expect(exportPolicy({ policy, experiment: exp, out: out('o-price') })).rejects.toThrow(/pools\[0\]\.pricing/);
    nothingWritten('o-price');
  });

  it('an out folder with a previous export: refused without --force, replaced with it', async () => {
    const o = out('o-prev');
    await exportPolicy({ policy, experiment, out: o });
    const before = readFileSync(join(o, 'manifest.json'), 'utf8');
    await expect(exportPolicy({ policy, experiment, out: o })).rejects.toThrow(ExportError);
    await expect(exportPolicy({ policy, experiment, out: o })).rejects.toThrow(
      /holds a previous export; pass --force to replace it/,
    );
    expect(readFileSync(join(o, 'manifest.json'), 'utf8')).toBe(before);
    const other = writePolicy(dir, trainRegistry('ucb1').save(), 'ucb1');
    await exportPolicy({ policy: other, experiment, out: o, force: true });
    expect(JSON.parse(readFileSync(join(o, 'manifest.json'), 'utf8')).policy.learner).toBe('ucb1');
    expect(readdirSync(dir).filter((f) => f.includes('o-prev.tmp-'))).toEqual([]);
  });

  it('a non-empty folder that is not an export is never touched, even with --force', async () => {
    const o = out('o-user');
    mkdirSync(o);
    writeFileSync(join(o, 'notes.txt'), 'mine');
    await expect(exportPolicy({ policy, experiment, out: o, force: true })).rejects.toThrow(
      /not empty and holds no wrp export/,
    );
    expect(readdirSync(o)).toEqual(['notes.txt']);
  });

  it('a failure after writing started (verification fails) leaves nothing behind', async () => {
    const lin = trainRegistry('linucb', { features: { categories: ['math'], text: false } }).save();
    // A weight float32 cannot hold: the ONNX scores overflow where the policy's do not.
    (lin.parameters as { arms: { theta: number[] }[] }).arms[0]!.theta[0] = 1e300;
    const p = writePolicy(dir, lin, 'huge');
    await expect(exportPolicy({ policy: p, experiment, out: out('o-huge'), verify: true })).rejects.toThrow(
      /verification failed \(nothing written\)/,
    );
    nothingWritten('o-huge');
  }, 60_000);

  it('the CLI: a usage error is one line and exit status 2; a good export prints the verification', () => {
    const wrp = (args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'bin/wrp.js'), 'export', ...args], { cwd: ROOT, encoding: 'utf8' });
    const bad = wrp(['--policy', policy, '--experiment', join(dir, 'missing.yaml'), '--out', out('o-cli-bad')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^wrp: .*missing\.yaml: cannot read/);
    const target = wrp(['--policy', policy, '--experiment', experiment, '--out', out('o-cli'), '--target', 'other']);
    expect(target.status).toBe(2);
    const ok = wrp(['--policy', policy, '--experiment', experiment, '--out', out('o-cli'), '--verify']);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/policy\.onnx vs scores\(\): 10000 contexts, argmax agreement 100\.00%/);
    expect(ok.stdout).toMatch(/config\.yaml re-validated: ok/);
  }, 60_000);
});
