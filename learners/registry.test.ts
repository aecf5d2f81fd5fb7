import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCtx } from './bandits/testing.ts';
import { FrozenLearner, learnerPolicyFactories, LEARNERS, loadLearner } from './registry.ts';
import { REPLAY_LEARNERS } from './rl/cascade-entry.ts';
import { CascadePolicy } from './rl/cascade-policy.ts';
import type { Learner } from './types.ts';
import { WrpError } from '../core/errors.ts';
import { loadPolicyFile } from './policy-file.ts';

const ctx = { pools: ['small', 'medium', 'large'], seed: 7, file: 'experiments/x.yaml' };
const factories = learnerPolicyFactories({ small: 'llama-8b', medium: 'llama-70b' });
const build = (spec: Record<string, unknown>, c = ctx) => factories[String(spec.type)]!(spec, c) as Learner;
const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(WrpError);
    expect((e as WrpError).exitStatus).toBe(2);
    return (e as Error).message;
  }
  throw new Error('expected a user-fixable WrpError');
};

describe('learnerPolicyFactories', () => {
  it('offers every learner plus policy_file', () => {
    expect(Object.keys(factories).sort()).toEqual(
      [...Object.keys(LEARNERS), ...Object.keys(REPLAY_LEARNERS), 'policy_file'].sort(),
    );
  });

  it('refuses the cascades in wrp run: one call per request', () => {
    for (const type of ['cascade', 'response_cascade']) {
      expect(message(() => build({ type }))).toMatch(
        new RegExp(
          `experiments/x\\.yaml: router\\.type: ${type}: a cascade may call several models per request .*wrp run makes one call per request; train and evaluate it offline: wrp train`,
        ),
      );
    }
  });

  it('builds a learner over the experiment pools; models from the map, else ctx.models, else the pool', () => {
    const l = build({ type: 'linucb', alpha: 1, features: { text: { dim: 32 } } });
    expect(l.save().actions).toEqual([
      { pool: 'small', model: 'llama-8b' },
      { pool: 'medium', model: 'llama-70b' },
      { pool: 'large', model: 'large' },
    ]);
    expect(l.save().hyperparameters).toEqual({ alpha: 1, lambda: 1, seed: 7 }); // seed from the experiment
    const withModels = factories.random!({ type: 'random' }, {
      ...ctx,
      models: ['a', 'b', 'c'],
    } as typeof ctx) as Learner;
    expect(withModels.save().actions.map((a) => a.model)).toEqual(['a', 'b', 'c']);
  });

  it('router.actions restricts the action set and must name known pools', () => {
    expect(
      build({ type: 'ucb1', actions: ['large', 'small'] })
        .save()
        .actions.map((a) => a.pool),
    ).toEqual(['large', 'small']);
    expect(message(() => build({ type: 'ucb1', actions: ['small', 'xl'] }))).toMatch(
      /router\.actions: expected one of the pools small, medium, large, got "xl"/,
    );
  });

  it('router.signals: the learner decides on the categories the router computes, and saves the map', () => {
    const l = build({ type: 'beta_thompson', signals: 'builtin:synthetic' });
    // The workload says "code"; the text is a math task by the router's keyword rules.
    const ctx = makeCtx({ category: 'code', text: 'What is 12 * 7? Give the final answer as a single number.' });
    for (let i = 0; i < 30; i++) l.update(ctx, 'large', 1);
    const saved = l.save();
    expect(saved.signals).toMatchObject({ name: 'builtin:synthetic' });
    // Per-category statistics, keyed by the router's category.
    expect((saved.parameters.stats as [string, number[], number[]][]).map(([key]) => key)).toEqual(['math']);
    expect(message(() => build({ type: 'beta_thompson', signals: 'builtin:nope' }))).toMatch(/builtin:nope/);
  });

  it('hyperparameter errors name router.<key>', () => {
    expect(message(() => build({ type: 'linucb', alpha: -1 }))).toMatch(
      /experiments\/x\.yaml: router\.alpha: .*got -1/,
    );
    expect(message(() => build({ type: 'linucb', alpah: 1 }))).toMatch(/router: unknown key\(s\) 'alpah'/);
    expect(message(() => build({ type: 'epsilon_greedy', epsilon: 2 }))).toMatch(/router\.epsilon/);
    expect(message(() => build({ type: 'beta_thompson', scope: 'tier' }))).toMatch(/router\.scope/);
    expect(message(() => build({ type: 'lin_thompson', features: { categories: 'all' } }))).toMatch(
      /router\.features\.categories/,
    );
    expect(message(() => build({ type: 'linucb', features: { text: { dim: 0 } } }))).toMatch(/router\.features\.text/);
  });

  it('pools named inside a block must be actions', () => {
    expect(message(() => build({ type: 'static', map: { math: 'xl' }, default: 'small' }))).toMatch(
      /router\.map: .*got "xl"/,
    );
    expect(message(() => build({ type: 'static', map: {}, default: 'large', actions: ['small'] }))).toMatch(
      /router\.default: expected one of the pools small, got "large"/,
    );
    expect(message(() => build({ type: 'beta_thompson', quality_seeds: { math: { xl: 0.5 } } }))).toMatch(
      /router\.quality_seeds\.math/,
    );
    expect(message(() => build({ type: 'oracle', models: { xl: 'gpt-4' } }))).toMatch(/router\.models/);
  });
});

describe('policy files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wrp-policy-'));
  const trained = build({ type: 'linucb', features: { text: { dim: 16 } } });
  for (let i = 0; i < 20; i++) {
    const c = makeCtx({ text: `question ${i}`, category: i % 2 ? 'math' : 'code' });
    trained.update(c, trained.choose(c).action, i % 3 === 0 ? 1 : 0);
  }
  const path = join(dir, 'policy.json');
  writeFileSync(path, JSON.stringify(trained.save()));
  const experiment = join(dir, 'exp.yaml');

  it('policy_file loads relative to the experiment file and acts like the saved learner', () => {
    const l = build({ type: 'policy_file', path: 'policy.json' }, { ...ctx, file: experiment });
    const c = makeCtx({ text: 'new question', category: 'math' });
    expect(l.scores!(c)).toEqual(trained.scores!(c));
    expect(l.name).toBe('linucb');
  });

  it('freeze: acts but does not learn', () => {
    const l = build({ type: 'policy_file', path: 'policy.json', freeze: true }, { ...ctx, file: experiment });
    expect(l).toBeInstanceOf(FrozenLearner);
    const before = JSON.stringify(l.save());
    l.update(makeCtx(), 'small', 1);
    expect(JSON.stringify(l.save())).toBe(before);
  });

  it('refuses a saved cascade: the runner makes one call per request', () => {
    const cascade = new CascadePolicy({
      levels: [
        { pool: 'small', model: 'a', costPerCall: 1 },
        { pool: 'large', model: 'b', costPerCall: 5 },
      ],
      costQualityTradeoff: 0,
    });
    writeFileSync(join(dir, 'cascade.json'), JSON.stringify(cascade.save()));
    expect(loadLearner(cascade.save())).toBeInstanceOf(CascadePolicy); // wrp eval loads it
    const m = message(() => build({ type: 'policy_file', path: 'cascade.json' }, { ...ctx, file: experiment }));
    expect(m).toMatch(
      /router\.path \(cascade\.json\): a cascade policy: a cascade may call several models per request .*one call per request/,
    );
  });

  it('fails before the run when the policy routes to pools the experiment lacks', () => {
    const m = message(() =>
      build({ type: 'policy_file', path: 'policy.json' }, { pools: ['small', 'medium'], seed: 0, file: experiment }),
    );
    expect(m).toMatch(/router\.path \(policy\.json\): actions: expected one of the pools small, medium, got "large"/);
  });

  it('rejects unknown versions, bad JSON, bad envelopes and unknown learners clearly', () => {
    const write = (name: string, body: string) => (writeFileSync(join(dir, name), body), join(dir, name));
    expect(message(() => loadPolicyFile(write('v9.json', JSON.stringify({ ...trained.save(), version: 9 }))))).toMatch(
      /version: this wrp reads policy files of versions 1 to 2, got 9/,
    );
    expect(message(() => loadPolicyFile(write('bad.json', '{')))).toMatch(/cannot read the policy file/);
    const noLearner: Record<string, unknown> = { ...trained.save() };
    delete noLearner.learner;
    expect(message(() => loadPolicyFile(write('nolearner.json', JSON.stringify(noLearner))))).toMatch(/learner: /);
    expect(message(() => loadLearner({ ...trained.save(), learner: 'mystery' }))).toMatch(
      /learner: expected one of .*linucb.*got "mystery"/,
    );
    const wrongDim = trained.save();
    wrongDim.parameters = { ...wrongDim.parameters, arms: [] };
    expect(() => loadLearner(wrongDim, 'p.json')).toThrow(/parameters\.arms has 0 arms for 3 actions/);
    const badHyper = { ...trained.save(), hyperparameters: { alpha: 'wide' } };
    expect(message(() => loadLearner(badHyper, 'p.json'))).toMatch(/p\.json: hyperparameters\.alpha/);
  });
});
