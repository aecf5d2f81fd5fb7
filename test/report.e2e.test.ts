/**
 * Every kind of report rendered in headless Chromium: a run (split router, errors
 * injected), a sweep, a training + evaluation folder on full-information data, a logged-run
 * evaluation, a capacity search, repeated trials, and comparisons of runs (paired),
 * repeats and policies. Each page must draw data marks in every chart, log no error and ask the
 * network for nothing. Screenshots stay in results/report-screenshots/ for people to look at.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PROJECT_ROOT } from '../datasets/paths.ts';
import { parseExperiment } from '../harness/runner/config.ts';
import { runExperiment } from '../harness/runner/runner.ts';
import { writeReport } from '../harness/report/write-report.ts';
import { buildComparison } from '../harness/report/compare-report.ts';
import { renderPage } from '../harness/report/page.ts';
import { searchCapacity, type CapacityResult } from '../harness/trials/capacity.ts';
import { runRepeated } from '../harness/trials/repeat.ts';
import { POLICY_FACTORIES, prepareLearners } from '../learners/policy-factories.ts';
import { evaluate } from '../scripts/commands/eval.ts';
import { train } from '../scripts/commands/train.ts';
import { ReportBrowser } from './report-browser.ts';

const SHOTS = join(PROJECT_ROOT, 'results', 'report-screenshots');
const out = mkdtempSync(join(tmpdir(), 'wrp-report-'));
let browser: ReportBrowser;

const pool = (name: string, model: string, extra: Record<string, unknown> = {}) => ({
  name,
  model,
  sim: { model, ...extra },
  pricing: { input_per_1m: name === 'small' ? 0.1 : 0.6, output_per_1m: name === 'small' ? 0.2 : 1.2 },
  energy: 'sim',
});

function experiment(over: Record<string, unknown>) {
  return parseExperiment(
    {
      name: 'report',
      seed: 5,
      pools: [pool('small', 'llama-3.2-1b', { faults: { http_500: 0.05 } }), pool('big', 'llama-3.1-8b')],
      workload: {
        sources: [{ type: 'synthetic', archetypes: { chat: 3, agent: 1, rag: 1 }, output_scale: 0.2 }],
        arrival: { type: 'poisson', rate: 40 },
      },
      router: {
        type: 'split',
        policies: [{ type: 'linucb', alpha: 0.3, features: { text: false } }, { type: 'random' }],
      },
      feedback: { reward: { quality: 1, cost: 0.3, cost_scale: 0.002, missing_quality: 'zero' } },
      stop: { requests: 160 },
      slo: { ttft_ms: 400, tpot_ms: 40 },
      telemetry: { interval_ms: 200 },
      ...over,
    },
    'report.yaml',
  );
}

async function run(over: Record<string, unknown>): Promise<string> {
  const config = experiment(over);
  await prepareLearners(config.router);
  const o = await runExperiment({
    config,
    configFile: join(out, 'report.yaml'),
    policies: POLICY_FACTORIES,
    outRoot: out,
    progress: false,
    log: () => {},
  });
  return o.runDir;
}

const dirs: Record<string, string> = {};
let capacity: CapacityResult | undefined;
/** Comparisons: report.html written straight into these folders. */
const compared: Record<string, string[]> = {};

async function writeComparison(name: string, of: string[]): Promise<string> {
  const dir = join(out, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'report.html');
  writeFileSync(file, renderPage((await buildComparison(of)).page));
  return file;
}

beforeAll(async () => {
  browser = await ReportBrowser.launch();
  dirs.run = await run({});
  dirs.sweep = await run({
    name: 'report-sweep',
    router: { type: 'static', default: 'big' },
    workload: {
      sources: [{ type: 'synthetic', archetypes: { chat: 1 }, output_scale: 0.2 }],
      arrival: {
        type: 'sweep',
        stages: [
          { rate: 5, duration_s: 1.5, label: '5/s' },
          { rate: 20, duration_s: 1.5, label: '20/s' },
          { rate: 60, duration_s: 1.5, label: '60/s' },
        ],
      },
    },
    stop: { duration_s: 4.5, grace_s: 30 },
  });
  const base = experiment({ stop: { requests: 40 } });
  const search = await searchCapacity({
    // A small batch (8 sequences) so the search meets a rate that fails.
    config: experiment({
      router: { type: 'static', default: 'big' },
      pools: [pool('big', 'llama-3.1-8b', { max_num_seqs: 8 })],
    }),
    configFile: join(out, 'report.yaml'),
    policies: POLICY_FACTORIES,
    outRoot: out,
    target: 0.9,
    minRate: 20,
    maxRate: 640,
    trialRequests: 30,
    precision: 0.5,
    maxTrials: 6,
    process: 'poisson',
    log: () => {},
  });
  dirs.capacity = search.dir;
  capacity = search.result;
  const repeat = (config: typeof base) =>
    runRepeated({
      config,
      configFile: join(out, 'report.yaml'),
      policies: POLICY_FACTORIES,
      outRoot: out,
      trials: 2,
      log: () => {},
    });
  dirs.repeat = (await repeat(base)).dir;
  const repeatStatic = (await repeat({ ...base, name: 'report-static', router: { type: 'static', default: 'small' } }))
    .dir;
  // Same seed and schedule as the first run, another router: paired by request.
  const staticRun = await run({ name: 'report-static', router: { type: 'static', default: 'small' } });
  compared['compare-runs'] = [dirs.run!, staticRun];
  compared['compare-repeats'] = [dirs.repeat, repeatStatic];
  // Training and evaluation on the synthetic RouterBench fixture (two models: a PGR curve).
  vi.stubEnv('WRP_DATA_DIR', join(PROJECT_ROOT, 'datasets/fixtures/cascade'));
  const quiet = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    dirs.policy = join(out, 'policy');
    await train({
      learner: 'linucb',
      data: 'routerbench:train',
      out: dirs.policy,
      params: '{}',
      lambda: 0,
      requests: 0,
      seed: 1,
      force: false,
    });
    await evaluate({ policy: dirs.policy, data: 'routerbench:test', lambda: 0 });
    // The same policy judged off-policy on the logged run.
    dirs.logged = join(out, 'logged');
    await train({
      learner: 'linucb',
      data: dirs.run,
      out: dirs.logged,
      params: '{}',
      lambda: 0,
      requests: 0,
      seed: 1,
      force: false,
    });
    await evaluate({ policy: dirs.logged, data: dirs.run, lambda: 0 });
  } finally {
    quiet.mockRestore();
    vi.unstubAllEnvs();
  }
  compared['compare-policies'] = [dirs.policy, dirs.logged];
}, 600_000);

afterAll(async () => {
  await browser?.close();
  rmSync(out, { recursive: true, force: true });
});

const KINDS = [
  'run',
  'sweep',
  'policy',
  'logged',
  'capacity',
  'repeat',
  'compare-runs',
  'compare-repeats',
  'compare-policies',
];

describe('report.html in headless Chromium', () => {
  it.each(KINDS)(
    '%s: every chart draws marks, no errors, no network',
    async (kind) => {
      const file = kind in compared ? await writeComparison(kind, compared[kind]!) : await writeReport(dirs[kind]!);
      const seen = await browser.render(file, join(SHOTS, `${kind}.png`));
      expect(seen.pageErrors).toEqual([]);
      expect(seen.consoleErrors).toEqual([]);
      expect(seen.requests).toEqual([]);
      expect(seen.total).toBeGreaterThan(0);
      expect(seen.rendered).toBe(seen.total);
      for (const c of seen.charts) expect(c, `${kind} ${c.id}`).toMatchObject({ state: 'ok' });
      for (const c of seen.charts) expect(c.marks, `${kind} ${c.id} marks`).toBeGreaterThan(0);
    },
    180_000,
  );
});

describe('capacity search', () => {
  it('brackets the capacity between a passing and a failing rate', () => {
    const c = capacity!;
    expect(c.capacity).toBeDefined();
    expect(c.firstFailing).toBeGreaterThan(c.capacity!);
    const passing = c.trials.filter((t) => t.verdict === 'meets target');
    expect(Math.max(...passing.map((t) => t.rate))).toBe(c.capacity);
    for (const t of passing) expect(t.share).toBeGreaterThanOrEqual(0.9);
    // Nothing above the first failing rate was tried; every later trial bisects below it.
    const firstFail = c.trials.find((t) => t.verdict !== 'meets target')!;
    for (const t of c.trials) expect(t.rate).toBeLessThanOrEqual(firstFail.rate);
  });
});

describe('the browser check itself', () => {
  it('sees a chart that drew nothing and one that failed', async () => {
    const dir = join(out, 'broken');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'report.html');
    writeFileSync(
      file,
      renderPage({
        title: 'broken on purpose',
        sections: [
          {
            heading: 'charts',
            charts: [
              {
                title: 'no data',
                spec: { data: { values: [] }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' } } },
              },
              // An unknown mark type: vega-lite refuses to compile it.
              { title: 'bad', spec: JSON.parse('{"data":{"values":[{"x":1}]},"mark":"nonsense"}') },
            ],
          },
        ],
      }),
    );
    const seen = await browser.render(file, join(out, 'broken.png'));
    expect(seen.charts.map((c) => c.state)).toEqual(['ok', 'error']);
    expect(seen.charts[0]!.marks).toBe(0);
    expect(seen.rendered).toBe(1);
  }, 120_000);
});
