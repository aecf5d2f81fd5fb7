/**
 * Scale-out of the load generator (issue 17), against a local no-op vLLM-style endpoint in
 * its own process (bench/noop-sse-server.ts, 16 tokens an answer), every run through the
 * compiled CLI in its own process, with the LinUCB router, records and evaluator:
 * - throughput: closed loop at `concurrency` streams for `seconds`, `wrp run` vs
 *   `wrp run --workers 2`, with a static router (the load generator alone) and with LinUCB
 *   (a learning router: its central policy syncs updates across the workers), rounds
 *   alternating the order: streamed requests/s, the ratio (goal >= 1.6x) and each run's
 *   send-lag p99 (from the summary: HDR histograms over every record of the merged file). Each
 *   round first measures the floor: what 2 CPU-bound processes gain over 1 on this machine
 *   then. Also open loop at `openRate`/s: send-lag p99 per worker count.
 * - shards: the same schedule (stop.requests, open loop) as 3 shards from a common start,
 *   merged with `wrp merge`, and as 1 shard: identical ids and counts.
 */
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../datasets/paths.ts';
import type { RunSummary } from '../harness/runner/summary.ts';
import { cpuFloor } from './scale-sweep.ts';
import { median, NOOP_ROUTERS, noopExperiment, type NoopRouter } from './noop-experiment.ts';

const env = (k: string, d: number) => Number(process.env[`WRP_BENCH_SCALE_${k}`] ?? d);
const load1 = () => Number(loadavg()[0]!.toFixed(2));

interface NoopChild {
  url: string;
  kill(): void;
}

async function noopServer(): Promise<NoopChild> {
  const child = fork(fileURLToPath(new URL('./noop-sse-server.ts', import.meta.url)), {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, WRP_NOOP_CHILD: '1', WRP_NOOP_TOKENS: '16' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { url } = await new Promise<{ url: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string }));
    child.once('exit', (code) => reject(new Error(`no-op server exited (code ${code}) before listening`)));
  });
  return { url, kill: () => child.kill() };
}

/** `wrp ARGS` through the compiled CLI; its combined output. */
function wrp(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'wrp.js'), ...args], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) =>
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`wrp ${args.join(' ')} exited ${code}: ${out.slice(-1500)}`)),
    ),
  );
}

const summaryOf = (runDir: string) => JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary;

/** One `wrp run` of `yaml` with `workers`; its summary. */
async function run(dir: string, yaml: string, workers: number): Promise<RunSummary & { load1: number }> {
  const file = join(dir, `exp-${workers}-${Math.random().toString(16).slice(2, 8)}.yaml`);
  writeFileSync(file, yaml);
  const before = load1();
  const out = await wrp(['run', file, '--out', join(dir, 'results'), '--no-progress', '--workers', String(workers)]);
  const runDir = /^results: (\S+)$/m.exec(out)?.[1];
  if (!runDir) throw new Error(`wrp run: no results line in its output: ${out.slice(-500)}`);
  const s = summaryOf(resolve(PROJECT_ROOT, runDir));
  rmSync(resolve(PROJECT_ROOT, runDir), { recursive: true, force: true });
  return { ...s, load1: before };
}

const openView = (s: RunSummary & { load1: number }) => ({
  offeredPerS: s.load?.offeredPerS,
  achievedPerS: s.load?.achievedPerS,
  sendLagMs: s.load?.sendLagMs,
  load1: s.load1,
});
const perS = (s: RunSummary) => s.sent / (s.durationS ?? NaN);

export async function loadScaleBench() {
  const o = {
    concurrency: env('C', 64),
    seconds: env('S', 10),
    rounds: env('ROUNDS', 2),
    openRate: env('OPEN_RATE', 2000),
    openSeconds: env('OPEN_S', 10),
    shardRequests: env('SHARD_REQUESTS', 3000),
  };
  const dir = mkdtempSync(join(tmpdir(), 'wrp-bench-scale-'));
  const server = await noopServer();
  try {
    const rounds: {
      router: NoopRouter;
      floor: number;
      one: RunSummary & { load1: number };
      two: RunSummary & { load1: number };
    }[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const floor = await cpuFloor();
      for (const router of Object.keys(NOOP_ROUTERS) as NoopRouter[]) {
        const closed = noopExperiment({
          name: 'scale',
          url: server.url,
          arrival: `{ type: concurrency, concurrency: ${o.concurrency} }`,
          stop: `{ duration_s: ${o.seconds} }`,
          router,
        });
        const got: Record<number, RunSummary & { load1: number }> = {};
        for (const w of r % 2 === 0 ? [1, 2] : [2, 1]) got[w] = await run(dir, closed, w);
        rounds.push({ router, floor, one: got[1]!, two: got[2]! });
      }
    }
    const open = noopExperiment({
      name: 'scale',
      url: server.url,
      arrival: `{ type: poisson, rate: ${o.openRate} }`,
      stop: `{ duration_s: ${o.openSeconds} }`,
    });
    const openRuns = { one: await run(dir, open, 1), two: await run(dir, open, 2) };
    const shards = await shardBench(dir, server.url, o.shardRequests);
    const ratio = (x: (typeof rounds)[number]) => perS(x.two) / perS(x.one);
    const medianOf = (router: NoopRouter) => median(rounds.filter((x) => x.router === router).map(ratio));
    return {
      settings: o,
      rounds: rounds.map((x) => ({
        router: x.router,
        floor: x.floor,
        reqPerS1: perS(x.one),
        reqPerS2: perS(x.two),
        ratio: ratio(x),
        sendLagP99Ms1: x.one.load?.sendLagMs.p99,
        sendLagP99Ms2: x.two.load?.sendLagMs.p99,
        errors: x.one.failed + x.two.failed,
        load1: [x.one.load1, x.two.load1],
      })),
      medianRatio: { static: medianOf('static'), linucb: medianOf('linucb') },
      open: { one: openView(openRuns.one), two: openView(openRuns.two) },
      shards,
    };
  } finally {
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 3 shards from a common start, merged, vs 1 shard of the same schedule: ids and counts. */
async function shardBench(dir: string, url: string, requests: number) {
  const yaml = noopExperiment({
    name: 'scale',
    url,
    arrival: '{ type: poisson, rate: 1000 }',
    stop: `{ requests: ${requests} }`,
  });
  const file = join(dir, 'shards.yaml');
  writeFileSync(file, yaml);
  const start = Date.now() + 3000;
  await Promise.all(
    [0, 1, 2].map((i) =>
      wrp([
        'run',
        file,
        '--shard',
        `${i}/3`,
        '--start-at',
        String(start),
        '--out',
        join(dir, `s${i}`),
        '--no-progress',
      ]),
    ),
  );
  const t0 = performance.now();
  await wrp(['merge', ...[0, 1, 2].map((i) => join(dir, `s${i}`)), '--out', join(dir, 'merged')]);
  const mergeS = (performance.now() - t0) / 1000;
  await wrp(['run', file, '--shard', '0/1', '--out', join(dir, 'one'), '--no-progress']);
  const ids = (d: string) =>
    readFileSync(join(d, 'requests.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id)
      .sort();
  const [merged, one] = [ids(join(dir, 'merged')), ids(join(dir, 'one'))];
  const [sm, so] = [summaryOf(join(dir, 'merged')), summaryOf(join(dir, 'one'))];
  return {
    requests,
    mergedIds: merged.length,
    oneShardIds: one.length,
    identicalIds: merged.length === one.length && merged.every((id, i) => id === one[i]),
    counts: { merged: [sm.sent, sm.ok, sm.failed, sm.cancelled], one: [so.sent, so.ok, so.failed, so.cancelled] },
    identicalCounts:
      [sm.sent, sm.ok, sm.failed, sm.cancelled].join() === [so.sent, so.ok, so.failed, so.cancelled].join(),
    mergeS,
  };
}
