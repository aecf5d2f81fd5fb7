/**
 * Fault acceptance (issue 6), one `wrp run` per fault kind at 10% of requests against a
 * simulated pool, 5,000 requests each by default (too slow for the test suite, which runs
 * every kind end to end on ~100 requests: test/faults.e2e.test.ts):
 *
 *   npx tsx bench/faults.ts                         # 5,000 requests per kind at 100/s: ~8 minutes
 *   WRP_BENCH_FAULT_REQUESTS=500 npx tsx bench/faults.ts
 *
 * Each row checks: the run completes; sent = ok + failed + cancelled = lines in
 * requests.jsonl; every failure has the kind's error class, as many as the fault plan puts
 * on requests 0..n-1; the error rate counts them; latency percentiles equal those of the
 * successful requests alone. The last row: max_error_rate 0.05 stops a run with 10% errors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { expectedFaults } from '../harness/pool/sim/fault-policy.ts';
import { FAULT_KINDS, faultSpecSchema, type FaultKind, type FaultSpecInput } from '../harness/pool/sim/fault-spec.ts';
import { BASELINE_POLICIES } from '../harness/router/policies.ts';
import { parseExperiment } from '../harness/runner/config.ts';
import { runExperiment } from '../harness/runner/runner.ts';
import { scanRequests } from '../harness/runner/results-reader.ts';
import { SummaryBuilder } from '../harness/runner/summary.ts';
import type { RequestResult } from '../harness/types.ts';
import { printTable } from './table.ts';

const SEED = 6;
/** The error class each kind must produce (timeouts set below the stall and first-byte delays). */
const CLASS: Record<FaultKind, string> = {
  http_500: 'http_5xx',
  http_503: 'http_5xx',
  http_429: 'http_429',
  reset: 'reset',
  malformed: 'malformed_event',
  stall: 'timeout_idle',
  slow_first_byte: 'timeout_first_byte',
  truncate: 'truncated',
};
const SPEC: Record<FaultKind, FaultSpecInput> = {
  http_500: { http_500: 0.1 },
  http_503: { http_503: 0.1 },
  http_429: { http_429: 0.1 },
  reset: { reset: 0.1 },
  malformed: { malformed: 0.1 },
  truncate: { truncate: 0.1 },
  stall: { stall: { rate: 0.1, seconds: 8 } },
  slow_first_byte: { slow_first_byte: { rate: 0.1, seconds: 8 } },
};

export interface FaultRow {
  fault: string;
  requests: number;
  ok: number;
  failed: number;
  cancelled: number;
  lines: number;
  expectedFailures: number;
  rightClass: number;
  /** Failures of a class the fault does not produce, by class (spurious timeouts on an overloaded machine would show here). */
  unexpected: string;
  errorRate: number;
  latencyOkOnly: boolean;
  stoppedBy: string;
  wallS: number;
  pass: boolean;
}

function experiment(faults: FaultSpecInput, n: number, rate: number, maxErrorRate = 1) {
  return parseExperiment(
    {
      name: 'fault-acceptance',
      seed: SEED,
      pools: [
        {
          name: 'p',
          model: 'llama-3.2-1b',
          sim: { model: 'llama-3.2-1b', faults },
          pricing: { input_per_1m: 0.1, output_per_1m: 0.1 },
        },
      ],
      workload: {
        sources: [{ type: 'synthetic', archetypes: { reasoning: 1 }, output_scale: 0.05 }],
        arrival: { type: 'constant', rate },
      },
      router: { type: 'round_robin' },
      stop: { requests: n, max_error_rate: maxErrorRate, min_requests_for_error_rate: 100 },
      // Far from a healthy request (ms) and from the faults' 8 s: a busy machine does not time out healthy ones.
      client: { idle_timeout_ms: 5000, first_byte_timeout_ms: 5000 },
    },
    'bench/faults.ts',
  );
}

async function one(
  label: string,
  faults: FaultSpecInput,
  n: number,
  rate: number,
  out: string,
  maxErrorRate = 1,
): Promise<FaultRow> {
  const t0 = performance.now();
  const o = await runExperiment({
    config: experiment(faults, n, rate, maxErrorRate),
    configFile: join(out, 'x.yaml'),
    policies: BASELINE_POLICIES,
    outRoot: out,
    progress: false,
    log: () => {},
  });
  const s = o.summary;
  const e = expectedFaults(faultSpecSchema.parse(faults), SEED, s.sent);
  const kinds = FAULT_KINDS.filter((k) => e[k] > 0);
  const expectedFailures = kinds.reduce((a, k) => a + e[k], 0);
  // Streamed: the failed records, and the latency summary of the successful ones.
  const failedRecs: RequestResult[] = [];
  const okOnlyBuilder = new SummaryBuilder({});
  const { lines } = await scanRequests(join(o.runDir, 'requests.jsonl'), (r) => {
    if (r.status === 'ok') okOnlyBuilder.add(r);
    else failedRecs.push(r);
  });
  const right = (r: RequestResult) => kinds.some((k) => CLASS[k] === r.errorClass);
  const rightClass = failedRecs.filter(right).length;
  const other: Record<string, number> = {};
  for (const r of failedRecs.filter((x) => !right(x)))
    other[r.errorClass ?? '?'] = (other[r.errorClass ?? '?'] ?? 0) + 1;
  const okOnly = okOnlyBuilder.build({
    runId: '',
    experiment: '',
    durationS: s.durationS,
    slo: {},
    stoppedBy: '',
    energyMethod: '',
  });
  okOnlyBuilder.destroy();
  const keys = ['ttft_p50_ms', 'ttft_p99_ms', 'itl_p50_ms', 'itl_p99_ms', 'tpot_p50_ms', 'e2e_p50_ms', 'e2e_p99_ms'];
  const latencyOkOnly = keys.every((k) => s.tables.overall![0]![k] === okOnly.tables.overall![0]![k]);
  const errorRate = Number(s.tables.overall![0]!.error_rate);
  const accounted = s.sent === s.ok + s.failed + s.cancelled && lines === s.sent && o.recorded === s.sent;
  const row: FaultRow = {
    fault: label,
    requests: s.sent,
    ok: s.ok,
    failed: s.failed,
    cancelled: s.cancelled,
    lines,
    expectedFailures,
    rightClass,
    unexpected: JSON.stringify(other),
    errorRate,
    latencyOkOnly,
    stoppedBy: s.stoppedBy,
    wallS: Number(((performance.now() - t0) / 1000).toFixed(1)),
    pass: false,
  };
  const classesRight = rightClass === failedRecs.length && failedRecs.length === expectedFailures && s.cancelled === 0;
  const rateRight = Math.abs(errorRate - (s.failed + s.cancelled) / s.sent) < 1e-4;
  row.pass =
    accounted &&
    classesRight &&
    rateRight &&
    latencyOkOnly &&
    (maxErrorRate < 1 ? s.stoppedBy.startsWith('max_error_rate') && s.sent < n : s.sent === n);
  return row;
}

export async function faultAcceptance(n = 5000, rate = 100): Promise<FaultRow[]> {
  const out = mkdtempSync(join(tmpdir(), 'wrp-fault-bench-'));
  const rows: FaultRow[] = [];
  try {
    for (const k of FAULT_KINDS) {
      rows.push(await one(k, SPEC[k], n, rate, out));
      console.error(`faults: ${k} done (${rows.at(-1)!.wallS} s, ${rows.at(-1)!.pass ? 'pass' : 'FAIL'})`);
    }
    rows.push(await one('http_500, max_error_rate 0.05', { http_500: 0.1 }, n, rate, out, 0.05));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const n = Number(process.env.WRP_BENCH_FAULT_REQUESTS ?? 5000);
  const rate = Number(process.env.WRP_BENCH_FAULT_RATE ?? 100);
  const rows = await faultAcceptance(n, rate);
  printTable(
    `Fault acceptance: each kind at 10% of ${n.toLocaleString()} requests (${rate}/s, llama-3.2-1b sim; idle and first-byte timeouts 5 s, stall and slow first byte 8 s)`,
    rows.map((r) => ({ ...r, pass: r.pass ? 'pass' : 'FAIL' })),
  );
  if (rows.some((r) => !r.pass)) process.exitCode = 1;
}
