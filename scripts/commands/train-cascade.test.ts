/** `wrp train` / `wrp eval` with the cascade learners on the synthetic RouterBench fixture (datasets/fixtures/cascade). */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { PROJECT_ROOT } from '../../datasets/paths.ts';
import { loadLearner } from '../../learners/registry.ts';
import { evaluate } from './eval.ts';
import { train } from './train.ts';
import { UsageError } from '../../core/errors.ts';
import { loadPolicyFile } from '../../learners/policy-file.ts';

const FIX = join(PROJECT_ROOT, 'datasets/fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'wrp-cascade-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const LEVELS = 'acme/small-1,acme/big-1';
let outs = 0;
const args = (extra: Partial<Parameters<typeof train>[0]> = {}) => ({
  learner: 'cascade',
  data: 'routerbench:train',
  models: LEVELS,
  out: join(tmp, `out-${++outs}`),
  params: '{}',
  lambda: 0,
  requests: 0,
  seed: 1,
  force: false,
  ...extra,
});

let log: MockInstance<typeof console.log>;
beforeEach(() => {
  vi.stubEnv('WRP_DATA_DIR', join(FIX, 'cascade'));
  log = vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterEach(() => {
  vi.unstubAllEnvs();
  log.mockRestore();
});
const printed = () => log.mock.calls.map((c) => String(c[0])).join('\n');
const num = (re: RegExp) => Number(re.exec(printed())![1]);

/** policy.json as written, and a load/save round trip of it. */
function roundTrip(dir: string): { file: unknown; again: unknown } {
  const path = join(dir, 'policy.json');
  const file = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  return { file, again: JSON.parse(JSON.stringify(loadLearner(loadPolicyFile(path), path).save())) };
}

describe('wrp train / wrp eval --learner cascade', () => {
  it('trains a per-category cascade on routerbench:train and reports it on routerbench:test', async () => {
    const out = join(tmp, 'cascade');
    // Every level's answer fed back (observe_all): with bandit feedback on 120 rows the learner
    // finds the big model for winograde on 2 of 8 seeds only (exploration, issue 16).
    await train(args({ out, params: '{"cost_quality_tradeoff": 0.3, "observe_all": true}' }));
    const { file, again } = roundTrip(out);
    expect(again).toEqual(file);
    // A second run into the same folder needs --force: training must not overwrite silently.
    await expect(train(args({ out }))).rejects.toThrow(/^--out: .* already holds a policy\.json; pass --force/);
    await train(args({ out, force: true, params: '{"cost_quality_tradeoff": 0.3, "observe_all": true}' }));
    const f = file as { version: number; learner: string; actions: unknown; training: Record<string, unknown> };
    expect([f.version, f.learner]).toEqual([2, 'cascade']);
    expect(f.actions).toEqual([
      { pool: 'small-1', model: 'acme/small-1' },
      { pool: 'big-1', model: 'acme/big-1' },
    ]);
    expect(f.training).toMatchObject({
      data: 'routerbench:train',
      rows: 120,
      droppedRows: 0,
      replay: { confidence: 'none' },
    });

    log.mockClear();
    await evaluate({ policy: out, data: 'routerbench:test', lambda: 0 });
    const text = printed();
    expect(text).toMatch(/^cascade small-1 -> big-1 on routerbench:test \(60 prompts\)/);
    // The small model is good on arc and poor on winograde: the cascade starts winograde at the big one.
    expect(text).toMatch(/started at \{"small-1":30,"big-1":30\}/);
    expect(num(/quality ([\d.]+)/)).toBeGreaterThan(0.75);
    expect(num(/mean cost \(every call\) ([\d.]+)/)).toBeLessThan(
      num(/best single \(acme\/big-1\) [\d.]+ at ([\d.]+)/),
    );
    expect(text).toMatch(/escalation share [\d.]+/);
    expect(text).toMatch(/big-1 over small-1: PGR [\d.]+; escalation-threshold curve: APGR [\d.]+, CPT\(50%\) [\d.]+/);
    expect(text).toMatch(/cost-APGR [\d.]+, USD\/request at PGR 50% [\d.]+/);
  });

  it('trains a response-aware cascade with a peer and reads its answers on the test split', async () => {
    const out = join(tmp, 'response');
    await train(
      args({
        learner: 'response_cascade',
        out,
        params: '{"cost_quality_tradeoff": 0.3, "peers": ["acme/tiny-1"], "feedback": "inferred"}',
      }),
    );
    const { file, again } = roundTrip(out);
    expect(again).toEqual(file);
    expect((file as { hyperparameters: Record<string, unknown> }).hyperparameters).toMatchObject({
      peerModels: ['acme/tiny-1'],
      feedback: 'inferred',
    });

    log.mockClear();
    await evaluate({ policy: out, data: 'routerbench', split: 'test', lambda: 0 });
    const text = printed();
    expect(text).toMatch(/^response_cascade small-1 -> big-1 on routerbench:test \(60 prompts\)/);
    // Every request pays the weak and the peer call; hedged weak answers are escalated.
    expect(num(/calls\/request ([\d.]+)/)).toBeGreaterThan(2);
    const share = num(/escalation share ([\d.]+)/);
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.8);
    expect(num(/APGR ([\d.]+)/)).toBeGreaterThan(0.6);
  });
});

describe('cascade bad input: one usage line naming the flag and what is supported', () => {
  const fails = (a: Parameters<typeof train>[0]) => expect(train(a)).rejects.toThrow(UsageError);
  const says = (a: Parameters<typeof train>[0], re: RegExp) => expect(train(a)).rejects.toThrow(re);

  it('picks the operating point from a budget, and marks the label-reading confidence proxy in every output', async () => {
    const budgeted = join(tmp, 'budget');
    await train(
      args({ learner: 'response_cascade', out: budgeted, params: '{"feedback": "inferred", "budget_usd": 0.0012}' }),
    );
    const point = (loadPolicyFile(join(budgeted, 'policy.json')).training as { operatingPoint: Record<string, number> })
      .operatingPoint;
    expect(point.budgetUsd).toBe(0.0012);
    expect(point.meanCost).toBeLessThanOrEqual(0.0012);
    log.mockClear();
    await evaluate({ policy: budgeted, data: 'routerbench:test', lambda: 0 });
    expect(printed()).toMatch(/operating point: budget 0\.001200 USD\/request -> escalation threshold/);
    await expect(train(args({ params: '{"budget_usd": 0.001, "cost_quality_tradeoff": 0.2}' }))).rejects.toThrow(
      /state one operating point: cost_quality_tradeoff or budget_usd, not both/,
    );

    const proxy = join(tmp, 'proxy');
    log.mockClear();
    await train(args({ out: proxy, params: '{"confidence_noise": 0.1}' }));
    expect(printed()).toMatch(/^OPTIMISTIC: confidence_noise reads each answer's true score/m);
    log.mockClear();
    await evaluate({ policy: proxy, data: 'routerbench:test', lambda: 0 });
    expect(printed()).toMatch(/on routerbench:test \(60 prompts\) \[OPTIMISTIC\]\n {2}OPTIMISTIC: /);
  });

  it('refuses logged runs and the simulator: each request made one call', async () => {
    await fails(args({ data: tmp }));
    await says(
      args({ data: tmp }),
      /^--data: the cascades train on a dataset with every model's score and cost \(--data routerbench:train\); a logged run made one call per request/,
    );
    await says(
      args({ data: 'sim:experiments/quickstart.yaml' }),
      /^--data: .*the simulator's runner makes one call per request/,
    );
    await expect(evaluate({ policy: join(tmp, 'cascade'), data: tmp, lambda: 0 })).rejects.toThrow(
      /^--data: a cascade policy is evaluated on a dataset .*a logged run made one call per request/,
    );
  });

  it('needs the levels, costs and (response_cascade) answer texts', async () => {
    await says(
      args({ models: undefined }),
      /^--models: cascade needs its levels, at least two dataset models ordered small to large/,
    );
    await says(args({ models: 'acme/big-1' }), /^--models: cascade needs its levels/);
    await says(
      args({ models: 'acme/big-1,acme/big-1' }),
      /^--models: expected each level once, got "acme\/big-1" twice/,
    );
    await says(args({ models: 'acme/small-1,acme/huge-9' }), /^--models: expected names among .*got "acme\/huge-9"/);
    await says(
      args({ learner: 'response_cascade', params: '{"peers": ["acme/big-1"]}' }),
      /^--params: peers: expected models that are not levels, got "acme\/big-1"/,
    );
    await says(args({ params: '{"bins": 0}' }), /^--params: bins: /);
    await says(args({ lambda: 0.5 }), /^--lambda: the cascades weigh cost with --params .*cost_quality_tradeoff/);
    await says(
      args({ data: 'routerbench:train', split: 'test' }),
      /^--split: "test" contradicts --data routerbench:train/,
    );
    await says(args({ data: 'routerbench:dev' }), /^--data: expected a split of train, test or all, got "dev"/);
    // RouterDC has scores but no costs or answers.
    cpSync(join(FIX, 'routerdc'), join(tmp, 'data', 'routerdc-7b'), { recursive: true });
    vi.stubEnv('WRP_DATA_DIR', join(tmp, 'data'));
    await says(
      args({ data: 'routerdc:test', files: 'gsm8k', models: 'org/model-a,org/model-b' }),
      /^--data routerdc:test: no row has a score and a cost for every cascade model/,
    );
    await says(
      args({ learner: 'response_cascade', data: 'routerdc:test', files: 'gsm8k', models: 'org/model-a,org/model-b' }),
      /no row has a score, a cost and an answer text for every cascade model/,
    );
  });

  it('lists the cascades among the learners', async () => {
    await says(
      args({ learner: 'cascadee' }),
      /^--learner: expected one of .*cascade, response_cascade, got "cascadee"/,
    );
  });
});
