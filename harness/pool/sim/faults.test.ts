/**
 * Fault injection: the spec (parsing, errors, determinism) and each fault kind against the
 * load generator's client, over real HTTP, with the error class the client must record.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAIClient } from '../../client/openai-client.ts';
import type { RequestRecord, Timeouts } from '../../client/types.ts';
import { expectedFaults, faultAt, SpecFaultPolicy } from './fault-policy.ts';
import { describeFaults, parseFaultSpec, type FaultSpec } from './fault-spec.ts';
import { startSimServer, type SimServer } from './server.ts';
import { ConfigError } from '../../../core/errors.ts';

const model = 'llama-3.2-1b';
let open: { server: SimServer; client: OpenAIClient }[] = [];
afterEach(async () => {
  for (const o of open) {
    await o.client.destroy();
    await o.server.close();
  }
  open = [];
});

async function ask(
  spec: string,
  timeouts: Partial<Timeouts> = {},
  tokens = 20,
): Promise<{ rec: RequestRecord; server: SimServer }> {
  const server = await startSimServer({ model, port: 0, faults: new SpecFaultPolicy(parseFaultSpec(spec)) });
  const client = new OpenAIClient({ baseUrl: server.url, timeouts });
  open.push({ server, client });
  const rec = await client.chat({
    model,
    messages: [{ role: 'user', content: 'Say something.' }],
    max_tokens: tokens,
    ignore_eos: true,
  });
  return { rec, server };
}

describe('fault spec', () => {
  it('reads the compact form and YAML/JSON, filling defaults', () => {
    const a = parseFaultSpec('http_500=0.1, reset=0.05, stall=0.1:seconds=3:after_tokens=8, seed=4');
    expect(a).toMatchObject({
      seed: 4,
      http_500: { rate: 0.1 },
      reset: { rate: 0.05, after_tokens: 4 },
      stall: { rate: 0.1, seconds: 3, after_tokens: 8 },
    });
    const b = parseFaultSpec('{http_500: 0.1, stall: {rate: 0.1, seconds: 2}, truncate: 0.2}');
    expect(b).toMatchObject({
      http_500: { rate: 0.1 },
      stall: { rate: 0.1, seconds: 2, after_tokens: 4 },
      truncate: { rate: 0.2 },
    });
    expect(parseFaultSpec('{"slow_first_byte": {"rate": 1, "seconds": 5}}').slow_first_byte).toEqual({
      rate: 1,
      seconds: 5,
    });
    expect(describeFaults(b)).toBe('http_500 10%, stall 10% (2 s after 4 tokens), truncate 20%');
  });

  const bad: [string, RegExp][] = [
    ['http_500=2', /--faults: http_500\.rate: .*(<=1|too big).*got 2/],
    ['explode=0.1', /--faults: \(top level\): unknown key\(s\) 'explode'/],
    ['stall=0.1:seconds=-1', /--faults: stall\.seconds: .*got -1/],
    ['stall=0.1:minutes=1', /--faults: stall: unknown key\(s\) 'minutes'/],
    ['reset=x', /--faults: reset: expected a rate in \[0, 1\] or \{rate, after_tokens\}, got "x"/],
    ['http_500=0.6,http_503=0.6', /--faults: \(top level\): expected fault rates summing to at most 1/],
    ['{http_429: [1]}', /--faults: http_429: expected a rate in \[0, 1\] or \{rate\}/],
  ];
  for (const [spec, pattern] of bad) {
    it(`rejects ${spec}, naming the key`, () => {
      expect(() => parseFaultSpec(spec)).toThrow(ConfigError);
      expect(() => parseFaultSpec(spec)).toThrow(pattern);
    });
  }

  it('is deterministic per (seed, index) and hits each kind at its rate', () => {
    const spec: FaultSpec = parseFaultSpec('http_500=0.1,reset=0.1,stall=0.1,truncate=0.1');
    const seq = (seed: number) => Array.from({ length: 200 }, (_, i) => faultAt(spec, seed, i));
    expect(seq(1)).toEqual(seq(1));
    expect(seq(1)).not.toEqual(seq(2));
    const n = 20_000;
    const counts = expectedFaults(spec, 1, n);
    for (const k of ['http_500', 'reset', 'stall', 'truncate'] as const)
      expect(Math.abs(counts[k] / n - 0.1)).toBeLessThan(0.01);
    expect(counts.http_503 + counts.malformed).toBe(0);
  });
});

describe('fault kinds against the client', () => {
  it('http_500 / http_503 / http_429 give http_5xx / http_5xx / http_429 with the vLLM error body', async () => {
    for (const [spec, cls, status] of [
      ['http_500=1', 'http_5xx', 500],
      ['http_503=1', 'http_5xx', 503],
      ['http_429=1', 'http_429', 429],
    ] as const) {
      const { rec } = await ask(spec);
      expect(rec).toMatchObject({ ok: false, errorClass: cls, httpStatus: status });
      expect(rec.errorMessage).toMatch(/injected fault/);
    }
  });

  it('reset mid-stream gives reset after the tokens before it', async () => {
    const { rec } = await ask('reset=1:after_tokens=5');
    expect(rec).toMatchObject({ ok: false, errorClass: 'reset', contentEvents: 5 });
  });

  it('reset on an answer shorter than after_tokens still fires (at the end)', async () => {
    const { rec } = await ask('reset=1:after_tokens=50', {}, 10);
    expect(rec).toMatchObject({ ok: false, errorClass: 'reset', contentEvents: 10 });
  });

  it('a malformed event gives malformed_event', async () => {
    const { rec } = await ask('malformed=1:after_tokens=3');
    expect(rec).toMatchObject({ ok: false, errorClass: 'malformed_event', contentEvents: 3 });
  });

  it('a stream without [DONE] gives truncated, even with every token delivered', async () => {
    const { rec } = await ask('truncate=1');
    expect(rec).toMatchObject({ ok: false, errorClass: 'truncated', contentEvents: 20, usageMissing: true });
    const mid = await ask('truncate=1:after_tokens=7');
    expect(mid.rec).toMatchObject({ ok: false, errorClass: 'truncated', contentEvents: 7 });
  });

  it('a stall longer than the idle timeout gives timeout_idle; a shorter one succeeds with the gap in its ITL', async () => {
    const { rec } = await ask('stall=1:seconds=1.5:after_tokens=4', { idleMs: 300 });
    expect(rec).toMatchObject({ ok: false, errorClass: 'timeout_idle', contentEvents: 4 });
    const ok = await ask('stall=1:seconds=0.4:after_tokens=4');
    expect(ok.rec.ok).toBe(true);
    expect(ok.rec.contentEvents).toBe(20);
    expect(Math.max(...ok.rec.itlMs)).toBeGreaterThanOrEqual(390);
  });

  it('a slow first byte beyond the first-byte timeout gives timeout_first_byte and never reaches the engine', async () => {
    const { rec, server } = await ask('slow_first_byte=1:seconds=0.8', { firstByteMs: 200 });
    expect(rec).toMatchObject({ ok: false, errorClass: 'timeout_first_byte' });
    await new Promise((r) => setTimeout(r, 1200));
    expect(server.pool.counter('promptTokens')).toBe(0);
    const ok = await ask('slow_first_byte=1:seconds=0.4');
    expect(ok.rec.ok).toBe(true);
    expect(ok.rec.ttftMs).toBeGreaterThanOrEqual(390);
  });

  it('the server keeps serving after every kind of fault', async () => {
    const server = await startSimServer({
      model,
      port: 0,
      faults: new SpecFaultPolicy(parseFaultSpec('http_500=0.2,reset=0.2,malformed=0.2,truncate=0.2'), 5),
    });
    const client = new OpenAIClient({ baseUrl: server.url });
    open.push({ server, client });
    const recs = await Promise.all(
      Array.from({ length: 40 }, () =>
        client.chat({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 8, ignore_eos: true }),
      ),
    );
    const expected = expectedFaults(parseFaultSpec('http_500=0.2,reset=0.2,malformed=0.2,truncate=0.2'), 5, 40);
    const count = (c: string) => recs.filter((r) => r.errorClass === c).length;
    expect(count('http_5xx')).toBe(expected.http_500);
    expect(count('reset')).toBe(expected.reset);
    expect(count('malformed_event')).toBe(expected.malformed);
    expect(count('truncated')).toBe(expected.truncate);
    expect(recs.filter((r) => r.ok).length).toBe(
      40 - expected.http_500 - expected.reset - expected.malformed - expected.truncate,
    );
  });
});
