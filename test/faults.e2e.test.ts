/**
 * Every fault class end to end through `wrp run`'s runner against simulated pools: every
 * request accounted for, each failure with its error class (exact counts: the fault plan is
 * a function of the seed and the server's request index), latency statistics over
 * successful requests only, the error rate counting failures, max_error_rate stopping a run,
 * and requests stalled past the end cancelled after the grace period. The 5,000-request
 * version per fault is bench/faults.ts (too slow for the test suite).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectedFaults } from '../harness/pool/sim/fault-policy.ts';
import { faultSpecSchema, type FaultSpecInput } from '../harness/pool/sim/fault-spec.ts';
import { BASELINE_POLICIES } from '../harness/router/policies.ts';
import { parseExperiment } from '../harness/runner/config.ts';
import { readRunRecords } from '../harness/runner/results-reader.ts';
import { runExperiment } from '../harness/runner/runner.ts';
import { summarise } from '../harness/runner/summary.ts';
import type { RequestResult } from '../harness/types.ts';

const out = mkdtempSync(join(tmpdir(), 'wrp-faults-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const SEED = 11;

function experiment(faults: FaultSpecInput, over: Record<string, unknown> = {}) {
  return {
    name: 'faults',
    seed: SEED,
    pools: [
      {
        name: 'p',
        model: 'llama-3.2-1b',
        sim: { model: 'llama-3.2-1b', faults },
        pricing: { input_per_1m: 0.1, output_per_1m: 0.1 },
      },
    ],
    // Single-turn sessions: every request is independent of the faults of the others.
    workload: {
      sources: [{ type: 'synthetic', archetypes: { reasoning: 1 }, output_scale: 0.05 }],
      arrival: { type: 'constant', rate: 30 },
    },
    router: { type: 'round_robin' },
    telemetry: { interval_ms: 500 },
    ...over,
  };
}

const run = (raw: Record<string, unknown>) =>
  runExperiment({
    config: parseExperiment(raw, 'faults.yaml'),
    configFile: join(out, 'faults.yaml'),
    policies: BASELINE_POLICIES,
    outRoot: out,
    progress: false,
    log: () => {},
  });

const byClass = (recs: RequestResult[]) => {
  const m: Record<string, number> = {};
  for (const r of recs) if (r.status !== 'ok') m[r.errorClass ?? '?'] = (m[r.errorClass ?? '?'] ?? 0) + 1;
  return m;
};

describe('faults end to end', () => {
  it('every fault class at 10%: accounted for, right error class, latency over successes only', async () => {
    const faults: FaultSpecInput = {
      http_500: 0.1,
      http_503: 0.1,
      http_429: 0.1,
      reset: { rate: 0.1, after_tokens: 2 },
      malformed: { rate: 0.1, after_tokens: 2 },
      truncate: 0.1,
      stall: { rate: 0.1, seconds: 6, after_tokens: 2 },
      slow_first_byte: { rate: 0.1, seconds: 7 },
    };
    const n = 120;
    const o = await run(
      experiment(faults, {
        stop: { requests: n },
        // Timeouts far from both a healthy request (ms) and the faults' delays: no flake under load.
        client: { idle_timeout_ms: 3000, first_byte_timeout_ms: 4000 },
      }),
    );
    const recs = readFileSync(join(o.runDir, 'requests.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RequestResult);
    const s = o.summary;
    expect(recs).toHaveLength(n);
    expect(s.sent).toBe(n);
    expect(s.ok + s.failed + s.cancelled).toBe(n);
    expect(s.cancelled).toBe(0);

    const e = expectedFaults(faultSpecSchema.parse(faults), SEED, n);
    expect(byClass(recs)).toEqual(
      Object.fromEntries(
        Object.entries({
          http_5xx: e.http_500 + e.http_503,
          http_429: e.http_429,
          reset: e.reset,
          malformed_event: e.malformed,
          truncated: e.truncate,
          timeout_idle: e.stall,
          timeout_first_byte: e.slow_first_byte,
        }).filter(([, v]) => v > 0),
      ),
    );
    const faulted = Object.values(e).reduce((a, b) => a + b, 0);
    expect(faulted).toBeGreaterThan(n * 0.5);
    expect(s.ok).toBe(n - faulted);
    for (const r of recs.filter((x) => x.errorClass?.startsWith('http_')))
      expect([500, 503, 429]).toContain(r.httpStatus);

    // Latency statistics exclude failed requests; the error rate counts them.
    const overall = s.tables.overall![0]!;
    expect(overall.error_rate).toBeCloseTo(faulted / n, 4);
    const okOnly = summarise({
      runId: 'x',
      experiment: 'x',
      records: recs.filter((r) => r.status === 'ok'),
      durationS: s.durationS,
      slo: {},
      stoppedBy: '',
      energyMethod: '',
    });
    for (const k of [
      'ttft_p50_ms',
      'ttft_p99_ms',
      'itl_p50_ms',
      'itl_p99_ms',
      'e2e_p50_ms',
      'e2e_p99_ms',
      'tpot_p50_ms',
    ]) {
      expect(overall[k], k).toBe(okOnly.tables.overall![0]![k]);
    }
    expect(readFileSync(join(o.runDir, 'summary.md'), 'utf8')).toContain(
      `${n} requests sent: ${s.ok} ok, ${s.failed} failed, 0 cancelled`,
    );
  });

  it('a stall shorter than the idle timeout and a slow first byte shorter than its timeout succeed, and the delays show in ITL / TTFT', async () => {
    const faults: FaultSpecInput = {
      stall: { rate: 0.25, seconds: 1, after_tokens: 2 },
      slow_first_byte: { rate: 0.25, seconds: 1 },
    };
    const n = 40;
    const o = await run(experiment(faults, { stop: { requests: n } }));
    const e = expectedFaults(faultSpecSchema.parse(faults), SEED, n);
    expect(o.summary.ok).toBe(n);
    const ok = await readRunRecords(o.runDir);
    // At least the faulted ones (a healthy request takes ms; >= leaves room for a loaded machine).
    expect(e.stall).toBeGreaterThan(0);
    expect(ok.filter((r) => Math.max(0, ...r.timing.itlMs) >= 990).length).toBeGreaterThanOrEqual(e.stall);
    expect(ok.filter((r) => (r.timing.ttftMs ?? 0) >= 990).length).toBeGreaterThanOrEqual(e.slow_first_byte);
  });

  it('max_error_rate stops a run whose errors exceed it, every request still accounted for', async () => {
    const o = await run(
      experiment({ http_503: 0.5 }, { stop: { requests: 1000, max_error_rate: 0.2, min_requests_for_error_rate: 10 } }),
    );
    const s = o.summary;
    expect(s.stoppedBy).toMatch(/^max_error_rate \(\d+\/\d+ failed > 0\.2\)$/);
    expect(s.sent).toBeLessThan(1000);
    expect(s.ok + s.failed + s.cancelled).toBe(s.sent);
    const records = await readRunRecords(o.runDir);
    expect(records).toHaveLength(s.sent);
    expect(o.recorded).toBe(s.sent);
    expect(records.filter((r) => r.status === 'failed').every((r) => r.errorClass === 'http_5xx')).toBe(true);
  });

  it('requests stalled past the end are cancelled after the grace period and recorded as cancelled', async () => {
    const o = await run(
      experiment(
        { stall: { rate: 1, seconds: 60, after_tokens: 1 } },
        { stop: { requests: 8, grace_s: 0.5 }, client: { idle_timeout_ms: 0 } },
      ),
    );
    const s = o.summary;
    expect(s.sent).toBe(8);
    expect(s.cancelled).toBe(8);
    expect(
      (await readRunRecords(o.runDir)).every((r) => r.status === 'cancelled' && r.errorClass === 'cancelled'),
    ).toBe(true);
    expect(s.tables.overall![0]!.error_rate).toBe(1);
    expect(s.tables.overall![0]!.ttft_p50_ms).toBeNull();
  });
});
