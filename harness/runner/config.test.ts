import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-errors.ts';
import { parseExperiment } from './config.ts';

const valid = () => ({
  name: 'unit',
  seed: 1,
  pools: [
    { name: 'small', model: 'llama-3.2-1b', sim: { model: 'llama-3.2-1b' }, pricing: { input_per_1m: 0.1, output_per_1m: 0.1 } },
    { name: 'live', model: 'meta-llama/Llama-3.1-8B-Instruct', endpoint: 'http://127.0.0.1:8000', pricing: { input_per_1m: 0.2, output_per_1m: 0.2 } },
  ],
  workload: { sources: [{ type: 'synthetic' }], arrival: { type: 'poisson', rate: 5 } },
  router: { type: 'random' },
  stop: { requests: 10 },
});

function errorOf(mutate: (c: Record<string, any>) => void): string {
  const c = valid() as Record<string, any>;
  mutate(c);
  try {
    parseExperiment(c, 'exp.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('experiment config', () => {
  it('accepts a valid config and fills defaults', () => {
    const c = parseExperiment(valid(), 'exp.yaml');
    expect(c.pools[0]!.sim!.gpu).toBe('H100-80GB');
    expect(c.stop.max_error_rate).toBe(1);
    expect(c.feedback.evaluator).toBe('auto');
    expect(c.client.label_headers).toBe('auto');
  });

  // Each bad config names the path and what was expected.
  const cases: [string, (c: Record<string, any>) => void, RegExp][] = [
    ['missing name', (c) => delete c.name, /exp\.yaml: name: .*expected string/],
    ['bad name characters', (c) => (c.name = 'a b'), /name: expected a name of letters/],
    ['unknown top-level key', (c) => (c.pool = []), /\(top level\): unknown key\(s\) 'pool'/],
    ['no pools', (c) => (c.pools = []), /pools: expected at least one pool/],
    ['unknown gpu', (c) => (c.pools[0].sim.gpu = 'X100'), /pools\[0\]\.sim\.gpu: .*H100-80GB.*got "X100"/],
    ['unknown sim model', (c) => (c.pools[0].sim.model = 'gpt-5'), /pools\[0\]\.sim\.model: .*llama-3\.1-8b.*got "gpt-5"/],
    ['tp zero', (c) => (c.pools[0].sim.tp = 0), /pools\[0\]\.sim\.tp: .*expected.*>0|pools\[0\]\.sim\.tp: .*too small/],
    ['both endpoint and sim', (c) => (c.pools[0].endpoint = 'http://x:1'), /pools\[0\]: expected exactly one of `endpoint`/],
    ['endpoint not a URL', (c) => (c.pools[1].endpoint = 'not a url'), /pools\[1\]\.endpoint: .*URL.*got "not a url"/],
    ['negative price', (c) => (c.pools[0].pricing.input_per_1m = -1), /pools\[0\]\.pricing\.input_per_1m: .*>=0.*got -1|pools\[0\]\.pricing\.input_per_1m: .*too small/],
    ['missing pricing', (c) => delete c.pools[1].pricing, /pools\[1\]\.pricing: .*expected object/],
    ['bad api_key_env', (c) => (c.pools[1].api_key_env = 'lower case'), /pools\[1\]\.api_key_env: expected an environment variable name/],
    ['bad energy', (c) => (c.pools[0].energy = 'solar'), /pools\[0\]\.energy(\.type)?: expected none \| sim \| nvml.*got "solar"/],
    ['arrival without rate', (c) => delete c.workload.arrival.rate, /workload\.arrival\.rate: .*expected number/],
    ['unknown archetype', (c) => (c.workload.sources[0].archetypes = { chit: 1 }), /workload\.sources\[0\]\.archetypes/],
    ['stop without a limit', (c) => (c.stop = {}), /stop: expected `requests` and\/or `duration_s`/],
    ['error rate above 1', (c) => (c.stop.max_error_rate = 2), /stop\.max_error_rate: .*<=1.*got 2|stop\.max_error_rate: .*too big/],
    ['duplicate pool names', (c) => (c.pools[1].name = 'small'), /pools\[1\]\.name: expected a unique pool name/],
    ['bad feedback evaluator', (c) => (c.feedback = { evaluator: 'vibes' }), /feedback\.evaluator: .*expected one of/],
  ];
  for (const [name, mutate, pattern] of cases) {
    it(`rejects: ${name}`, () => expect(errorOf(mutate)).toMatch(pattern));
  }
});
