import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { LABEL_HEADERS } from '../../types.ts';
import { extractAnswer } from './answer-text.ts';
import { startSimServer, type SimServer } from './server.ts';

let server: SimServer;
const model = 'llama-3.2-1b';

beforeAll(async () => {
  server = await startSimServer({ model, port: 0, seed: 3 });
});
afterAll(async () => {
  await server.close();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

function events(sse: string): unknown[] {
  return sse
    .split('\n\n')
    .filter((f) => f.startsWith('data: '))
    .map((f) => f.slice(6))
    .map((d) => (d === '[DONE]' ? d : JSON.parse(d)));
}

async function scrape(path = '/metrics'): Promise<string> {
  return (await request(`${server.url}${path}`)).body.text();
}

function sample(metrics: string, name: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(name));
  if (!line) throw new Error(`no sample ${name}`);
  return Number(line.split(' ').at(-1));
}

type Chunk = {
  object: string;
  choices: { delta?: { role?: string; content?: string }; finish_reason: string | null }[];
  usage?: Record<string, unknown>;
};

describe('simulated vLLM server', () => {
  it('streams role, content deltas, finish_reason, usage, then [DONE]', async () => {
    const before = await scrape();
    const res = await post(
      '/v1/chat/completions',
      {
        model,
        messages: [{ role: 'user', content: 'Which is larger, 7 or 9?' }],
        max_tokens: 64,
        stream: true,
        stream_options: { include_usage: true },
      },
      { [LABEL_HEADERS.outputTokens]: '20', [LABEL_HEADERS.reference]: '9' },
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.headers['x-request-id']).toMatch(/^chatcmpl-/);
    const ev = events(res.text);
    expect(ev.at(-1)).toBe('[DONE]');
    const chunks = ev.slice(0, -1) as Chunk[];
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    const content = chunks.slice(1, -1);
    expect(content).toHaveLength(20);
    expect(content.slice(0, -1).every((c) => c.choices[0]!.finish_reason === null)).toBe(true);
    expect(content.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toMatchObject({ completion_tokens: 20, prompt_tokens_details: { cached_tokens: 0 } });
    const text = content.map((c) => c.choices[0]!.delta!.content).join('');
    expect(['9', '8', '0', '1', '2', '3', '4', '5', '6', '7']).toContain(extractAnswer(text));

    const after = await scrape();
    expect(sample(after, 'vllm:generation_tokens_total') - sample(before, 'vllm:generation_tokens_total')).toBe(20);
    expect(
      // Metrics carry the first served name: the Hugging Face id, as `vllm serve <id>` labels them.
      sample(after, 'vllm:request_success_total{model_name="meta-llama/Llama-3.2-1B-Instruct",finished_reason="stop"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'vllm:time_to_first_token_seconds_count')).toBeGreaterThan(
      sample(before, 'vllm:time_to_first_token_seconds_count'),
    );
  });

  it('answers non-streamed completions with usage and finish_reason length at max_tokens', async () => {
    const res = await post(
      '/v1/completions',
      { model, prompt: 'Once upon a time', max_tokens: 7 },
      { [LABEL_HEADERS.outputTokens]: '50' },
    );
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text);
    expect(body.object).toBe('text_completion');
    expect(body.choices[0].finish_reason).toBe('length');
    expect(body.usage.completion_tokens).toBe(7);
  });

  it('reuses the prefix cache for a repeated long prompt', async () => {
    const system = 'You are a careful assistant. '.repeat(40);
    const ask = () =>
      post('/v1/chat/completions', {
        model,
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: 'hi' },
        ],
        max_tokens: 2,
      });
    await ask();
    const warm = JSON.parse((await ask()).text);
    expect(warm.usage.prompt_tokens_details.cached_tokens).toBeGreaterThan(100);
    expect(sample(await scrape(), 'vllm:prefix_cache_hits_total')).toBeGreaterThan(100);
  });

  it('gives the same answer text for the same prompt and seed', async () => {
    const ask = async () =>
      JSON.parse(
        (
          await post(
            '/v1/chat/completions',
            { model, messages: [{ role: 'user', content: 'Capital of France? A) Paris B) Rome' }] },
            { [LABEL_HEADERS.reference]: 'A' },
          )
        ).text,
      ).choices[0].message.content;
    expect(await ask()).toBe(await ask());
  });

  it('serves /v1/models, /health and DCGM energy counters', async () => {
    const models = JSON.parse(await (await request(`${server.url}/v1/models`)).body.text());
    // The Hugging Face id first, as vLLM serves it; the profile's short name too (an alias).
    expect(models.data.map((m: { id: string }) => m.id)).toEqual(['meta-llama/Llama-3.2-1B-Instruct', model]);
    expect(models.data[0]).toMatchObject({ root: 'meta-llama/Llama-3.2-1B-Instruct' });
    // A request names either, and the answer says the name it used.
    for (const name of ['meta-llama/Llama-3.2-1B-Instruct', model]) {
      const r = await post('/v1/chat/completions', {
        model: name,
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 2,
      });
      expect(JSON.parse(r.text).model).toBe(name);
    }
    expect((await request(`${server.url}/health`)).statusCode).toBe(200);
    const dcgm = await scrape('/dcgm/metrics');
    expect(dcgm).toContain('# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter');
    expect(sample(dcgm, 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0"')).toBeGreaterThan(0);
    expect(sample(dcgm, 'DCGM_FI_DEV_POWER_USAGE{gpu="0"')).toBeGreaterThan(0);
  });

  describe('bad input gets a vLLM-style error and the server keeps serving', () => {
    const cases: [string, string, unknown, number, RegExp][] = [
      ['invalid JSON', '/v1/chat/completions', '{"model": ', 400, /invalid JSON/],
      [
        'unknown model',
        '/v1/chat/completions',
        { model: 'gpt-5', messages: [{ role: 'user', content: 'x' }] },
        404,
        /does not exist/,
      ],
      ['missing messages', '/v1/chat/completions', { model }, 400, /messages/],
      ['max_tokens <= 0', '/v1/completions', { model, prompt: 'x', max_tokens: 0 }, 400, /max_tokens/],
      [
        'prompt beyond the context window',
        '/v1/completions',
        { model, prompt: 'word '.repeat(140_000), max_tokens: 5 },
        400,
        /maximum context length/,
      ],
    ];
    for (const [name, path, body, status, message] of cases) {
      it(name, async () => {
        const res = await post(path, body);
        expect(res.status).toBe(status);
        const err = JSON.parse(res.text).error;
        expect(err.code).toBe(status);
        expect(err.message).toMatch(message);
        expect(typeof err.type).toBe('string');
      });
    }
    it('still serves after all of them', async () => {
      const res = await post('/v1/completions', { model, prompt: 'ok', max_tokens: 1 });
      expect(res.status).toBe(200);
    });
  });
});
