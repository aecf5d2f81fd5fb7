import { describe, expect, it } from 'vitest';
import { lineupEntry } from './lineup.ts';
import { runOne, seedInputs } from './run.ts';
import { parseScenario } from './scenario.ts';

const pools = [
  {
    name: 'small',
    model: 'llama-3.2-3b',
    sim: { model: 'llama-3.2-3b', gpu: 'L4', replicas: 2 },
    pricing: { input_per_1m: 0.06, output_per_1m: 0.06 },
  },
  {
    name: 'large',
    model: 'llama-3.1-70b',
    sim: { model: 'llama-3.1-70b', tp: 4 },
    pricing: { input_per_1m: 0.88, output_per_1m: 0.88 },
  },
];
const base = {
  name: 't',
  requests: 300,
  pools,
  workload: {
    sources: [
      { type: 'synthetic', archetypes: { chat: 1 }, categories: { math: 1, 'multiple-choice': 1 }, output_scale: 0.5 },
    ],
    arrival: { type: 'poisson', rate: 4 },
  },
  reward: { quality: 1, cost: 0.3, cost_scale: 0.001 },
};
const scenario = (patch: Record<string, unknown> = {}) => parseScenario({ ...base, ...patch });
const run = (name: string, patch: Record<string, unknown> = {}, seed = 1) =>
  runOne(scenario(patch), lineupEntry(name), seed);

describe('runOne', () => {
  it('is a pure function of (scenario, learner, seed)', () => {
    const a = run('beta_thompson');
    const b = run('beta_thompson');
    expect({ ...a, wallMs: 0 }).toEqual({ ...b, wallMs: 0 });
    expect(run('beta_thompson', {}, 2).reward).not.toBe(a.reward);
    expect(a.requests).toBe(300);
  });

  it('gives the oracle zero regret and two-model curves to learners with scores', () => {
    const o = run('oracle');
    expect(o.regret).toBe(0);
    expect(o.optimalShare).toBe(1);
    const r = run('random');
    expect(r.regret).toBeGreaterThan(1);
    const l = run('linucb');
    expect(l.apgr).toBeGreaterThan(0);
    expect(l.costApgr).toBeGreaterThan(0);
  });

  it('fails the requests a down pool gets, and masks picks of a pool not added yet', () => {
    const out = run('best_single', { events: [{ kind: 'outage', pool: 'large', from_request: 100, to_request: 200 }] });
    const bestIsLarge = run('best_single').failedShare === 0 && out.failedShare > 0;
    expect(bestIsLarge).toBe(true);
    expect(out.failedShare).toBeCloseTo(100 / 300, 2);
    const added = run('random', { events: [{ kind: 'add_pool', pool: 'large', at_request: 150 }] });
    expect(added.masked).toBeGreaterThan(40);
    expect(added.masked).toBeLessThan(110);
  });

  it('corrupts and delays what the learner is told, not what is measured', () => {
    const clean = run('static');
    const noisy = run('static', { feedback: { flip: { share: 0.5, mode: 'random' }, drop: 0.1, delay_requests: 20 } });
    expect(noisy.reward).toBe(clean.reward); // static never learns: same decisions, same outcomes
    expect(noisy.feedback.flipped).toBeGreaterThan(100);
    expect(noisy.feedback.dropped).toBeGreaterThan(10);
    expect(noisy.feedback.delivered + noisy.feedback.dropped).toBeLessThanOrEqual(300);
    expect(noisy.feedback.delivered).toBeLessThan(300 - noisy.feedback.dropped); // the last 20 never arrive
    const adv = run('static', { feedback: { flip: { share: 1, mode: 'adversarial', promote: 'small' } } });
    expect(adv.feedback.flipped).toBeGreaterThan(0);
  });

  it('delivers verdicts in batches: every batch_requests-th decision, the last batch never (issue 17)', () => {
    const batched = { feedback: { batch_requests: 50 } };
    expect(run('static', batched).reward).toBe(run('static').reward);
    const b = run('beta_thompson', batched);
    expect(b.reward).not.toBe(run('beta_thompson').reward);
    // Requests still in flight or completed after decision 250 wait for a batch at 300 that never comes.
    expect(b.feedback.delivered).toBeLessThanOrEqual(250);
    expect(b.feedback.delivered).toBeGreaterThan(200);
    expect(run('beta_thompson', { feedback: { batch_requests: 1 } })).toEqual({
      ...run('beta_thompson'),
      wallMs: expect.any(Number),
    });
  });

  it('replays warm-start logs to the learner before its run', () => {
    const warm = { warm_start: { requests: 200, explore: 0.2, propensities: 'missing' } };
    const inputs = seedInputs(scenario(warm), 1);
    expect(inputs.warm).toHaveLength(200);
    expect(inputs.warm!.every((l) => l.propensity > 0 && l.propensity <= 1)).toBe(true);
    const cold = run('epsilon_greedy');
    const warmed = runOne(scenario(warm), lineupEntry('epsilon_greedy'), 1, inputs);
    expect(warmed.regret).not.toBe(cold.regret);
  });

  it('slows a pool with background load', () => {
    const load = {
      events: [{ kind: 'load', pool: 'large', rate: 8, on_s: 30, prompt_tokens: 3000 }],
      slo: { ttft_ms: 500 },
    };
    expect(run('best_single', load).sloViolationShare).toBeGreaterThan(
      run('best_single', { slo: { ttft_ms: 500 } }).sloViolationShare + 0.2,
    );
  });
});
