import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../harness/runner/config.ts';
import { LEARNERS } from '../registry.ts';
import { trainInSimulator } from './sim-train.ts';

const config = parseExperiment(
  {
    name: 'online-sim',
    seed: 11,
    pools: [
      {
        name: 'small',
        model: 'llama-3.2-1b',
        sim: { model: 'llama-3.2-1b', gpu: 'L4', replicas: 2 },
        pricing: { input_per_1m: 0.05, output_per_1m: 0.05 },
      },
      {
        name: 'large',
        model: 'llama-3.1-70b',
        sim: { model: 'llama-3.1-70b', tp: 4 },
        pricing: { input_per_1m: 0.9, output_per_1m: 0.9 },
      },
    ],
    workload: {
      sources: [{ type: 'synthetic', archetypes: { chat: 1 }, categories: { math: 1, 'multiple-choice': 1 } }],
      arrival: { type: 'poisson', rate: 5 },
    },
    router: { type: 'random' },
    feedback: { reward: { quality: 1, cost: 0.2, cost_scale: 0.002 } },
    stop: { requests: 3000 },
  },
  'online-sim',
);

function meanReward(learner: string, spec: Record<string, unknown> = {}): { all: number; lastThird: number } {
  const actions = config.pools.map((p) => ({ pool: p.name, model: p.model }));
  const l = LEARNERS[learner]!.create(
    { type: learner, ...spec },
    { pools: actions.map((a) => a.pool), seed: 11, file: 'test', actions },
  );
  const rewards: number[] = [];
  trainInSimulator(l, config, 3000, (o) => (rewards[o.index] = o.reward));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { all: mean(rewards), lastThird: mean(rewards.slice(2000)) };
}

describe('online learning against simulated pools (virtual time)', () => {
  it('a bandit learner ends ahead of random routing', () => {
    const random = meanReward('random');
    const thompson = meanReward('beta_thompson');
    expect(thompson.lastThird).toBeGreaterThan(random.lastThird);
    expect(thompson.all).toBeGreaterThan(random.all);
  });
});
