/**
 * The report pipeline without a browser: a synthetic run folder (two pools, two policies,
 * two sweep stages, a failure, a torn last line) digested by streaming, and every chart of
 * its page compiled by vega-lite and rendered by vega to SVG with data marks. The
 * Chromium test (test/report.e2e.test.ts) renders real runs' pages.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { parseExperiment } from '../runner/config.ts';
import { summarise } from '../runner/summary.ts';
import type { RequestResult } from '../types.ts';
import { Buckets } from './buckets.ts';
import { escapeHtml, renderPage } from './page.ts';
import { digestRun } from './run-digest.ts';
import { runReport } from './run-report.ts';
import { stageRows } from './run-charts.ts';

const dir = mkdtempSync(join(tmpdir(), 'wrp-report-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function record(i: number): RequestResult {
  const pool = i % 2 ? 'big' : 'small';
  const stage = i < 50 ? 0 : 1;
  const failed = i === 7;
  const sentMs = stage === 0 ? i * 100 : 5000 + (i - 50) * 20;
  return {
    id: `s${i}/0`,
    runId: 'r',
    labels: {
      id: `s${i}/0`,
      source: 'synthetic',
      category: i % 3 ? 'math' : 'chitchat',
      archetype: i % 4 ? 'chat' : 'agent',
      sessionId: `s${i}`,
      turn: 0,
      warm: false,
      lengthClass: 'balanced',
    },
    stage,
    stageLabel: stage ? 'fast' : 'slow',
    features: { promptTokensEstimate: 100, textChars: 400, turn: 0, poolRunning: {}, poolWaiting: {} },
    decision: { pool, model: pool, propensity: 0.5, policy: i % 4 < 2 ? 'random' : 'learner' },
    status: failed ? 'failed' : 'ok',
    ...(failed ? { errorClass: 'http_5xx' } : {}),
    timing: {
      scheduledMs: sentMs,
      sentMs,
      sendLagMs: 0,
      ...(failed ? {} : { ttftMs: 20 + (i % 10) * (stage ? 30 : 3), tpotMs: pool === 'big' ? 9 : 4, e2eMs: 300 + i }),
      itlMs: failed ? [] : [4, 5, 6],
    },
    tokens: { output: failed ? 0 : 30, usageMissing: false },
    costUsd: pool === 'big' ? 0.002 : 0.0005,
    ...(failed ? {} : { energyJ: pool === 'big' ? 9 : 3 }),
    quality: failed ? 0 : pool === 'big' ? 0.9 : (i % 5) / 5,
    evaluator: 'numeric',
    reward: failed ? 0 : pool === 'big' ? 0.7 : 0.5,
    sloViolated: false,
  };
}

const records = Array.from({ length: 100 }, (_, i) => record(i));
const config = parseExperiment(
  {
    name: 'unit',
    seed: 1,
    pools: ['small', 'big'].map((name) => ({
      name,
      model: name,
      sim: { model: 'llama-3.2-1b' },
      pricing: { input_per_1m: 1, output_per_1m: 1 },
    })),
    workload: { sources: [{ type: 'synthetic' }], arrival: { type: 'poisson', rate: 1 } },
    router: { type: 'random' },
    stop: { requests: 100 },
    slo: { ttft_ms: 100 },
  },
  'unit.yaml',
);
writeFileSync(join(dir, 'config.resolved.yaml'), stringify(config));
writeFileSync(join(dir, 'requests.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
appendFileSync(join(dir, 'requests.jsonl'), '{"id": "torn');
const summary = summarise({
  runId: 'r',
  experiment: 'unit',
  records,
  durationS: 10,
  slo: config.slo,
  stoppedBy: 'requests',
  energyMethod: 'test',
});
writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const itemsOf = (v: unknown): unknown[] => (isObj(v) && Array.isArray(v.items) ? v.items : []);

/** Items of data marks in a scenegraph (role "mark"; axes, legends and frames have other roles); group items hold marks. */
function dataMarks(mark: unknown): number {
  if (!isObj(mark)) return 0;
  let n = mark.role === 'mark' && mark.marktype !== 'group' ? itemsOf(mark).length : 0;
  for (const item of itemsOf(mark)) for (const child of itemsOf(item)) n += dataMarks(child);
  return n;
}

describe('run digest', () => {
  it('streams every record once, skips the torn line, and keeps stages, energy and regret', async () => {
    const d = await digestRun(dir, config.slo);
    expect(d.records).toBe(100);
    expect(d.skipped).toBe(1);
    expect(d.failed).toBe(1);
    expect([...d.policies].sort()).toEqual(['learner', 'random']);
    const stages = stageRows(d);
    expect(stages.map((s) => s.stage)).toEqual(['slow', 'fast']);
    // 50 sessions over 4.9 s and over 0.98 s.
    expect(stages[0]!.offered).toBeCloseTo(10, 5);
    expect(stages[1]!.offered).toBeCloseTo(50, 5);
    expect(d.regretBasis).toBeDefined();
    expect(d.energy.size).toBeGreaterThan(0);
    // Every big-pool request was randomised: 49 at quality 0.9 and the failed one at 0.
    expect(d.randomised.get('big')!.wq / d.randomised.get('big')!.w).toBeCloseTo((49 * 0.9) / 50, 10);
  });

  it('every chart of the page compiles and draws data marks', async () => {
    const page = await runReport(dir);
    const charts = page.sections.flatMap((s) => s.charts ?? []);
    expect(charts.length).toBeGreaterThanOrEqual(6);
    for (const c of charts) {
      const view = new vega.View(vega.parse(compile(c.spec).spec), { renderer: 'none' });
      await view.runAsync();
      // vega-typings call the scenegraph a Scene; at run time its marks hang under `root`.
      const root = (view.scenegraph() as { root?: unknown }).root;
      expect(dataMarks(root), c.title).toBeGreaterThan(0);
      view.finalize();
    }
    const html = renderPage(page);
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/https?:\/\/cdn/);
  });
});

describe('page and buckets', () => {
  it('escapes text and data so nothing closes a script element', () => {
    expect(escapeHtml('<b>"x" & \'y\'</b>')).toBe('&#60;b&#62;&#34;x&#34; &#38; &#39;y&#39;&#60;/b&#62;');
    const html = renderPage({
      title: '</script><script>alert(1)</script>',
      sections: [{ heading: 'h', text: ['</script>'] }],
    });
    expect(html).not.toContain('</script><script>alert(1)');
  });

  it('buckets double their width instead of growing past the limit', () => {
    const b = new Buckets<{ n: number }>(
      1,
      4,
      () => ({ n: 0 }),
      (a, x) => void (a.n += x.n),
    );
    for (let t = 0; t < 16; t++) b.at(t + 0.5).n++;
    expect(b.bucketWidth).toBe(4);
    expect(b.entries().map((e) => [e.start, e.value.n])).toEqual([
      [0, 4],
      [4, 4],
      [8, 4],
      [12, 4],
    ]);
    const c = b.coarsened(2);
    expect(c.width).toBe(8);
    expect(c.entries.map((e) => e.value.n)).toEqual([8, 8]);
  });
});
