import { describe, expect, it } from 'vitest';
import { parseExperiment } from './config.ts';
import { ConfigError } from '../../core/errors.ts';

const valid = () => ({
  name: 'unit',
  seed: 1,
  pools: [
    {
      name: 'small',
      model: 'llama-3.2-1b',
      sim: { model: 'llama-3.2-1b' },
      pricing: { input_per_1m: 0.1, output_per_1m: 0.1 },
    },
    {
      name: 'live',
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      endpoint: 'http://127.0.0.1:8000',
      pricing: { input_per_1m: 0.2, output_per_1m: 0.2 },
    },
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
    // Documented timeout defaults (README "Faults and reliability").
    expect(c.client).toMatchObject({
      connect_timeout_ms: 10_000,
      first_byte_timeout_ms: 60_000,
      idle_timeout_ms: 30_000,
      total_timeout_ms: 600_000,
    });
    expect(c.stop.grace_s).toBe(30);
  });

  it('reads fault specs and fills their defaults', () => {
    const raw = valid() as Record<string, any>;
    raw.pools[0].sim.faults = { http_429: 0.1, stall: { rate: 0.05 }, truncate: 0.1 };
    raw.router.checkpoint_every = 25;
    const c = parseExperiment(raw, 'exp.yaml');
    expect(c.pools[0]!.sim!.faults).toEqual({
      http_429: { rate: 0.1 },
      stall: { rate: 0.05, seconds: 2, after_tokens: 4 },
      truncate: { rate: 0.1 },
    });
    expect(c.router.checkpoint_every).toBe(25);
  });

  // Each bad config names the path and what was expected.
  const cases: [string, (c: Record<string, any>) => void, RegExp][] = [
    ['missing name', (c) => delete c.name, /exp\.yaml: name: .*expected string/],
    [
      'a judge pool the experiment lacks',
      (c) => (c.feedback = { llm_judge: { pool: 'nope' } }),
      /feedback\.llm_judge\.pool: expected one of the pools .*got "nope"/,
    ],
    [
      'a judge with both a pool and a base_url',
      (c) => (c.feedback = { llm_judge: { pool: 'a', base_url: 'http://x:1', model: 'm' } }),
      /feedback\.llm_judge: expected either base_url \(with model\) or pool, not both/,
    ],
    ['bad name characters', (c) => (c.name = 'a b'), /name: expected a name of letters/],
    ['unknown top-level key', (c) => (c.pool = []), /\(top level\): unknown key\(s\) 'pool'/],
    ['no pools', (c) => (c.pools = []), /pools: expected at least one pool/],
    ['unknown gpu', (c) => (c.pools[0].sim.gpu = 'X100'), /pools\[0\]\.sim\.gpu: .*H100-80GB.*got "X100"/],
    [
      'unknown sim model',
      (c) => (c.pools[0].sim.model = 'gpt-5'),
      /pools\[0\]\.sim\.model: .*llama-3\.1-8b.*got "gpt-5"/,
    ],
    ['tp zero', (c) => (c.pools[0].sim.tp = 0), /pools\[0\]\.sim\.tp: .*expected.*>0|pools\[0\]\.sim\.tp: .*too small/],
    [
      'both endpoint and sim',
      (c) => (c.pools[0].endpoint = 'http://x:1'),
      /pools\[0\]: expected exactly one of `endpoint`/,
    ],
    ['endpoint not a URL', (c) => (c.pools[1].endpoint = 'not a url'), /pools\[1\]\.endpoint: .*URL.*got "not a url"/],
    [
      'negative price',
      (c) => (c.pools[0].pricing.input_per_1m = -1),
      /pools\[0\]\.pricing\.input_per_1m: .*>=0.*got -1|pools\[0\]\.pricing\.input_per_1m: .*too small/,
    ],
    ['missing pricing', (c) => delete c.pools[1].pricing, /pools\[1\]\.pricing: .*expected object/],
    [
      'bad api_key_env',
      (c) => (c.pools[1].api_key_env = 'lower case'),
      /pools\[1\]\.api_key_env: expected an environment variable name/,
    ],
    [
      'bad energy',
      (c) => (c.pools[0].energy = 'solar'),
      /pools\[0\]\.energy(\.type)?: expected none \| sim \| nvml.*got "solar"/,
    ],
    ['arrival without rate', (c) => delete c.workload.arrival.rate, /workload\.arrival\.rate: .*expected number/],
    [
      'unknown archetype',
      (c) => (c.workload.sources[0].archetypes = { chit: 1 }),
      /workload\.sources\[0\]\.archetypes/,
    ],
    ['stop without a limit', (c) => (c.stop = {}), /stop: expected `requests` and\/or `duration_s`/],
    [
      'error rate above 1',
      (c) => (c.stop.max_error_rate = 2),
      /stop\.max_error_rate: .*<=1.*got 2|stop\.max_error_rate: .*too big/,
    ],
    ['duplicate pool names', (c) => (c.pools[1].name = 'small'), /pools\[1\]\.name: expected a unique pool name/],
    ['bad feedback evaluator', (c) => (c.feedback = { evaluator: 'vibes' }), /feedback\.evaluator: .*expected one of/],
    // Faults, checkpoints, timeouts (issue 6).
    [
      'fault rate above 1',
      (c) => (c.pools[0].sim.faults = { http_500: 1.5 }),
      /pools\[0\]\.sim\.faults\.http_500\.rate: .*(<=1|too big).*got 1\.5/,
    ],
    [
      'unknown fault kind',
      (c) => (c.pools[0].sim.faults = { meteor: 0.1 }),
      /pools\[0\]\.sim\.faults: unknown key\(s\) 'meteor'/,
    ],
    [
      'negative stall',
      (c) => (c.pools[0].sim.faults = { stall: { rate: 0.1, seconds: -2 } }),
      /pools\[0\]\.sim\.faults\.stall\.seconds: .*(>=0|too small).*got -2/,
    ],
    [
      'fault not a rate',
      (c) => (c.pools[0].sim.faults = { reset: 'often' }),
      /pools\[0\]\.sim\.faults\.reset: expected a rate in \[0, 1\] or \{rate, after_tokens\}, got "often"/,
    ],
    [
      'fault rates over 1 in total',
      (c) => (c.pools[0].sim.faults = { http_500: 0.7, reset: 0.7 }),
      /pools\[0\]\.sim\.faults: expected fault rates summing to at most 1 \(one fault per request; these sum to 1\.4\)/,
    ],
    [
      'fractional after_tokens',
      (c) => (c.pools[0].sim.faults = { malformed: { rate: 0.1, after_tokens: 1.5 } }),
      /pools\[0\]\.sim\.faults\.malformed\.after_tokens: .*expected int.*got 1\.5/,
    ],
    [
      'checkpoint_every zero',
      (c) => (c.router.checkpoint_every = 0),
      /router\.checkpoint_every: .*(>0|too small).*got 0/,
    ],
    [
      'negative idle timeout',
      (c) => (c.client = { idle_timeout_ms: -5 }),
      /client\.idle_timeout_ms: .*(>=0|too small).*got -5/,
    ],
    ['unknown client key', (c) => (c.client = { timeout_ms: 5 }), /client: unknown key\(s\) 'timeout_ms'/],
    [
      'bad label_headers',
      (c) => (c.client = { label_headers: 'sometimes' }),
      /client\.label_headers: .*"auto"\|"always"\|"never".*got "sometimes"/,
    ],
    ['negative grace', (c) => (c.stop.grace_s = -1), /stop\.grace_s: .*(>=0|too small).*got -1/],
    [
      'zero telemetry interval',
      (c) => (c.telemetry = { interval_ms: 0 }),
      /telemetry\.interval_ms: .*(>0|too small).*got 0/,
    ],
  ];
  for (const [name, mutate, pattern] of cases) {
    it(`rejects: ${name}`, () => expect(errorOf(mutate)).toMatch(pattern));
  }
});
