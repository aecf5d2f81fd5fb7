/**
 * Soak (issue 6): `wrp run` for 10 minutes at a steady rate against two simulated pools
 * with every fault kind mixed in (1% each), a learner routing and checkpointing. Reports
 * RSS and heap (after a full GC) at the start, after warm-up (10-20% of the duration) and
 * at the end of the load (last 10%), their growth over
 * the steady part (goal: flat within 10%), open sockets once the run is over (goal 0) and
 * requests lost (goal 0): records missing from requests.jsonl, and conversations with a
 * missing turn.
 *
 *   npm run bench -- --only soak               # or WRP_BENCH_SOAK=1 npm run bench
 *   WRP_BENCH_SOAK_S=120 npx tsx bench/soak.ts  # a shorter one
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseExperiment } from '../harness/runner/config.ts';
import { runExperiment } from '../harness/runner/runner.ts';
import type { RequestResult } from '../harness/types.ts';
import { checkpointable } from '../learners/checkpointed.ts';
import { POLICY_FACTORIES } from '../learners/policy-factories.ts';
import { printTable } from './table.ts';

export interface SoakResult {
  durationS: number;
  sent: number;
  ok: number;
  failed: number;
  cancelled: number;
  byClass: Record<string, number>;
  lost: number;
  turnGaps: number;
  rssStartMiB: number;
  rssWarmMiB: number;
  rssEndMiB: number;
  rssGrowth: number;
  heapWarmMiB: number;
  heapEndMiB: number;
  heapGrowth: number;
  openSocketsEnd: number;
  stoppedBy: string;
  /** Every 30 s: seconds, RSS and heap used (MiB) after a full GC. */
  series: [number, number, number][];
}

const MiB = 2 ** 20;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** TCP handles libuv still holds, and socket fds (Linux; stdio pipes of a parent count too: compare with the start). */
function openSockets(): { tcp: number; fds: number } {
  const tcp = process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
  let fds = 0;
  try {
    for (const fd of readdirSync('/proc/self/fd')) {
      try {
        if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) fds++;
      } catch {
        // the fd closed while listing
      }
    }
  } catch {
    // not Linux: handles only
  }
  return { tcp, fds };
}

/** A full GC before each memory sample, so heap figures are live data, not garbage not yet collected. */
function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  return typeof gc === 'function' ? (gc as () => void) : () => undefined;
}

const faults = {
  http_500: 0.01,
  http_503: 0.01,
  http_429: 0.01,
  reset: 0.01,
  malformed: 0.01,
  truncate: 0.01,
  stall: { rate: 0.01, seconds: 4 },
  slow_first_byte: { rate: 0.01, seconds: 4 },
};

export async function soak(seconds = 600, rate = 6): Promise<SoakResult> {
  const out = mkdtempSync(join(tmpdir(), 'wrp-soak-'));
  const pool = (name: string, model: string) => ({
    name,
    model,
    sim: { model, faults },
    pricing: { input_per_1m: 0.1, output_per_1m: 0.2 },
    energy: 'sim',
  });
  const config = parseExperiment(
    {
      name: 'soak',
      seed: 9,
      pools: [pool('small', 'llama-3.2-1b'), pool('medium', 'llama-3.1-8b')],
      workload: {
        sources: [{ type: 'synthetic', archetypes: { chat: 3, agent: 1, rag: 1 }, output_scale: 0.3 }],
        arrival: { type: 'constant', rate },
      },
      router: {
        type: 'split',
        checkpoint_every: 200,
        policies: [{ type: 'linucb', alpha: 0.3, features: { text: false } }, { type: 'random' }],
      },
      feedback: { reward: { quality: 1, cost: 0.3, cost_scale: 0.002, missing_quality: 'zero' } },
      stop: { duration_s: seconds, grace_s: 10 },
      client: { idle_timeout_ms: 2000, first_byte_timeout_ms: 2000 },
    },
    'bench/soak.ts',
  );
  const samples: { t: number; rss: number; heap: number }[] = [];
  const socketsAtStart = openSockets();
  const gc = gcFunction();
  const t0 = Date.now();
  const sample = () => {
    gc();
    const m = process.memoryUsage();
    samples.push({ t: (Date.now() - t0) / 1000, rss: m.rss, heap: m.heapUsed });
  };
  sample();
  const timer = setInterval(sample, 5000);
  let outcome;
  try {
    outcome = await runExperiment({
      config,
      configFile: join(out, 'soak.yaml'),
      policies: checkpointable(POLICY_FACTORIES),
      outRoot: out,
      progress: false,
      log: (l) => (l.startsWith('progress') ? undefined : console.error(`soak: ${l}`)),
    });
  } finally {
    clearInterval(timer);
  }
  await new Promise((r) => setTimeout(r, 500)); // let closed sockets be reaped
  const end = openSockets();
  const openSocketsEnd = Math.max(end.tcp, end.fds - socketsAtStart.fds);
  const lines = readFileSync(join(outcome.runDir, 'requests.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RequestResult);
  rmSync(out, { recursive: true, force: true });

  // Steady part: after the first 10% (pools warm, learner sized) up to the end of the load.
  const load = samples.filter((s) => s.t <= seconds);
  const warm = load.filter((s) => s.t >= seconds * 0.1 && s.t <= seconds * 0.2);
  const last = load.filter((s) => s.t >= seconds * 0.9);
  const growth = (pick: (s: (typeof samples)[number]) => number) => median(last.map(pick)) / median(warm.map(pick)) - 1;
  // A conversation missing a turn before a recorded one lost a request.
  const have = new Set(lines.map((r) => r.id));
  const turnGaps = lines.filter(
    (r) => r.labels.turn > 0 && !have.has(`${r.labels.sessionId}/${r.labels.turn - 1}`),
  ).length;
  const byClass: Record<string, number> = {};
  for (const r of lines) if (r.status !== 'ok') byClass[r.errorClass ?? '?'] = (byClass[r.errorClass ?? '?'] ?? 0) + 1;
  const s = outcome.summary;
  return {
    durationS: s.durationS,
    sent: s.sent,
    ok: s.ok,
    failed: s.failed,
    cancelled: s.cancelled,
    byClass,
    lost: s.sent - lines.length + Math.abs(s.sent - (s.ok + s.failed + s.cancelled)),
    turnGaps,
    rssStartMiB: samples[0]!.rss / MiB,
    rssWarmMiB: median(warm.map((x) => x.rss)) / MiB,
    rssEndMiB: median(last.map((x) => x.rss)) / MiB,
    rssGrowth: growth((x) => x.rss),
    heapWarmMiB: median(warm.map((x) => x.heap)) / MiB,
    heapEndMiB: median(last.map((x) => x.heap)) / MiB,
    heapGrowth: growth((x) => x.heap),
    openSocketsEnd,
    stoppedBy: s.stoppedBy,
    series: samples
      .filter((_, i) => i % 6 === 0)
      .map((x) => [Math.round(x.t), Math.round(x.rss / MiB), Math.round(x.heap / MiB)]),
  };
}

export function printSoak(r: SoakResult): void {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const goal = (ok: boolean) => (ok ? 'met' : 'MISSED');
  printTable(
    `Soak: ${r.durationS.toFixed(0)} s at a steady rate, two simulated pools, every fault kind at 1% (errors: ${JSON.stringify(r.byClass)})`,
    [
      {
        metric: 'requests sent / ok / failed / cancelled',
        value: `${r.sent} / ${r.ok} / ${r.failed} / ${r.cancelled}`,
        goal: '',
      },
      {
        metric: 'requests lost (unrecorded; conversation gaps)',
        value: `${r.lost}; ${r.turnGaps}`,
        goal: goal(r.lost === 0 && r.turnGaps === 0),
      },
      {
        metric: 'RSS start / warm / end, MiB',
        value: `${r.rssStartMiB.toFixed(0)} / ${r.rssWarmMiB.toFixed(0)} / ${r.rssEndMiB.toFixed(0)}`,
        goal: '',
      },
      {
        metric: 'RSS growth, warm -> end (goal within 10%)',
        value: pct(r.rssGrowth),
        goal: goal(Math.abs(r.rssGrowth) <= 0.1),
      },
      {
        metric: 'heap used warm / end, MiB (growth)',
        value: `${r.heapWarmMiB.toFixed(0)} / ${r.heapEndMiB.toFixed(0)} (${pct(r.heapGrowth)})`,
        goal: '',
      },
      {
        metric: 'open sockets after the run (TCP handles, new socket fds)',
        value: String(r.openSocketsEnd),
        goal: goal(r.openSocketsEnd === 0),
      },
    ],
  );
  console.log(`memory every 30 s [s, RSS MiB, heap MiB]: ${JSON.stringify(r.series)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await soak(Number(process.env.WRP_BENCH_SOAK_S ?? 600), Number(process.env.WRP_BENCH_SOAK_RATE ?? 6));
  printSoak(r);
}
