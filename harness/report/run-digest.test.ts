/**
 * The report's digest in one pass: its cumulative regret is the definition's (per request,
 * the best pool's mean reward on its category minus the reward got, summed in file order),
 * its inter-token-gap histograms are those of recording every gap one by one, and a digest
 * built in another pass (`wrp report`'s, beside the summary) is the same as digestRun's.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import type { RequestResult } from '../types.ts';
import { newHistogram, recordMs } from './histograms.ts';
import { forEachRequest } from './read-records.ts';
import { RunDigester, digestRun } from './run-digest.ts';

const dir = mkdtempSync(join(tmpdir(), 'wrp-digest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function records(n: number, seed: number): RequestResult[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const pool = rng.next() < 0.5 ? 'small' : 'large';
    const category = ['math', 'code', 'chat'][i % 3]!;
    const ok = rng.next() > 0.05;
    const itlMs = Array.from({ length: 1 + Math.floor(rng.next() * 40) }, () => rng.next() * rng.next() * 300);
    return {
      id: `s${i}/0`,
      runId: 'r',
      labels: {
        id: `s${i}/0`,
        source: 'synthetic',
        category,
        archetype: 'chat',
        sessionId: `s${i}`,
        turn: 0,
        warm: false,
      },
      stage: 0,
      stageLabel: '',
      features: { promptTokensEstimate: 10, textChars: 20, turn: 0, poolRunning: {}, poolWaiting: {} },
      decision: { pool, model: pool, propensity: 0.5, policy: i % 2 ? 'linucb' : 'random' },
      status: ok ? 'ok' : 'failed',
      ...(ok ? {} : { errorClass: 'http_5xx' as const }),
      timing: { scheduledMs: i, sentMs: i, sendLagMs: 0, ttftMs: 50, tpotMs: 10, e2eMs: 400, itlMs },
      tokens: { output: itlMs.length + 1, usageMissing: false },
      costUsd: pool === 'large' ? 0.002 : 0.0004,
      quality: rng.next(),
      reward: rng.next() + (pool === 'large' && category === 'code' ? 0.3 : 0),
      sloViolated: false,
    } as RequestResult;
  });
}

describe('the run digest', () => {
  // 5,000 requests: more than 120 windows of 10, so windows are merged as the digest goes.
  const all = records(5000, 7);
  const run = join(dir, 'run');
  beforeAll(() => {
    mkdirSync(run, { recursive: true });
    writeFileSync(join(run, 'requests.jsonl'), all.map((r) => JSON.stringify(r)).join('\n') + '\n');
  });

  it('cumulative regret per window is the definition, summed in file order', async () => {
    const d = await digestRun(run, {});
    const means = new Map<string, { n: number; sum: number }>();
    for (const r of all) {
      const k = `${r.labels.category}/${r.decision.pool}`;
      const m = means.get(k) ?? { n: 0, sum: 0 };
      m.n++;
      m.sum += r.reward!;
      means.set(k, m);
    }
    const best = (c: string) =>
      Math.max(...['small', 'large'].map((p) => means.get(`${c}/${p}`)!.sum / means.get(`${c}/${p}`)!.n));
    const width = d.windows.bucketWidth;
    const entries = d.windows.entries();
    expect(entries.length).toBeGreaterThan(10);
    const cumulative = new Map<string, number>();
    let w = 0;
    for (const [i, r] of all.entries()) {
      const policy = r.decision.policy;
      cumulative.set(policy, (cumulative.get(policy) ?? 0) + best(r.labels.category) - r.reward!);
      const endOfWindow = i === all.length - 1 || Math.floor((i + 1) / width) !== Math.floor(i / width);
      if (!endOfWindow) continue;
      const got = entries[w++]!.value.regret;
      for (const [p, v] of cumulative) expect(got.get(p)).toBeCloseTo(v, 6);
    }
    expect(w).toBe(entries.length);
  });

  it('inter-token gaps: the same histogram as recording each gap, and the same digest from another pass', async () => {
    const d = await digestRun(run, {});
    // Per pool, and every pool together (merged from the pools' counts at the end).
    for (const pool of ['small', 'large', undefined]) {
      const h = newHistogram();
      for (const r of all)
        if ((pool === undefined || r.decision.pool === pool) && r.status === 'ok')
          for (const g of r.timing.itlMs) recordMs(h, g);
      const got = pool === undefined ? d.overall.ITL : d.latency.get(pool)!.ITL;
      expect(got.totalCount).toBe(h.totalCount);
      for (const p of [1, 10, 50, 90, 99, 99.9, 100])
        expect(got.getValueAtPercentile(p)).toBe(h.getValueAtPercentile(p));
    }
    const digester = new RunDigester({});
    const count = await forEachRequest(join(run, 'requests.jsonl'), (r) => digester.add(r));
    const again = digester.finish(count);
    expect(again.records).toBe(5000);
    expect(again.overall.ITL.totalCount).toBe(d.overall.ITL.totalCount);
    expect([...again.windows.entries()].map((e) => [...e.value.regret])).toEqual(
      [...d.windows.entries()].map((e) => [...e.value.regret]),
    );
  });
});
