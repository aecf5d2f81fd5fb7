/**
 * `npm run bench [-- --only fidelity,speed,http,learners,export,report,loadgen,protocol,soak]`: wrp's speed and fidelity goals, measured
 * on this machine, printed as tables and written to bench/results.json.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { fidelity } from './fidelity.ts';
import { httpLag, type HttpLagResult } from './http-lag.ts';
import { driftBench, linucbSpeed, neuralSpeed } from './learners.ts';
import { routerDcBench, routerDcEmbeddingBench, routerDcSeedSpread } from './learners-routerdc.ts';
import { routerBenchAiqBench, routerBenchCascadeBench, routerBenchPairBench } from './learners-routerbench.ts';
import { simSpeed } from './sim-speed.ts';
import { initTf } from '../learners/rl/backend.ts';
import { dataDir } from '../datasets/paths.ts';
import { printTable } from './table.ts';

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1]!.split(',') : undefined;
const wanted = (name: string) => !only || only.includes(name);
const results: Record<string, unknown> = {
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  date: new Date().toISOString(),
};
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const goal = (ok: boolean) => (ok ? 'met' : 'MISSED');

if (wanted('fidelity')) {
  const f = fidelity();
  results.fidelity = f;
  printTable(
    'Fidelity vs ML.ENERGY v3 (H100, ~400 output tokens)',
    f.rows.map((r) => ({
      cell: r.cell,
      split: r.split,
      metric: r.metric,
      reference: r.reference,
      simulated: r.simulated.toPrecision(4),
      error: pct(r.error),
    })),
  );
  printTable('Fidelity summary (goal: held-out median |error| <= 10%, none above 25%)', [
    { split: 'calibration', median: pct(f.calibration.medianAbsError), max: pct(f.calibration.maxAbsError), goal: '' },
    {
      split: 'held-out',
      median: pct(f.heldOut.medianAbsError),
      max: pct(f.heldOut.maxAbsError),
      goal: goal(f.heldOut.medianAbsError <= 0.1 && f.heldOut.maxAbsError <= 0.25),
    },
  ]);
}

if (wanted('speed')) {
  const n = Number(process.env.WRP_BENCH_SIM_REQUESTS ?? 1_000_000);
  const s = simSpeed(n);
  results.simSpeed = s;
  printTable(
    `Speed: virtual-time simulation, ${n.toLocaleString()} chat requests, 8B on 1x H100 (goal: 1M in <= 60 s)`,
    [
      {
        requests: s.requests,
        'wall s': s.wallSeconds.toFixed(1),
        'requests/s': Math.round(s.requestsPerSecond),
        'virtual s': Math.round(s.virtualSeconds),
        steps: s.steps,
        goal: goal(s.wallSeconds * (1_000_000 / n) <= 60),
      },
    ],
  );
}

if (wanted('http')) {
  const concurrencies = (process.env.WRP_BENCH_HTTP_CONCURRENCY ?? '200,2000').split(',').map(Number);
  const runs: HttpLagResult[] = [];
  for (const transport of ['tcp', 'uds'] as const)
    for (const c of concurrencies) runs.push(await httpLag(c, transport));
  results.httpLag = runs;
  const ratio = (x: number, floor: number) => (floor > 0 ? (x / floor).toFixed(2) : '-');
  const row = (h: HttpLagResult, server: 'wrp' | 'floor', window: 'all' | 'steady') => {
    const f = h[server];
    const p99 = window === 'all' ? f.p99Ms : f.steadyP99Ms;
    return {
      transport: h.transport,
      concurrency: h.concurrency,
      server: server === 'wrp' ? 'wrp sim' : 'bare writer (floor)',
      window: window === 'all' ? 'all frames' : 'steady state',
      frames: window === 'all' ? f.frames : f.steadyFrames,
      failed: f.failed,
      'step ms': f.stepMs.toFixed(1),
      'p50 ms': (window === 'all' ? f.p50Ms : f.steadyP50Ms).toFixed(2),
      'p99 ms': p99.toFixed(2),
      'p99 / floor': server === 'wrp' ? ratio(p99, window === 'all' ? h.floor.p99Ms : h.floor.steadyP99Ms) : '',
      goal: server === 'wrp' ? goal(p99 <= 5) : '',
    };
  };
  printTable(
    'HTTP: token frames reaching the socket vs the engine schedule, server in its own process (goal: p99 <= 5 ms); floor = a bare node:http writer of the same frames at the same step period',
    runs.flatMap((h) => [
      row(h, 'wrp', 'all'),
      row(h, 'wrp', 'steady'),
      row(h, 'floor', 'all'),
      row(h, 'floor', 'steady'),
    ]),
  );
}

if (wanted('learners')) {
  await initTf();
  const speed = linucbSpeed();
  printTable('Speed: LinUCB at d = 256, 4 actions (features included)', speed);
  const neural = neuralSpeed();
  printTable('Speed: tfjs neural policy (wasm backend unless tfjs-node-gpu is installed)', neural);
  const drift = driftBench(Number(process.env.WRP_BENCH_DRIFT_REQUESTS ?? 40_000));
  printTable(
    'Drifting mix in the virtual-time simulator (categories change at 50%): cumulative regret vs the per-request best pool',
    drift,
  );
  results.learners = { linucbSpeed: speed, neuralSpeed: neural, drift };
  if (existsSync(dataDir())) {
    const rdc = routerDcBench();
    printTable(
      'RouterDC, 7 models: one pass of bandit feedback on the train splits, accuracy on the test splits, seeds 1-5 (hashed-text and neural rows: seed 1) (best single 0.489, best per category 0.522, oracle 0.706; goal >= 0.515 on every seed)',
      rdc,
    );
    const rdcSpread = routerDcSeedSpread();
    printTable(
      'RouterDC, how often one pass reaches 0.515 over many training orders (mmlu and cmmlu: 2,000 train rows each, 7 models, best ahead of the next by 0.04-0.05)',
      rdcSpread,
    );
    const rdcEmbedding = await routerDcEmbeddingBench();
    if (rdcEmbedding)
      printTable(
        `RouterDC with endpoint embeddings (${rdcEmbedding.endpoint}): one pass of bandit feedback, accuracy on the test splits (passes = above best per category 0.522)`,
        rdcEmbedding.rows,
      );
    const pair = routerBenchPairBench();
    printTable(
      'RouterBench ARC + Winogrande, gpt-4 vs mixtral (random 0.49, per-family rule 0.545, full-information kNN 0.59; goal APGR >= 0.60)',
      pair,
    );
    const cascade = routerBenchCascadeBench();
    printTable(
      'RouterBench ARC + Winogrande, response-aware cascade mixtral -> gpt-4 (x = escalated share; mixtral, and the peer, are paid on every request: see cost-APGR and USD/req)',
      cascade,
    );
    const aiqRows = routerBenchAiqBench();
    printTable('RouterBench, 11 models: AIQ vs the zero router', aiqRows);
    Object.assign(results.learners as object, {
      routerDc: rdc,
      routerDcSeedSpread: rdcSpread,
      ...(rdcEmbedding ? { routerDcEmbedding: rdcEmbedding } : {}),
      routerBenchPair: pair,
      routerBenchCascade: cascade,
      routerBenchAiq: aiqRows,
    });
  } else {
    console.log(`\n(skipped the dataset benchmarks: ${dataDir()} not found; set WRP_DATA_DIR)`);
  }
}

if (wanted('export')) {
  const { exportBench } = await import('./export.ts');
  const e = await exportBench();
  results.export = e;
  printTable(
    'Export: deployed agreement, the router model (Semantic Router v0.3.0-390) vs the policy on 10,000 held-out contexts (goal: >= 99%, every decision reachable)',
    e.agreement,
  );
  printTable(
    "Export: router-model decision latency per request vs the policy's own greedy decision (same contexts, same run)",
    e.latency,
  );
  printTable('Export: wrp export of a large knn model', e.knnExport);
}

if (wanted('scale')) {
  const { scaleBench } = await import('./scale.ts');
  results.scale = await scaleBench();
}

// The learning suite takes ~10 minutes: only when asked for (--only protocol).
if (only?.includes('protocol')) {
  const { protocolBench } = await import('./protocol.ts');
  const rows = await protocolBench(Number(process.env.WRP_BENCH_PROTOCOL_SEEDS ?? 32));
  results.protocol = rows;
  printTable(
    'Learning suite (wrp bench-learners, default suite): wall time (goal <= 900 s); reference: the static rule runs of the same suite',
    rows,
  );
}

if (wanted('report')) {
  const { reportBench } = await import('./report.ts');
  const n = Number(process.env.WRP_BENCH_REPORT_RECORDS ?? 200_000);
  const rows = [await reportBench(Math.round(n / 10)), await reportBench(n)];
  results.report = rows;
  printTable(
    'Report: runReport + renderPage vs reading and parsing requests.jsonl (goal: memory flat in the records)',
    rows.map((r) => ({
      records: r.records,
      'file MiB': r.fileMiB.toFixed(0),
      'read+parse s': r.readParseS.toFixed(1),
      'report s': r.reportS.toFixed(1),
      ratio: r.ratio.toFixed(2),
      'read+parse peak MiB': r.readParsePeakMiB.toFixed(0),
      'report peak MiB': r.reportPeakMiB.toFixed(0),
      'html MiB': r.htmlMiB.toFixed(2),
    })),
  );
}

if (wanted('loadgen')) {
  const { loadgenBench } = await import('./loadgen.ts');
  const { printLoadgen } = await import('./loadgen-print.ts');
  const r = await loadgenBench();
  results.loadgen = r;
  printLoadgen(r);
}

// The soak takes 10 minutes: only when asked for (--only soak, or WRP_BENCH_SOAK=1).
if (wanted('soak') && (only !== undefined || process.env.WRP_BENCH_SOAK === '1')) {
  const { soak, printSoak } = await import('./soak.ts');
  const r = await soak(Number(process.env.WRP_BENCH_SOAK_S ?? 600), Number(process.env.WRP_BENCH_SOAK_RATE ?? 6));
  results.soak = r;
  printSoak(r);
}

const out = fileURLToPath(new URL('./results.json', import.meta.url));
// A partial run (--only) updates its own entries and keeps the others' last figures.
const previous: Record<string, unknown> = existsSync(out)
  ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>)
  : {};
writeFileSync(out, JSON.stringify({ ...previous, ...results }, null, 2) + '\n');
console.log(`\nwritten ${out}`);
