import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer } from '../pool/sim/server.ts';
import { createEvaluator } from './factory.ts';
import { input } from './fixtures.ts';
import { parseJudgeScore, renderRubric } from './llm-judge.ts';
import { responsePieces } from '../pool/sim/answer-text.ts';

describe('judge score parsing', () => {
  it.each([
    ['The answer is accurate. Rating: [[8]]', 8],
    ['Explanation... Rating: 7', 7],
    ['I would give it 6/10.', 6],
    ['Score: **9**', 9],
    ['4 out of 10, it misses the point', 4],
    ['10', 10],
    ['[[3]] ... later mentions 2 apples', 3],
  ])('%j -> %d', (reply, score) => expect(parseJudgeScore(reply, [1, 10])).toBe(score));
  it('refuses scores out of range or absent', () => {
    expect(parseJudgeScore('Rating: [[11]]', [1, 10])).toBeUndefined();
    expect(parseJudgeScore('no idea', [1, 10])).toBeUndefined();
    expect(parseJudgeScore('score: 0.85', [0, 1])).toBe(0.85);
  });
  it('fills placeholders and keeps unknown ones', () => {
    expect(renderRubric('Q={{question}} A={{ answer }} X={{x}}', { question: 'q', answer: 'a' })).toBe(
      'Q=q A=a X={{x}}',
    );
  });
});

// A judge endpoint speaking the OpenAI chat API over real HTTP, replying with canned text.
let judge: Server;
let judgeUrl = '';
let reply = 'Rating: [[8]]';
let status = 200;
const seen: unknown[] = [];
let sim: SimServer;

beforeAll(async () => {
  judge = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ auth: req.headers.authorization, body: JSON.parse(body) });
      if (status !== 200)
        return void res.writeHead(status, { 'content-type': 'application/json' }).end('{"error":{"message":"boom"}}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'j1',
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 5, completion_tokens: 3 },
        }),
      );
    });
  });
  await new Promise<void>((r) => judge.listen(0, '127.0.0.1', r));
  judgeUrl = `http://127.0.0.1:${(judge.address() as AddressInfo).port}`;
  sim = await startSimServer({ model: 'llama-3.2-1b', port: 0 });
});
afterAll(async () => {
  await new Promise((r) => judge.close(r));
  await sim.close();
});

describe('llm_judge', () => {
  it('sends the rubric with question, answer and reference, and maps 1..10 to 0..1', async () => {
    process.env.WRP_TEST_JUDGE_KEY = 'sk-test';
    const ev = createEvaluator({
      evaluator: 'llm_judge',
      llm_judge: { base_url: judgeUrl, model: 'judge-1', api_key_env: 'WRP_TEST_JUDGE_KEY' },
    });
    reply = 'Good answer. Rating: [[8]]';
    const e = await ev.evaluate({
      ...input('Paris is the capital.', { reference: 'Paris' }),
      prompt: 'What is the capital of France?',
    });
    expect(e.evaluator).toBe('llm_judge');
    expect(e.quality).toBeCloseTo(7 / 9);
    const last = seen.at(-1) as {
      auth: string;
      body: { model: string; messages: { content: string }[]; stream: boolean };
    };
    expect(last.auth).toBe('Bearer sk-test');
    expect(last.body.model).toBe('judge-1');
    expect(last.body.stream).toBe(false);
    const sent = last.body.messages.at(-1)!.content;
    expect(sent).toContain('What is the capital of France?');
    expect(sent).toContain('Paris is the capital.');
    expect(sent).toContain('[Reference Answer]\nParis');
    await ev.close?.();
    delete process.env.WRP_TEST_JUDGE_KEY;
  });

  it('never throws: judge HTTP errors, unreadable replies and dead endpoints give no quality', async () => {
    const ev = createEvaluator({
      evaluator: 'llm_judge',
      llm_judge: { base_url: judgeUrl, model: 'j', rubric: 'Grade 0-1: {{answer}}', score_range: [0, 1] },
    });
    reply = 'score: 0.25';
    expect((await ev.evaluate(input('x'))).quality).toBe(0.25);
    reply = 'I refuse to grade this.';
    expect(await ev.evaluate(input('x'))).toMatchObject({
      evaluator: 'llm_judge',
      detail: expect.stringContaining('no score in judge reply'),
    });
    status = 500;
    const e = await ev.evaluate(input('x'));
    status = 200;
    expect(e.quality).toBeUndefined();
    expect(e.detail).toMatch(/judge failed \(http_5xx\)/);
    const dead = createEvaluator({
      evaluator: 'llm_judge',
      llm_judge: { base_url: 'http://127.0.0.1:1', model: 'j', timeout_ms: 2000 },
    });
    const d = await dead.evaluate(input('x'));
    expect(d.quality).toBeUndefined();
    expect(d.detail).toMatch(/judge failed \(connect\)/);
    expect(await ev.evaluate(input('', {}, { ok: false }))).toMatchObject({ quality: 0, verdict: 'failed' });
    await ev.close?.();
    await dead.close?.();
  });

  it('works against the simulated vLLM server: it grades as a judge', async () => {
    const ev = createEvaluator({
      evaluator: 'llm_judge',
      llm_judge: { base_url: sim.url, model: 'llama-3.2-1b', score_range: [1, 10], max_tokens: 40 },
    });
    const e = await ev.evaluate(input(responsePieces(30, '7', 5).join(''), { reference: '7' }));
    expect(e).toMatchObject({ evaluator: 'llm_judge', detail: expect.stringMatching(/judge score (1|10) in/) });
    await ev.close?.();
  });
});

describe('a simulated pool as the judge (llm_judge pointed at it, judge.ts)', () => {
  const judges: SimServer[] = [];
  afterAll(async () => void (await Promise.all(judges.map((j) => j.close()))));
  const judgeAt = async (agreement: number) => {
    const j = await startSimServer({ model: 'llama-3.1-8b', port: 0, seed: 11, judgeAgreement: agreement });
    judges.push(j);
    return createEvaluator({ evaluator: 'llm_judge', llm_judge: { base_url: j.url, model: 'llama-3.1-8b' } });
  };
  // Free-form answers ending well or poorly, and graded answers right or wrong, alternating.
  const cases = Array.from({ length: 120 }, (_, i) => {
    const good = i % 2 === 0;
    const text =
      i % 4 < 2
        ? responsePieces(40, undefined, i, 40, good ? 'good' : 'poor').join('')
        : responsePieces(40, good ? '42' : '41', i).join('');
    return { good, value: input(text, i % 4 < 2 ? {} : { reference: '42' }), prompt: `Question number ${i}?` };
  });

  it('agrees with the truth when its agreement is 1, and contradicts it when 0', async () => {
    for (const [agreement, flip] of [
      [1, false],
      [0, true],
    ] as const) {
      const ev = await judgeAt(agreement);
      const some = cases.slice(0, 16);
      // Sent together (the simulated judge batches them as vLLM would); its verdict depends on the prompt, not the order.
      const got = await Promise.all(some.map((c) => ev.evaluate({ ...c.value, prompt: c.prompt })));
      got.forEach((e, i) => expect(e.quality, e.detail).toBe(some[i]!.good !== flip ? 1 : 0));
      await ev.close?.();
    }
  });

  it('at agreement 0.85 it agrees on about that share of answers', async () => {
    const ev = await judgeAt(0.85);
    const got = await Promise.all(cases.map((c) => ev.evaluate({ ...c.value, prompt: c.prompt })));
    const agree = got.filter((e, i) => e.quality === (cases[i]!.good ? 1 : 0)).length;
    // Deterministic for the seed; 120 Bernoulli(0.85) draws land within +-0.1 of 0.85 (binomial sd 0.033).
    expect(agree / cases.length).toBeGreaterThan(0.75);
    expect(agree / cases.length).toBeLessThan(0.95);
    await ev.close?.();
  });

  it('auto sends what nothing else can check to the judge pool the feedback block names', async () => {
    const j = await startSimServer({ model: 'llama-3.1-8b', port: 0, seed: 11, judgeAgreement: 1 });
    judges.push(j);
    const ev = createEvaluator(
      { evaluator: 'auto', llm_judge: { pool: 'big' } },
      { pools: [{ name: 'big', model: 'llama-3.1-8b', url: j.url }] },
    );
    const free = await ev.evaluate({ ...cases[0]!.value, prompt: 'Summarise this.' });
    expect(free).toMatchObject({ evaluator: 'llm_judge', quality: 1 });
    const graded = await ev.evaluate(input('The answer is B.', { reference: 'B', answerFormat: 'letter' }));
    expect(graded.evaluator).toBe('mc_letter');
    expect(() => createEvaluator({ evaluator: 'auto', llm_judge: { pool: 'nope' } }, { pools: [] })).toThrow(
      /feedback\.llm_judge\.pool: expected one of the pools , got "nope"/,
    );
    await ev.close?.();
  });
});
