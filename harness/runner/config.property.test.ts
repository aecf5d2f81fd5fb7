/**
 * Config parsing, property-based (fast-check): a config wrp resolved reads back as itself
 * (resume reads config.resolved.yaml); any one field set to any JSON value parses or fails
 * as one ConfigError line naming the file, never another error; `--requests`/`--duration`
 * given any text either set the value or fail as one UsageError line naming the flag.
 */
import fc from 'fast-check';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { isWrpError } from '../../core/errors.ts';
import { parseExperiment } from './config.ts';

const FILE = 'exp.yaml';

const simPool = (name: string) =>
  fc.record({
    name: fc.constant(name),
    model: fc.constantFrom('llama-3.2-1b', 'llama-3.1-8b', 'qwen3-8b'),
    sim: fc.record(
      {
        model: fc.constantFrom('llama-3.2-1b', 'llama-3.1-8b'),
        gpu: fc.constantFrom('H100-80GB', 'A100-80GB', 'L4'),
        replicas: fc.integer({ min: 1, max: 4 }),
        faults: fc.record({ http_500: fc.double({ min: 0, max: 0.2, noNaN: true }) }),
      },
      { requiredKeys: ['model'] },
    ),
    pricing: fc.record({
      input_per_1m: fc.double({ min: 0, max: 5, noNaN: true }),
      output_per_1m: fc.double({ min: 0, max: 5, noNaN: true }),
    }),
    energy: fc.constantFrom('none', 'sim'),
  });

const validConfig = fc.record(
  {
    name: fc.constantFrom('a', 'exp-1', 'x.y_z'),
    seed: fc.integer({ min: 0, max: 1000 }),
    pools: fc.tuple(simPool('p1'), simPool('p2')).map((t) => [...t]),
    workload: fc.record({
      sources: fc.constant([{ type: 'synthetic' }]),
      arrival: fc.oneof(
        fc.record({ type: fc.constant('constant'), rate: fc.double({ min: 0.1, max: 100, noNaN: true }) }),
        fc.record({ type: fc.constant('concurrency'), concurrency: fc.integer({ min: 1, max: 64 }) }),
      ),
    }),
    router: fc.constantFrom({ type: 'random' }, { type: 'round_robin' }, { type: 'linucb', alpha: 0.5 }),
    stop: fc.record(
      {
        requests: fc.integer({ min: 1, max: 10_000 }),
        duration_s: fc.double({ min: 0.5, max: 3600, noNaN: true }),
        grace_s: fc.double({ min: 0, max: 60, noNaN: true }),
        max_error_rate: fc.double({ min: 0, max: 1, noNaN: true }),
      },
      { requiredKeys: ['requests'] },
    ),
    slo: fc.record({ ttft_ms: fc.integer({ min: 1, max: 5000 }) }),
  },
  { requiredKeys: ['name', 'pools', 'workload', 'router', 'stop'] },
);

/** Every path into a value, to pick one to change. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (at.length > 0) out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

function setAt(v: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let parent = copy;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
  parent[path[path.length - 1]!] = value;
  return copy;
}

describe('experiment config, property-based', () => {
  it('a resolved config reads back as itself (what --resume reads)', () => {
    fc.assert(
      fc.property(validConfig, (raw) => {
        const once = parseExperiment(raw, FILE);
        const again = parseExperiment(parseYaml(toYaml(once)), 'config.resolved.yaml');
        expect(again).toEqual(once);
      }),
      { numRuns: 200 },
    );
  });

  it('any one field set to any value parses, or fails as one ConfigError line naming the file', () => {
    fc.assert(
      fc.property(
        validConfig.chain((raw) =>
          fc.tuple(
            fc.constant(raw),
            fc.constantFrom(...paths(raw)),
            fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(-1, 0, 1e12, NaN, '', 'abc', null, [], {})),
          ),
        ),
        ([raw, path, value]) => {
          const bad = setAt(raw, path, value);
          try {
            parseExperiment(bad, FILE);
          } catch (e) {
            expect(isWrpError(e, 'WRP_CONFIG'), `${path.join('.')} = ${JSON.stringify(value)}: ${String(e)}`).toBe(
              true,
            );
            expect((e as Error).message.startsWith(`${FILE}: `)).toBe(true);
            expect((e as Error).message).not.toContain('\n');
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('--requests and --duration: any text sets the value or is one UsageError line naming the flag', () => {
    fc.assert(
      fc.property(
        validConfig,
        fc.constantFrom('requests', 'duration') as fc.Arbitrary<'requests' | 'duration'>,
        fc.oneof(
          fc.string({ maxLength: 8 }),
          fc.integer({ min: -5, max: 5000 }).map(String),
          fc.double({ noNaN: false }).map(String),
          fc.constantFrom('abc', '-5', '0', '2.5', '1e3', ' 7 ', 'Infinity', 'NaN', ''),
        ),
        (raw, flag, text) => {
          let config;
          try {
            config = parseExperiment(raw, FILE, { [flag]: text });
          } catch (e) {
            expect(isWrpError(e, 'WRP_USAGE'), `--${flag} ${JSON.stringify(text)}: ${String(e)}`).toBe(true);
            expect((e as Error).message.startsWith(`--${flag}: `)).toBe(true);
            expect((e as Error).message).toContain(`got ${JSON.stringify(text)}`);
            expect((e as Error).message).not.toContain('\n');
            return;
          }
          const n = Number(text);
          expect(Number.isFinite(n) && n > 0).toBe(true);
          if (flag === 'requests') expect(config.stop.requests).toBe(n);
          else expect(config.stop.duration_s).toBe(n);
        },
      ),
      { numRuns: 400 },
    );
  });
});
