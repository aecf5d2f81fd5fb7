/** The load-generator benchmark's tables (bench/loadgen.ts), each goal judged on figures of the same run. */
import type { LoadgenResult } from './loadgen.ts';
import { printTable } from './table.ts';

const goal = (ok: boolean) => (ok ? 'met' : 'MISSED');
const f = (x: number | null | undefined, digits = 2) =>
  x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits);
const r0 = (x: number) => Math.round(x).toLocaleString('en-US');

export function printLoadgen(r: LoadgenResult): void {
  const s = r.settings;
  const t = r.throughput;
  printTable(
    `Load generator throughput, closed loop, ${s.concurrency} connections/sessions, no-op SSE server (${s.tokens} tokens per answer), ${s.seconds} s each, req/s; load = 1-min load average before each`,
    t.rounds.map((x, i) => ({
      round: i + 1,
      autocannon: r0(x.autocannon),
      'undici floor': r0(x.undiciFloor),
      'sse events floor': r0(x.eventsFloor),
      'sse parse floor': r0(x.parseFloor),
      'wrp client': r0(x.client),
      'wrp run': r0(x.wrpRun),
      'wrp run (tsx)': r0(x.wrpRunTsx),
      'client cpu us/req': f(x.clientCpuUsPerRequest, 1),
      'undici cpu us/req': f(x.undiciCpuUsPerRequest, 1),
      'events cpu us/req': f(x.eventsCpuUsPerRequest, 1),
      'parse cpu us/req': f(x.parseCpuUsPerRequest, 1),
      'autocannon cpu us/req': f(x.autocannonCpuUsPerRequest, 1),
      load: Object.values(x.load1)
        .map((l) => l.toFixed(1))
        .join('/'),
      errors: x.errors,
    })),
  );
  const m = t.medianRatios;
  printTable('Throughput ratios to autocannon in the same round (median of rounds)', [
    { measure: 'wrp client alone / autocannon', ratio: f(m.client), goal: '>= 0.8', result: goal(m.client! >= 0.8) },
    { measure: 'wrp run closed loop / autocannon', ratio: f(m.wrpRun), goal: '>= 0.5', result: goal(m.wrpRun! >= 0.5) },
    { measure: 'bare undici floor / autocannon', ratio: f(m.undiciFloor), goal: '', result: '' },
    { measure: 'wrp client / bare undici floor', ratio: f(m.clientOverFloor), goal: '', result: '' },
    {
      measure:
        'SSE events floor / autocannon (undici + eventsource-parser, events unread): the most a client on both can reach',
      ratio: f(m.eventsFloor),
      goal: '',
      result: '',
    },
    { measure: 'wrp client / SSE events floor', ratio: f(m.clientOverEventsFloor), goal: '', result: '' },
    {
      measure: 'wrp run closed loop / wrp client alone (the goal asks 0.5 / client ratio of it)',
      ratio: f(m.wrpRunOverClient),
      goal: '',
      result: '',
    },
    {
      measure: 'SSE parse floor / autocannon (undici + every event parsed)',
      ratio: f(m.parseFloor),
      goal: '',
      result: '',
    },
    { measure: 'wrp client / SSE parse floor', ratio: f(m.clientOverParseFloor), goal: '', result: '' },
    { measure: 'wrp run compiled / through tsx', ratio: f(m.compiledOverTsx), goal: '', result: '' },
    {
      measure: 'CPU per request: autocannon / wrp client (the ratio when both are CPU-bound)',
      ratio: f(m.cpuAutocannonOverClient),
      goal: '',
      result: '',
    },
  ]);
  const o = r.openLoop;
  const wl = o.wrp.summary.load!;
  // A stall (the sender holding the thread) keeps the duration stop from firing: it must fire on time.
  const stall = o.wrp.summary.stoppedBy !== 'duration' || o.wrp.summary.durationS > s.openSeconds + 2;
  printTable(
    `Open loop, Poisson ${s.openRate}/s for ${s.openSeconds} s against the no-op server (each sender warmed up with ${s.openWarmUpRequests} requests first)`,
    [
      {
        sender: 'bare Node open-loop sender',
        offered: f(o.bare.due! / s.openSeconds, 1),
        achieved: f(o.bare.sent! / s.openSeconds, 1),
        'lag p50 ms': f(o.bare.lag?.p50),
        'lag p99 ms': f(o.bare.lag?.p99),
        'lag max ms': f(o.bare.lag?.max),
        [`lag p99 ms after ${s.openWarmUpS} s`]: f(o.bare.lagAfterWarmUp?.p99),
        'run s': f(o.bare.wallS, 1),
        load: o.bare.load1.toFixed(1),
        goal: '',
      },
      {
        sender: 'wrp run',
        offered: f(wl.offeredPerS, 1),
        achieved: f(wl.achievedPerS, 1),
        'lag p50 ms': f(wl.sendLagMs.p50),
        'lag p99 ms': f(wl.sendLagMs.p99),
        'lag max ms': f(wl.sendLagMs.max),
        [`lag p99 ms after ${s.openWarmUpS} s`]: f(o.lagAfterWarmUp.p99),
        'run s': `${f(o.wrp.summary.durationS, 1)} (${o.wrp.summary.stoppedBy})`,
        load: o.wrp.load1.toFixed(1),
        goal: `achieved/offered ${f(o.achievedShare, 3)} ${goal(o.achievedShare >= 0.98)}; lag p99 ${f(o.lagP99Ratio)}x bare ${goal(o.lagP99Ratio <= 1.5)} (after ${s.openWarmUpS} s: ${f(o.lagP99RatioAfterWarmUp)}x); ${stall ? 'STALL (duration stop late)' : 'no stall (duration stop on time)'}`,
      },
    ],
  );
  const rp = r.report;
  const mb = (kib: number | undefined) => f((kib ?? NaN) / 1024, 0);
  printTable(
    `wrp report on ${rp.records.toLocaleString('en-US')} records (${f(rp.fileBytes / 1e9)} GB of requests.jsonl) vs bare streaming JSONL readers`,
    [
      {
        reader: 'bare: node:readline + JSON.parse',
        s: f(rp.readline.wallS, 1),
        'peak RSS MB': mb(rp.readline.maxRssKiB),
        load: rp.readline.load1.toFixed(1),
        goal: '',
      },
      {
        reader: 'bare: 1 MiB reads + JSON.parse',
        s: f(rp.chunks.wallS, 1),
        'peak RSS MB': mb(rp.chunks.maxRssKiB),
        load: rp.chunks.load1.toFixed(1),
        goal: '',
      },
      {
        reader: `wrp report (${rp.wrp.sent.toLocaleString('en-US')} records summarised)`,
        s: f(rp.wrp.wallS, 1),
        'peak RSS MB': mb(rp.wrp.maxRssKiB),
        load: rp.wrp.load1.toFixed(1),
        goal: `time ${f(rp.timeRatio)}x the faster bare reader ${goal(rp.timeRatio <= 1.5)}; RSS ${goal(rp.wrp.maxRssKiB / 1024 <= 300)}`,
      },
    ],
  );
  const fl = r.simCapacity.floor;
  printTable(
    `One simulated pool process (llama-3.1-8b on one H100), open-loop 16-token streams; capacity = highest rate with frame lag p99 under one modelled step: ${r.simCapacity.capacity} streams/s. Floor: a bare timer every ${f(fl.periodMs)} ms in its own process fires p99 ${f(fl.lag?.p99)} ms late (${f((fl.lag?.p99 ?? NaN) / fl.periodMs)} steps; load ${fl.load1.toFixed(1)})`,
    r.simCapacity.rows.map((x) => ({
      'streams/s': x.rate,
      completed: x.completed,
      errors: x.errors,
      frames: x.frames,
      'step ms': f(x.stepMs),
      'lag p50 ms': f(x.p50Ms),
      'lag p99 ms': f(x.p99Ms),
      'p99 steps': f(x.p99Steps),
      'p99 / floor': f((x.p99Ms ?? NaN) / (fl.lag?.p99 ?? NaN)),
      'late share': `${f(100 * x.lateShare, 1)}%`,
      load: x.load1.toFixed(1),
      '< 1 step': x.p99Steps !== null && x.p99Steps < 1 ? 'yes' : 'no',
    })),
  );
}
