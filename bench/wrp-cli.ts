/**
 * The wrp CLI as the load-generator benchmark runs it: in a child process (the compiled CLI or
 * the TypeScript through tsx), its peak RSS and wall time, and what a run folder says before
 * it is deleted.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUN_NODE_FLAGS } from '../bin/relaunch.js';
import { newHistogram, percentileMs, recordMs } from '../harness/histogram.ts';
import { scanRequests } from '../harness/runner/results-reader.ts';
import type { RunSummary } from '../harness/runner/summary.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const load1 = () => Number(loadavg()[0]!.toFixed(2));

export interface CliRun {
  code: number | null;
  wallS: number;
  maxRssKiB: number;
  out: string;
  load1: number;
}

const RSS_HOOK = `data:text/javascript,process.on("exit",()=>process.stderr.write("WRP_MAXRSS_KIB="+process.resourceUsage().maxRSS+"\\n"))`;

/** `wrp ARGS` in a child: the compiled CLI (bin/wrp.js), or the TypeScript through tsx. */
export function wrp(args: string[], via: 'compiled' | 'tsx'): Promise<CliRun> {
  // bin/wrp.js runs `run` in a child with its own node flags (bin/relaunch.js); the sources
  // through tsx get the same flags, so the two differ only in being compiled.
  const entry =
    via === 'compiled'
      ? [join(ROOT, 'bin', 'wrp.js')]
      : [...RUN_NODE_FLAGS, '--import', 'tsx', join(ROOT, 'scripts', 'wrp.ts')];
  const before = load1();
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', RSS_HOOK, ...entry, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      // Every process that ran prints its own (bin/wrp.js and the run process it started): the largest.
      const rss = [...out.matchAll(/WRP_MAXRSS_KIB=(\d+)/g)].map((m) => Number(m[1]));
      const maxRssKiB = rss.length > 0 ? Math.max(...rss) : NaN;
      resolve({ code, wallS: (performance.now() - t0) / 1000, maxRssKiB, out, load1: before });
    }),
  );
}

/** Runs an experiment through the CLI; its summary (and `inspect`'s answer, read from the run folder before it goes). */
export async function wrpRun<T = undefined>(
  dir: string,
  yaml: string,
  via: 'compiled' | 'tsx',
  inspect?: (runDir: string) => Promise<T>,
) {
  const file = join(dir, `${via}-${Math.random().toString(16).slice(2, 8)}.yaml`);
  writeFileSync(file, yaml);
  const out = join(dir, 'results');
  const r = await wrp(['run', file, '--out', out, '--no-progress'], via);
  if (r.code !== 0) throw new Error(`wrp run (${via}) exited ${r.code}: ${r.out.slice(-2000)}`);
  const runDir = /-> (\S+)/.exec(r.out)?.[1];
  if (runDir === undefined) throw new Error(`wrp run (${via}): no run directory in its log: ${r.out.slice(-500)}`);
  const summary = JSON.parse(readFileSync(resolve(ROOT, runDir, 'summary.json'), 'utf8')) as RunSummary;
  const inspected = await inspect?.(resolve(ROOT, runDir));
  rmSync(resolve(ROOT, runDir), { recursive: true, force: true });
  return { summary, cli: r, inspected };
}

/** Send-lag p50/p99 of a run's records scheduled at least `fromMs` into the run, streamed from requests.jsonl. */
export async function lagAfter(runDir: string, fromMs: number): Promise<{ p50: number | null; p99: number | null }> {
  const h = newHistogram();
  try {
    await scanRequests(join(runDir, 'requests.jsonl'), (r) => {
      if (r.timing.scheduledMs >= fromMs) recordMs(h, r.timing.sendLagMs);
    });
    return { p50: percentileMs(h, 50), p99: percentileMs(h, 99) };
  } finally {
    h.destroy();
  }
}
