/**
 * `npm run bench -- --only loadgen`: whether the load generator keeps up (issue 11), each
 * figure a ratio to a reference measured in the same run, back to back, with the machine's
 * 1-minute load average next to it (the machine is shared).
 *
 * - Throughput, closed loop, one no-op vLLM-style SSE server (bench/noop-sse-server.ts) in
 *   its own process: autocannon (the reference), a bare undici dispatch loop (the floor of
 *   any undici client), wrp's client alone, and `wrp run` (records, evaluator, LinUCB, all
 *   on) through the compiled CLI and through tsx. Rounds alternate the order.
 * - Open loop: `wrp run` with Poisson arrivals at 2,000/s for 30 s vs a bare Node open-loop
 *   sender (bench/loadgen-driver.ts `open`): achieved vs offered rate, send-lag p99, stalls.
 *   Both send 3,000 warm-up requests before their clocks start (`warmup.requests`), and the lag
 *   of the sends due after the first second is also reported apart: a cold process's first
 *   sends are late for reasons that are not the sender's.
 * - `wrp report` on 1,000,000 synthetic records (tools/synthetic-run.ts, ~5 KB each as the
 *   issue's run) vs bare streaming JSONL readers (readline, and 1 MiB reads): time, peak RSS.
 * - One simulated pool process (bench/sim-capacity-server.ts): open-loop load of 16-token
 *   streams at rising rates; the highest at which frame lag p99 stays under one modelled step.
 *
 * Every load generator and server runs in its own process, compiled with esbuild (no tsx).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { DriverConfig, DriverResult } from './loadgen-driver.ts';
import type { RunSummary } from '../harness/runner/summary.ts';
import type { FrameLagStats } from '../harness/pool/sim/emission-lag.ts';
import { writeSyntheticRun } from '../tools/synthetic-run.ts';
import { median, noopExperiment } from './noop-experiment.ts';
import { lagAfter, load1, wrp, wrpRun } from './wrp-cli.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

export const LOADGEN_DEFAULTS = {
  concurrency: env('WRP_BENCH_LOADGEN_C', 64),
  seconds: env('WRP_BENCH_LOADGEN_S', 10),
  rounds: env('WRP_BENCH_LOADGEN_ROUNDS', 3),
  tokens: env('WRP_BENCH_LOADGEN_TOKENS', 16),
  openRate: env('WRP_BENCH_LOADGEN_OPEN_RATE', 2000),
  openSeconds: env('WRP_BENCH_LOADGEN_OPEN_S', 30),
  /** Open loop: sends due in the first second are a process's warm-up (JIT, first connections), also reported apart. */
  openWarmUpS: 1,
  /**
   * Open loop: requests both senders send before their clocks start (`warmup.requests`), 1.5 s
   * of the offered rate. At 300 the first second of `wrp run` still held 46-308 sends over
   * 3 ms late in 15 s probes (its code not yet optimised), enough to be a whole run's p99; at
   * 3,000 it held 7-9 (README, "Workload"), what the steady-state comparison needs.
   */
  openWarmUpRequests: env('WRP_BENCH_LOADGEN_OPEN_WARMUP', 3000),
  records: env('WRP_BENCH_LOADGEN_RECORDS', 1_000_000),
  simRates: (process.env.WRP_BENCH_LOADGEN_SIM_RATES ?? '50,100,250,500,1000,1500,2000').split(',').map(Number),
  simSeconds: env('WRP_BENCH_LOADGEN_SIM_S', 8),
};

/** The children, compiled once into dist/bench (inside the project: their packages resolve from node_modules). */
async function compileChildren(): Promise<Record<'driver' | 'noop' | 'sim', string>> {
  const out = join(ROOT, 'dist', 'bench');
  const files = { driver: 'loadgen-driver', noop: 'noop-sse-server', sim: 'sim-capacity-server' } as const;
  const paths = {} as Record<keyof typeof files, string>;
  for (const [k, name] of Object.entries(files) as [keyof typeof files, string][]) {
    paths[k] = join(out, `${name}.mjs`);
    await build({
      entryPoints: [join(ROOT, 'bench', `${name}.ts`)],
      outfile: paths[k],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
    });
  }
  return paths;
}

/** A child that reports `{ url }` first; `report()` asks for its figures and waits for its exit. */
async function server<T>(file: string, extraEnv: Record<string, string>) {
  const child = fork(file, { env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <M>() =>
    new Promise<M>((resolve, reject) => {
      child.once('message', (m) => resolve(m as M));
      child.once('exit', (code) => reject(new Error(`${file} exited (code ${code}) before answering`)));
    });
  const { url } = await next<{ url: string }>();
  return {
    url,
    report: async () => {
      child.send('report');
      return next<T>();
    },
    kill: () => child.kill(),
  };
}

async function drive(file: string, c: DriverConfig): Promise<DriverResult & { load1: number }> {
  const before = load1();
  const child: ChildProcess = fork(file, {
    env: { ...process.env, WRP_DRIVER: JSON.stringify(c) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const r = await new Promise<DriverResult>((resolve, reject) => {
    child.once('message', (m) => resolve(m as DriverResult));
    child.once('exit', (code) => reject(new Error(`loadgen driver ${c.mode} exited (code ${code}) without a result`)));
  });
  return { ...r, load1: before };
}

export interface ThroughputRound {
  autocannon: number;
  undiciFloor: number;
  /** undici, the body split into SSE events by eventsource-parser, the events unread (the floor of any client built on both). */
  eventsFloor: number;
  /** undici, every SSE event decoded and JSON.parse'd (the floor of reading each event). */
  parseFloor: number;
  client: number;
  wrpRun: number;
  wrpRunTsx: number;
  clientCpuUsPerRequest: number;
  undiciCpuUsPerRequest: number;
  eventsCpuUsPerRequest: number;
  parseCpuUsPerRequest: number;
  autocannonCpuUsPerRequest: number;
  /** 1-minute load average before each measurement. */
  load1: Record<string, number>;
  /** Failed requests over the round's measurements (expected 0). */
  errors: number;
}

/** Each driver of a throughput round: its mode, where its req/s and CPU per request go, its load label. */
const DRIVER_STEPS = [
  ['autocannon', 'autocannon', 'autocannonCpuUsPerRequest', 'autocannon'],
  ['undici', 'undiciFloor', 'undiciCpuUsPerRequest', 'undici'],
  ['undici-events', 'eventsFloor', 'eventsCpuUsPerRequest', 'events'],
  ['undici-sse', 'parseFloor', 'parseCpuUsPerRequest', 'parse'],
  ['client', 'client', 'clientCpuUsPerRequest', 'client'],
] as const satisfies readonly (readonly [DriverConfig['mode'], keyof ThroughputRound, keyof ThroughputRound, string])[];

async function throughputRound(
  paths: Record<'driver' | 'noop', string>,
  url: string,
  dir: string,
  order: number,
): Promise<ThroughputRound> {
  const o = LOADGEN_DEFAULTS;
  const base = { url, connections: o.concurrency, durationS: o.seconds, tokens: o.tokens, model: 'noop' };
  const closed = noopExperiment({
    name: 'loadgen-closed',
    url,
    arrival: `{ type: concurrency, concurrency: ${o.concurrency} }`,
    stop: `{ duration_s: ${o.seconds}, grace_s: 5 }`,
  });
  const steps: [string, () => Promise<void>][] = [];
  const r = { load1: {} as Record<string, number>, errors: 0 } as ThroughputRound;
  for (const [mode, perS, cpu, load] of DRIVER_STEPS)
    steps.push([
      mode,
      async () => {
        const d = await drive(paths.driver, { ...base, mode });
        [r[perS], r[cpu], r.load1[load]] = [d.perS, d.cpuUsPerRequest, d.load1];
        r.errors += d.errors;
      },
    ]);
  for (const via of ['compiled', 'tsx'] as const)
    steps.push([
      `wrp run ${via}`,
      async () => {
        const { summary, cli } = await wrpRun(dir, closed, via);
        const overall = summary.tables.overall![0]!;
        r[via === 'compiled' ? 'wrpRun' : 'wrpRunTsx'] = Number(overall.req_per_s);
        r.load1[`wrp ${via}`] = cli.load1;
        r.errors += summary.failed;
      },
    ]);
  for (const [, step] of order % 2 === 0 ? steps : [...steps].reverse()) await step();
  return r;
}

export interface LoadgenResult {
  settings: typeof LOADGEN_DEFAULTS;
  throughput: { rounds: ThroughputRound[]; medianRatios: Record<string, number> };
  openLoop: {
    bare: DriverResult & { load1: number };
    wrp: { summary: Pick<RunSummary, 'durationS' | 'sent' | 'stoppedBy' | 'load'>; wallS: number; load1: number };
    lagP99Ratio: number;
    /** wrp's send lag of the sends due after the warm-up (from its records). */
    lagAfterWarmUp: { p50: number | null; p99: number | null };
    lagP99RatioAfterWarmUp: number;
    achievedShare: number;
  };
  report: {
    records: number;
    fileBytes: number;
    readline: DriverResult & { load1: number };
    chunks: DriverResult & { load1: number };
    wrp: { wallS: number; maxRssKiB: number; load1: number; sent: number };
    timeRatio: number;
  };
  simCapacity: {
    rows: (FrameLagStats & { rate: number; completed: number; errors: number; load1: number })[];
    capacity: number;
    /** A bare timer at the modelled step's period in its own process: how late the scheduler alone makes it. */
    floor: DriverResult & { load1: number; periodMs: number };
  };
}

export async function loadgenBench(log: (line: string) => void = console.log): Promise<LoadgenResult> {
  const o = LOADGEN_DEFAULTS;
  const paths = await compileChildren();
  const dir = mkdtempSync(join(tmpdir(), 'wrp-loadgen-'));
  try {
    // Throughput and open loop share one no-op server.
    const noop = await server<{ requests: number }>(paths.noop, {
      WRP_NOOP_CHILD: '1',
      WRP_NOOP_TOKENS: String(o.tokens),
    });
    const rounds: ThroughputRound[] = [];
    let openLoop: LoadgenResult['openLoop'];
    try {
      for (let i = 0; i < o.rounds; i++) {
        log(`loadgen: throughput round ${i + 1}/${o.rounds} (load ${load1()})`);
        rounds.push(await throughputRound(paths, noop.url, dir, i));
      }
      log(`loadgen: open loop at ${o.openRate}/s for ${o.openSeconds} s (load ${load1()})`);
      const bare = await drive(paths.driver, {
        mode: 'open',
        url: noop.url,
        connections: 0,
        durationS: o.openSeconds,
        rate: o.openRate,
        warmUpMs: o.openWarmUpS * 1000,
        warmUpRequests: o.openWarmUpRequests,
        tokens: o.tokens,
        model: 'noop',
      });
      const open = noopExperiment({
        name: 'loadgen-open',
        url: noop.url,
        arrival: `{ type: poisson, rate: ${o.openRate} }`,
        stop: `{ duration_s: ${o.openSeconds}, grace_s: 10 }`,
        warmup: o.openWarmUpRequests,
      });
      const w = await wrpRun(dir, open, 'compiled', (runDir) => lagAfter(runDir, o.openWarmUpS * 1000));
      const wl = w.summary.load!;
      const warm = w.inspected!;
      openLoop = {
        bare,
        wrp: {
          summary: { durationS: w.summary.durationS, sent: w.summary.sent, stoppedBy: w.summary.stoppedBy, load: wl },
          wallS: w.cli.wallS,
          load1: w.cli.load1,
        },
        lagP99Ratio: (wl.sendLagMs.p99 ?? NaN) / (bare.lag?.p99 ?? NaN),
        lagAfterWarmUp: warm,
        lagP99RatioAfterWarmUp: (warm.p99 ?? NaN) / (bare.lagAfterWarmUp?.p99 ?? NaN),
        achievedShare: (wl.achievedPerS ?? NaN) / (wl.offeredPerS ?? NaN),
      };
    } finally {
      await noop.report().catch(() => undefined);
      noop.kill();
    }
    const ratio = (k: keyof ThroughputRound) => median(rounds.map((r) => Number(r[k]) / r.autocannon));
    const throughput = {
      rounds,
      medianRatios: {
        client: ratio('client'),
        wrpRun: ratio('wrpRun'),
        wrpRunTsx: ratio('wrpRunTsx'),
        undiciFloor: ratio('undiciFloor'),
        clientOverFloor: median(rounds.map((r) => r.client / r.undiciFloor)),
        eventsFloor: ratio('eventsFloor'),
        clientOverEventsFloor: median(rounds.map((r) => r.client / r.eventsFloor)),
        wrpRunOverClient: median(rounds.map((r) => r.wrpRun / r.client)),
        parseFloor: ratio('parseFloor'),
        clientOverParseFloor: median(rounds.map((r) => r.client / r.parseFloor)),
        compiledOverTsx: median(rounds.map((r) => r.wrpRun / r.wrpRunTsx)),
        cpuAutocannonOverClient: median(rounds.map((r) => r.autocannonCpuUsPerRequest / r.clientCpuUsPerRequest)),
      },
    };
    const report = await reportRow(paths, dir, log);
    const simCapacity = await simCapacityRows(paths, log);
    return { settings: o, throughput, openLoop, report, simCapacity };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function reportRow(paths: Record<'driver', string>, dir: string, log: (line: string) => void) {
  const o = LOADGEN_DEFAULTS;
  const runDir = join(dir, 'big');
  log(`loadgen: writing ${o.records.toLocaleString()} synthetic records`);
  // About 5 KB a record, as the 1M-record run (5.2 GB).
  const fileBytes = writeSyntheticRun(runDir, {
    records: o.records,
    experiment: noopExperiment({
      name: 'loadgen-report',
      url: 'http://127.0.0.1:9',
      arrival: '{ type: constant, rate: 1000 }',
      stop: '{ requests: 1 }',
    }),
    textChars: 1200,
    answerChars: 2000,
    itlGaps: 200,
  });
  const file = join(runDir, 'requests.jsonl');
  const reader = (mode: 'read-readline' | 'read-chunks') =>
    drive(paths.driver, { mode, file, url: '', connections: 0, durationS: 0, tokens: 0, model: '' });
  log(`loadgen: reading ${(fileBytes / 1e9).toFixed(2)} GB back (load ${load1()})`);
  const readline = await reader('read-readline');
  const chunks = await reader('read-chunks');
  const r = await wrp(['report', runDir], 'compiled');
  if (r.code !== 0) throw new Error(`wrp report exited ${r.code}: ${r.out.slice(-2000)}`);
  const sent = (JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary).sent;
  rmSync(runDir, { recursive: true, force: true });
  return {
    records: o.records,
    fileBytes,
    readline,
    chunks,
    wrp: { wallS: r.wallS, maxRssKiB: r.maxRssKiB, load1: r.load1, sent },
    // Against the faster of the two bare readers.
    timeRatio: r.wallS / Math.min(readline.wallS, chunks.wallS),
  };
}

async function simCapacityRows(paths: Record<'driver' | 'sim', string>, log: (line: string) => void) {
  const o = LOADGEN_DEFAULTS;
  const rows: LoadgenResult['simCapacity']['rows'] = [];
  let capacity = 0;
  // The floor: a bare timer at the first row's modelled step period (6.7 ms if none), measured right after it.
  const floorAt = async (periodMs: number) => ({
    ...(await drive(paths.driver, {
      mode: 'jitter',
      url: '',
      connections: 0,
      durationS: 5,
      tokens: 0,
      model: '',
      periodMs,
    })),
    periodMs,
  });
  let floor: (DriverResult & { load1: number; periodMs: number }) | undefined;
  for (const rate of o.simRates) {
    log(`loadgen: simulated pool at ${rate} streams/s (load ${load1()})`);
    const sim = await server<FrameLagStats>(paths.sim, {});
    let d: DriverResult & { load1: number };
    try {
      d = await drive(paths.driver, {
        mode: 'open',
        url: sim.url,
        connections: 0,
        durationS: o.simSeconds,
        rate,
        tokens: 16,
        model: 'llama-3.1-8b',
        headers: { 'x-wrp-output-tokens': '16' },
      });
    } catch (e) {
      sim.kill();
      throw e;
    }
    const lag = await sim.report();
    rows.push({ ...lag, rate, completed: d.completed, errors: d.errors, load1: d.load1 });
    floor ??= await floorAt(lag.stepMs ?? 6.7);
    if (lag.p99Steps === null || lag.p99Steps >= 1) break;
    capacity = rate;
  }
  return { rows, capacity, floor: floor ?? (await floorAt(6.7)) };
}
