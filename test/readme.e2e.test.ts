/**
 * Every fenced shell example in the README runs, in order, at a small size (issue 14): a
 * newcomer who copies them meets no dead end. Each command goes through the real CLI
 * (bin/wrp.js) from a scratch folder that links the project's experiments/, so the paths
 * read as the README writes them. A command the rules below do not know fails the test: a
 * new README example must say here how it runs small, or why it does not run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { dataDir, PROJECT_ROOT } from '../datasets/paths.ts';
import { parseExperiment } from '../harness/runner/config.ts';
import { POLICY_FACTORIES } from '../learners/policy-factories.ts';

const WRP = join(PROJECT_ROOT, 'bin/wrp.js');
const cwd = mkdtempSync(join(tmpdir(), 'wrp-readme-'));
symlinkSync(join(PROJECT_ROOT, 'experiments'), join(cwd, 'experiments'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
const hasData = existsSync(dataDir());

interface Example {
  line: number;
  command: string;
}

/** The README's fenced sh blocks, one command per entry (continuations joined, comments and `&&` split). */
function examples(): Example[] {
  const text = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const out: Example[] = [];
  for (const m of text.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    const first = text.slice(0, m.index).split('\n').length + 1;
    const joined = m[1]!.replace(/\\\n\s*/g, ' ');
    joined.split('\n').forEach((raw, i) => {
      const line = raw
        .replace(/\s+#\s.*$/, '')
        .replace(/^#.*$/, '')
        .trim();
      for (const command of line.split('&&').map((c) => c.trim()))
        if (command !== '') out.push({ line: first + i, command });
    });
  }
  return out;
}

type Plan = { kind: 'skip'; why: string } | { kind: 'run'; args: string[] } | { kind: 'server'; args: string[] };

/** Splits a command line into words, honouring single and double quotes. */
const words = (command: string): string[] =>
  [...command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);

let quickstartRun: string | undefined;

/** How each README command runs here (small sizes), or why it does not. */
function plan(command: string): Plan {
  const w = words(command);
  if (command === 'npm ci') return { kind: 'skip', why: "CI's own install" };
  if (/^npm (test|run (test:fast|lint|format))$/.test(command)) return { kind: 'skip', why: 'the suite itself' };
  if (command === 'npm run bench')
    return { kind: 'skip', why: 'minutes long and rewrites bench/results.json (bench/run.ts --only, WRP_BENCH_*)' };
  if (command === 'npm start') return { kind: 'run', args: ['start', '--requests', '60'] };
  if (w[0] === 'docker' || w[0] === 'kubectl')
    return {
      kind: 'skip',
      why: 'a container daemon and a cluster (test/k8s-manifests.test.ts validates the manifests)',
    };
  if (w[0] === 'nvidia-smi' || command.includes('@tensorflow/tfjs-node-gpu'))
    return { kind: 'skip', why: 'a CUDA machine (the backend choice is tested: learners/rl/backend.test.ts)' };
  if (w[0] !== 'wrp') return { kind: 'skip', why: 'unknown' };
  if (/\brouter(dc|bench)\b/.test(command) && !hasData) return { kind: 'skip', why: 'no ../shared/data' };
  let args = w.slice(1).map((a) => a.replace('results/quickstart/<run-id>', quickstartRun ?? '<no run>'));
  // Small sizes: the virtual-time example's 20,000 requests take 1 s at 2,000.
  args = args.map((a, i) => (args[i - 1] === '--requests' ? String(Math.min(Number(a), 2000)) : a));
  if (args[0] === 'pool' && args[1] === 'serve' && !args.includes('--list-profiles')) return { kind: 'server', args };
  return { kind: 'run', args };
}

const cli = (args: string[]) =>
  spawnSync(process.execPath, [WRP, ...args], { cwd, encoding: 'utf8', env: { ...process.env, WRP_DEBUG: '' } });

/** Starts a long-running server command, waits for its URL, stops it with SIGINT. */
async function serveOnce(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [WRP, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let i = 0; i < 600 && !/http:\/\/\S+/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGINT');
  await exited;
  return out;
}

describe('the README experiment example', () => {
  it('parses as an experiment (every key it shows is a real one)', () => {
    const text = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => /^pools:/m.test(b));
    expect(blocks.length).toBeGreaterThan(0);
    for (const b of blocks) {
      const config = parseExperiment(parseYaml(b), 'README.md');
      // The router block too: a map or default naming a pool the example lacks fails here.
      const pools = config.pools.map((p) => p.name);
      expect(() =>
        POLICY_FACTORIES[config.router.type]!(config.router, { pools, seed: 1, file: 'README.md' }),
      ).not.toThrow();
    }
  });
});

describe('the README shell examples', () => {
  const all = examples();

  it('there are examples to run, and every one is known here', () => {
    expect(all.length).toBeGreaterThan(10);
    const unknown = all.filter((e) => {
      const p = plan(e.command);
      return p.kind === 'skip' && p.why === 'unknown';
    });
    expect(unknown.map((e) => `README.md:${e.line}: ${e.command}`)).toEqual([]);
  });

  for (const e of all) {
    it(`README.md:${e.line}: ${e.command.slice(0, 80)}`, async () => {
      const p = plan(e.command);
      if (p.kind === 'skip') return;
      if (p.kind === 'server') {
        const out = await serveOnce(p.args);
        expect(out, out).toMatch(/http:\/\/127\.0\.0\.1:\d+/);
        return;
      }
      const r = cli(p.args);
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      if (p.args[0] === 'start') {
        expect(r.stdout).toMatch(/router bundle: .*config\.yaml/);
        expect(r.stdout).toMatch(/^headline: /m);
        const runs = join(cwd, 'results/quickstart');
        quickstartRun = join('results/quickstart', readdirSync(runs).sort().at(-1)!);
      }
      if (p.args[0] === 'export') expect(r.stdout).toMatch(/deployed agreement .*: (99\.\d\d|100\.00)%/);
    }, 180_000);
  }
});
