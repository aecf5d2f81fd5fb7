/**
 * `wrp run` end to end on simulated pools over real HTTP: files, accounting, labels,
 * energy attribution, stop conditions and the external-router mode.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseExperiment } from '../harness/runner/config.ts';
import { readRunRecords } from '../harness/runner/results-reader.ts';
import { runExperiment } from '../harness/runner/runner.ts';
import { BASELINE_POLICIES } from '../harness/router/policies.ts';
import { startSimServer } from '../harness/pool/sim/server.ts';
import type { RequestResult } from '../harness/types.ts';
import { RunDigester, digestRun } from '../harness/report/run-digest.ts';
import { scanCount } from '../harness/report/read-records.ts';

const out = mkdtempSync(join(tmpdir(), 'wrp-e2e-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const pool = (name: string, model: string, extra: Record<string, unknown> = {}) => ({
  name,
  model,
  sim: { model, ...extra },
  pricing: { input_per_1m: 0.1, output_per_1m: 0.2 },
  energy: 'sim',
});

function base(over: Record<string, unknown>) {
  return {
    name: 'e2e',
    seed: 7,
    pools: [pool('small', 'llama-3.2-1b'), pool('big', 'llama-3.1-8b')],
    workload: {
      sources: [{ type: 'synthetic', archetypes: { chat: 3, agent: 1 }, output_scale: 0.2 }],
      arrival: { type: 'poisson', rate: 40 },
    },
    router: { type: 'random' },
    stop: { requests: 40 },
    telemetry: { interval_ms: 200 },
    ...over,
  };
}

const run = (raw: Record<string, unknown>, onFinalRecord?: (r: RequestResult) => void) =>
  runExperiment({
    config: parseExperiment(raw, 'e2e.yaml'),
    configFile: join(out, 'e2e.yaml'),
    policies: BASELINE_POLICIES,
    outRoot: out,
    progress: false,
    log: () => {},
    ...(onFinalRecord ? { onFinalRecord } : {}),
  });

const lines = (dir: string, file: string) =>
  readFileSync(join(dir, file), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('wrp run', () => {
  it('records every request sent with labels, decision, timings, tokens, cost, energy and reward', async () => {
    const o = await run(base({}));
    const recs = lines(o.runDir, 'requests.jsonl') as RequestResult[];
    expect(recs).toHaveLength(40);
    expect(o.summary.sent).toBe(40);
    expect(o.summary.ok + o.summary.failed + o.summary.cancelled).toBe(40);
    expect(new Set(recs.map((r) => r.id)).size).toBe(40);
    for (const r of recs) {
      expect(['small', 'big']).toContain(r.decision.pool);
      expect(r.decision.propensity).toBe(0.5);
      expect(r.labels.archetype).toMatch(/chat|agent/);
      expect(r.timing.scheduledMs).toBeGreaterThanOrEqual(0);
      expect(r.timing.sendLagMs).toBeGreaterThanOrEqual(0);
      if (r.status === 'ok') {
        expect(r.timing.ttftMs).toBeGreaterThan(0);
        expect(r.timing.e2eMs).toBeGreaterThanOrEqual(r.timing.ttftMs!);
        expect(r.tokens.output).toBeGreaterThan(0);
        expect(r.costUsd).toBeGreaterThan(0);
        expect(r.energyJ).toBeGreaterThanOrEqual(0);
        expect(r.requestId).toMatch(/^chatcmpl-/);
      }
    }
    // Multi-turn agent sessions: later turns carry the conversation, so they hit the prefix cache.
    const later = recs.filter((r) => r.labels.turn > 0 && r.status === 'ok');
    expect(later.length).toBeGreaterThan(0);
    expect(later.some((r) => (r.tokens.cached ?? 0) > 0)).toBe(true);
    const telemetry = lines(o.runDir, 'telemetry.jsonl');
    expect(telemetry.some((s) => s.kind === 'energy' && s.energy_j > 0)).toBe(true);
    expect(telemetry.some((s) => s.kind === 'metrics')).toBe(true);
    const summary = JSON.parse(readFileSync(join(o.runDir, 'summary.json'), 'utf8'));
    expect(summary.tables.pool.map((r: { pool: string }) => r.pool).sort()).toEqual(['big', 'small']);
    expect(summary.tables.overall[0].ttft_p50_ms).toBeGreaterThan(0);
    expect(readFileSync(join(o.runDir, 'summary.md'), 'utf8')).toContain('## pool');
    expect(readFileSync(join(o.runDir, 'config.resolved.yaml'), 'utf8')).toContain('name: e2e');
  });

  it("the report's digest from the run's last pass is the one a fresh read builds, energy included", async () => {
    const slo = { ttft_ms: 300, tpot_ms: 40 };
    const digester = new RunDigester(slo);
    const o = await run(base({ slo }), (r) => digester.add(r));
    const inRun = digester.finish(scanCount(o.requests));
    const fresh = await digestRun(o.runDir, slo);
    expect(inRun.records).toBe(40);
    expect(inRun.records).toBe(fresh.records);
    // The energy is attributed after the summary's pass: the digest must see it as written.
    expect([...inRun.energy.values()].some((e) => e.joules > 0)).toBe(true);
    expect([...inRun.energy]).toEqual([...fresh.energy]);
    expect([...inRun.windows.entries()].map((e) => [...e.value.regret])).toEqual(
      [...fresh.windows.entries()].map((e) => [...e.value.regret]),
    );
    expect(inRun.overall.TTFT.totalCount).toBe(fresh.overall.TTFT.totalCount);
  });

  it('stops on max_error_rate and still accounts for every request', async () => {
    // 18% of an L4's memory leaves the 1B model a ~300-token KV cache: every request is a 400.
    const o = await run(
      base({
        pools: [pool('tiny', 'llama-3.2-1b', { gpu: 'L4', gpu_memory_utilization: 0.18 })],
        workload: { sources: [{ type: 'synthetic', archetypes: { chat: 1 } }], arrival: { type: 'poisson', rate: 40 } },
        stop: { requests: 200, max_error_rate: 0.5, min_requests_for_error_rate: 5 },
      }),
    );
    expect(o.summary.stoppedBy).toMatch(/max_error_rate/);
    expect(o.summary.sent).toBeLessThan(200);
    expect(o.summary.failed).toBe(o.summary.sent - o.summary.cancelled - o.summary.ok);
    expect((await readRunRecords(o.runDir)).every((r) => r.status !== 'failed' || r.errorClass === 'http_4xx')).toBe(
      true,
    );
    expect(o.summary.tables.overall![0]!.ttft_p50_ms).toBeNull(); // failed requests never enter latency stats
  });

  it('a sweep counts each request in the stage it was sent in, later turns of a session too', async () => {
    const o = await run(
      base({
        workload: {
          sources: [{ type: 'synthetic', archetypes: { agent: 1 }, output_scale: 0.1 }],
          arrival: {
            type: 'sweep',
            stages: [
              { rate: 8, duration_s: 1 },
              { rate: 8, duration_s: 1 },
              { rate: 8, duration_s: 1 },
            ],
          },
        },
        stop: { requests: 120, duration_s: 8 },
      }),
    );
    const recs = (await readRunRecords(o.runDir)).sort((a, b) => a.timing.sentMs - b.timing.sentMs);
    // Agent sessions run many turns past the stage they began in; sent later, they count later.
    const sessionsSpanningStages = new Set(
      recs.filter((r) => r.labels.turn > 0 && r.stage > 0).map((r) => r.labels.sessionId),
    );
    expect(sessionsSpanningStages.size).toBeGreaterThan(0);
    for (let i = 1; i < recs.length; i++) expect(recs[i]!.stage).toBeGreaterThanOrEqual(recs[i - 1]!.stage);
  });

  it('cancels requests still in flight after the grace period and records them', async () => {
    const o = await run(
      base({
        workload: {
          sources: [{ type: 'synthetic', archetypes: { reasoning: 1 } }],
          arrival: { type: 'constant', rate: 50 },
        },
        stop: { requests: 5, grace_s: 0.3 },
      }),
    );
    expect(o.summary.sent).toBe(5);
    expect(o.summary.cancelled).toBeGreaterThan(0);
    const cancelled = (await readRunRecords(o.runDir)).filter((r) => r.status === 'cancelled');
    expect(cancelled.every((r) => r.errorClass === 'cancelled')).toBe(true);
  });

  it('a warm-up goes out before the clock, each request recorded once in warmup.jsonl and in none of the figures', async () => {
    const pools = [
      await startSimServer({ model: 'llama-3.2-1b', port: 0 }),
      await startSimServer({ model: 'llama-3.2-1b', port: 0 }),
    ];
    const received = async () => {
      let n = 0;
      for (const p of pools) {
        const text = await (await fetch(`${p.url}/metrics`)).text();
        for (const m of text.matchAll(/^vllm:request_success_total\{[^}]*\} (\d+)/gm)) n += Number(m[1]);
      }
      return n;
    };
    try {
      const o = await run(
        base({
          pools: pools.map((p, i) => ({
            name: `p${i}`,
            model: 'llama-3.2-1b',
            endpoint: p.url,
            pricing: { input_per_1m: 0.1, output_per_1m: 0.2 },
          })),
          warmup: { requests: 7, concurrency: 3 },
          stop: { requests: 12 },
        }),
      );
      const warm = lines(o.runDir, 'warmup.jsonl') as { id: string; pool: string; ok: boolean }[];
      expect(warm.map((w) => w.id).sort()).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `warmup/${i}`).sort());
      expect(warm.every((w) => w.ok)).toBe(true);
      expect(new Set(warm.map((w) => w.pool))).toEqual(new Set(['p0', 'p1']));
      expect(lines(o.runDir, 'requests.jsonl')).toHaveLength(12);
      expect(o.summary.sent).toBe(12);
      expect(o.summary.notes?.some((n) => n.startsWith('warm-up: 7 request(s)'))).toBe(true);
      // What the pools saw: the run's requests and the warm-up, nothing more, nothing less.
      expect(await received()).toBe(12 + 7);
    } finally {
      for (const p of pools) await p.close();
    }
  });

  it('external mode sends everything to the router endpoint and records it', async () => {
    const router = await startSimServer({ model: 'llama-3.2-1b', port: 0 });
    try {
      const o = await run(
        base({ router: { type: 'external', endpoint: router.url, model: 'llama-3.2-1b' }, stop: { requests: 6 } }),
      );
      expect(o.summary.ok).toBe(6);
      expect((await readRunRecords(o.runDir)).every((r) => r.decision.policy === 'external')).toBe(true);
    } finally {
      await router.close();
    }
  });
});
