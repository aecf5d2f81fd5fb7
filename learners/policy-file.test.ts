import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS, makeCtx } from './bandits/testing.ts';
import { loadPolicyFile, POLICY_FILE_VERSION, upgradePolicyFile } from './policy-file.ts';
import { loadLearner } from './registry.ts';
import { initTf } from './rl/backend.ts';
import { CascadePolicy } from './rl/cascade-policy.ts';
import { argmax } from './rl/sampling.ts';

/**
 * Files written by wrp before the RNGs became one (policy format 1), with the decisions the
 * old code made from them (learners/fixtures/policy-v1/decisions.json).
 */
const DIR = join(import.meta.dirname, 'fixtures/policy-v1');
const decisions = JSON.parse(readFileSync(join(DIR, 'decisions.json'), 'utf8')) as Record<
  string,
  { file: string; greedy: number[]; chosen: string[] }
>;

/** The probe contexts the fixtures were recorded on. */
const CATS = ['math', 'code', 'chat', 'law'];
const probe = Array.from({ length: 40 }, (_, i) =>
  makeCtx({
    id: `s${1000 + i}/0`,
    category: CATS[(i * 7 + 1000) % CATS.length]!,
    text: `question ${i} about ${CATS[i % 4]} with ${i % 5} parts`,
    tokens: 20 + ((i * 37) % 400),
    pools: ACTIONS.map((a, j) => ({
      name: a.pool,
      model: a.model,
      running: (i + j) % 9,
      waiting: (i * j) % 4,
      kvCacheUsage: ((i + 3 * j) % 10) / 10,
      recentTtftMs: 100 + ((i * 13 + j) % 7) * 50,
      pricing: { inputPer1M: 0.1 * (j + 1), outputPer1M: 0.4 * (j + 1) },
    })),
  }),
);

beforeAll(async () => {
  await initTf({ log: () => {} });
});

describe('policy files of version 1', () => {
  for (const name of ['beta_thompson', 'epsilon_greedy', 'lin_thompson', 'linucb', 'random', 'neural']) {
    it(`${name}: loads, and makes the same greedy and sampled decisions as before`, () => {
      const want = decisions[name]!;
      const path = join(DIR, want.file);
      expect(JSON.parse(readFileSync(path, 'utf8')).version).toBe(1);
      const file = loadPolicyFile(path);
      expect(file.version).toBe(POLICY_FILE_VERSION);
      const greedy = loadLearner(structuredClone(file), path);
      if (want.greedy.length) expect(probe.map((c) => argmax(greedy.scores!(c)))).toEqual(want.greedy);
      const sampled = loadLearner(structuredClone(file), path);
      expect(probe.map((c) => sampled.choose(c).action)).toEqual(want.chosen);
    });
  }

  it('cascade: keeps its statistics and makes the same decisions', () => {
    const want = decisions['cascade']!;
    const file = loadPolicyFile(join(DIR, want.file));
    expect(file.parameters).toMatchObject({ rng: { spare: null } });
    const p = CascadePolicy.load(file);
    const got = ['easy', 'hard'].flatMap((c) => [0.1, 0.3, 0.5, 0.7, 0.9].map((q) => p.decideFor(c, 0, q, [1, 10])));
    // The old RNG dropped every second normal draw and the one RNG keeps it, so the Beta draws
    // part after the first pair of normals; on these probes the decisions still agree.
    expect(got).toEqual(want.chosen);
  });

  it('names the file and the version it cannot read', () => {
    expect(() => upgradePolicyFile({ version: 9 }, 'p.json')).toThrow(/p\.json: version: .*versions 1 to 2, got 9/);
    expect(() => upgradePolicyFile([], 'p.json')).toThrow(/p\.json: expected a JSON object/);
  });
});
