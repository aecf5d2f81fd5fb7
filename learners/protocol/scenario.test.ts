import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../datasets/paths.ts';
import { isWrpError } from '../../core/errors.ts';
import { lineupEntry, lineupOf } from './lineup.ts';
import { loadScenario, parseScenario } from './scenario.ts';

const DIR = join(PROJECT_ROOT, 'experiments', 'learning');

const minimal = () => ({
  name: 'mini',
  requests: 50,
  pools: [
    {
      name: 'a',
      model: 'llama-3.2-1b',
      sim: { model: 'llama-3.2-1b', gpu: 'L4' },
      pricing: { input_per_1m: 0.05, output_per_1m: 0.05 },
    },
    { name: 'b', model: 'qwen3-8b', sim: { model: 'qwen3-8b' }, pricing: { input_per_1m: 0.2, output_per_1m: 0.2 } },
  ],
  workload: { sources: [{ type: 'synthetic', archetypes: { chat: 1 } }], arrival: { type: 'poisson', rate: 5 } },
  reward: { quality: 1 },
});

describe('scenario files', () => {
  it('parses every shipped scenario', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(14);
    for (const f of files) expect(loadScenario(join(DIR, f)).name).toBe(f.replace(/\.yaml$/, ''));
  });

  it('names the path and what was expected', () => {
    const bad = (patch: Record<string, unknown>) => () => parseScenario({ ...minimal(), ...patch }, 'x.yaml');
    expect(bad({ events: [{ kind: 'outage', pool: 'c', from_request: 1, to_request: 5 }] })).toThrow(
      /x\.yaml: events\[0\]\.pool: expected one of the pools a, b/,
    );
    expect(bad({ feedback: { flip: { share: 0.2, mode: 'adversarial' } } })).toThrow(/feedback\.flip\.promote/);
    expect(bad({ events: [{ kind: 'outage', pool: 'a', from_request: 5, to_request: 5 }] })).toThrow(/to_request/);
    expect(bad({ learnrs: [] })).toThrow(/unknown key\(s\) 'learnrs'/);
    expect(bad({ pools: minimal().pools.slice(0, 1) })).toThrow(/at least two pools/);
    expect(() => loadScenario(join(DIR, 'nope.yaml'))).toThrow(/nope\.yaml: cannot read the scenario/);
  });

  it('names an unknown learner of the lineup where it is written (a config error, exit 2)', () => {
    const s = parseScenario({ ...minimal(), learners: ['static', 'nope'] }, 'x.yaml');
    expect(() => lineupOf(s)).toThrow(
      /^x\.yaml: learners\[1\]: unknown learner "nope"; expected one of random, static/,
    );
    try {
      lineupEntry({ name: 'mine', type: 'linucbb' }, '--learners');
    } catch (e) {
      expect(isWrpError(e, 'WRP_CONFIG') && e.exitStatus).toBe(2);
      expect((e as Error).message).toMatch(/^--learners: "mine" has type "linucbb"; expected one of /);
    }
    expect.assertions(3);
  });
});
