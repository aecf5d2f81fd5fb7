import { describe, expect, it } from 'vitest';
import { pickEvaluator } from './auto.ts';
import { parseFeedbackConfig } from './config.ts';
import { createEvaluator } from './factory.ts';
import { input, labels } from './fixtures.ts';
import { scoreTableEvaluator } from './score-table.ts';
import { FeedbackConfigError } from '../../core/errors.ts';

const scores = { 'gpt-4-1106-preview': 1, 'mistral-7b-chat': 0, 'mixtral-8x7b-chat': 0.8 };
const small = { name: 'small', model: 'llama-3.2-1b' };
const mid = { name: 'mid', model: 'llama-3.1-8b' };
const big = { name: 'big', model: 'llama-3.1-70b' };
const modelMap = { 'llama-3.2-1b': 'mistral-7b-chat', 'llama-3.1-8b': 'mixtral-8x7b-chat', big: 'gpt-4-1106-preview' };

describe('score_table', () => {
  const ev = scoreTableEvaluator({ modelMap });
  it('reads the mapped dataset model by pool model or pool name, without text', async () => {
    expect(await ev.evaluate(input('', { scores }, {}, big))).toMatchObject({
      quality: 1,
      detail: 'score of gpt-4-1106-preview',
    });
    expect((await ev.evaluate(input('', { scores }, {}, mid))).quality).toBe(0.8);
    expect((await ev.evaluate(input('', { scores }, {}, small))).quality).toBe(0);
  });
  it('gives no quality without scores or without the model; scales by score_max', async () => {
    expect((await ev.evaluate(input('', {}, {}, big))).quality).toBeUndefined();
    expect((await ev.evaluate(input('', { scores }, {}, { name: 'x', model: 'unknown' }))).detail).toContain(
      '"unknown"',
    );
    const ten = scoreTableEvaluator({ scoreMax: 10 });
    expect((await ten.evaluate(input('', { scores: { m: 7 } }, {}, { name: 'p', model: 'm' }))).quality).toBeCloseTo(
      0.7,
    );
  });
  it('fails a failed request', async () => {
    expect(await ev.evaluate(input('', { scores }, { ok: false, errorClass: 'http_5xx' }, big))).toMatchObject({
      quality: 0,
      verdict: 'failed',
      evaluator: 'score_table',
    });
  });
});

describe('auto', () => {
  it('picks by answer format, reference shape, then scores', () => {
    expect(pickEvaluator(labels({ answerFormat: 'letter', reference: 'B' }))).toBe('mc_letter');
    expect(pickEvaluator(labels({ answerFormat: 'number', reference: '72' }))).toBe('numeric');
    expect(pickEvaluator(labels({ reference: '(c)' }))).toBe('mc_letter');
    expect(pickEvaluator(labels({ reference: '$1,234' }))).toBe('numeric');
    expect(pickEvaluator(labels({ reference: 'Paris', scores }))).toBe('score_table');
    expect(pickEvaluator(labels({ answerFormat: 'text', reference: 'Paris' }))).toBe('exact_match');
    expect(pickEvaluator(labels({}))).toBeUndefined();
  });
  it('reports the evaluator it used', async () => {
    const ev = createEvaluator('auto');
    expect(await ev.evaluate(input('The answer is C.', { answerFormat: 'letter', reference: 'C' }))).toMatchObject({
      quality: 1,
      evaluator: 'mc_letter',
    });
    expect(await ev.evaluate(input('#### 12', { answerFormat: 'number', reference: '12' }))).toMatchObject({
      quality: 1,
      evaluator: 'numeric',
    });
    expect(await ev.evaluate(input('hello'))).toMatchObject({ evaluator: 'auto' });
    expect((await ev.evaluate(input('hello'))).quality).toBeUndefined();
    expect(await ev.evaluate(input('', {}, { ok: false }))).toMatchObject({
      quality: 0,
      verdict: 'failed',
      evaluator: 'auto',
    });
  });
});

describe('simulated_user', () => {
  const pools = [
    { ...small, pricing: { inputPer1M: 0.02, outputPer1M: 0.04 } },
    { ...mid, pricing: { inputPer1M: 0.1, outputPer1M: 0.2 } },
    { ...big, pricing: { inputPer1M: 0.7, outputPer1M: 0.9 } },
  ];

  it('full-information labels: overprovisioned exactly when a cheaper pool scores well', async () => {
    const ev = createEvaluator(
      {
        evaluator: 'simulated_user',
        simulated_user: { quality_from: 'score_table' },
        score_table: { model_map: modelMap },
      },
      { pools },
    );
    expect(await ev.evaluate(input('', { scores }, {}, big))).toMatchObject({
      quality: 1,
      verdict: 'overprovisioned',
      evaluator: 'simulated_user',
    });
    expect(await ev.evaluate(input('', { scores }, {}, mid))).toMatchObject({ quality: 0.8, verdict: 'good_fit' });
    expect(await ev.evaluate(input('', { scores }, {}, small))).toMatchObject({ quality: 0, verdict: 'underpowered' });
    expect(await ev.evaluate(input('', { scores }, { ok: false }, small))).toMatchObject({
      quality: 0,
      verdict: 'failed',
    });
  });

  it('without scores: a cheaper pool with a good track record on the category makes it overprovisioned', async () => {
    const ev = createEvaluator({ evaluator: 'simulated_user', simulated_user: { min_samples: 3 } }, { pools });
    const q = { answerFormat: 'letter' as const, reference: 'B', category: 'arc' };
    expect((await ev.evaluate(input('The answer is B.', q, {}, big))).verdict).toBe('good_fit'); // no history yet
    for (let i = 0; i < 3; i++)
      expect((await ev.evaluate(input('The answer is B.', q, {}, small))).verdict).toBe('good_fit'); // cheapest
    const e = await ev.evaluate(input('The answer is B.', q, {}, big));
    expect(e.verdict).toBe('overprovisioned');
    expect(e.detail).toContain('quality by mc_letter');
    expect((await ev.evaluate(input('The answer is B.', { ...q, category: 'gsm8k' }, {}, big))).verdict).toBe(
      'good_fit',
    );
    expect((await ev.evaluate(input('The answer is A.', q, {}, big))).verdict).toBe('underpowered');
  });

  it('config pool_costs override pricing; no quality -> no verdict', async () => {
    const ev = createEvaluator(
      {
        evaluator: 'simulated_user',
        simulated_user: { quality_from: 'score_table', pool_costs: { big: 0, small: 1, mid: 2 } },
        score_table: { model_map: modelMap },
      },
      { pools },
    );
    expect((await ev.evaluate(input('', { scores }, {}, big))).verdict).toBe('good_fit'); // big is now the cheapest
    const none = await ev.evaluate(input('', {}, {}, big));
    expect(none.verdict).toBeUndefined();
    expect(none.quality).toBeUndefined();
  });
});

describe('feedback config', () => {
  it('fills defaults', () => {
    const c = parseFeedbackConfig(undefined);
    expect(c.evaluator).toBe('auto');
    expect(c.reward).toEqual({
      quality: 1,
      cost: 0,
      slo: 0,
      energy: 0,
      cost_scale: 0.001,
      energy_scale: 500,
      missing_quality: 'skip',
    });
    expect(c.numeric).toEqual({ rel_tol: 1e-6, abs_tol: 1e-9 });
  });
  const bad = (raw: unknown): string[] => {
    try {
      parseFeedbackConfig(raw);
    } catch (e) {
      if (e instanceof FeedbackConfigError) return e.issues;
      throw e;
    }
    throw new Error('expected an error');
  };
  it('names the path and the expected value', () => {
    expect(bad({ evaluator: 'judge' })[0]).toMatch(/^feedback\.evaluator: .*expected one of .*"llm_judge"/);
    expect(bad({ numeric: { rel_tol: 'x' } })[0]).toMatch(/^feedback\.numeric\.rel_tol: expected a number >= 0/);
    expect(bad({ reward: { cost: -1 } })[0]).toMatch(/^feedback\.reward\.cost: expected a weight >= 0/);
    expect(bad({ reward: { quality: 0 } })[0]).toMatch(/^feedback\.reward: expected at least one weight > 0/);
    expect(bad({ evaluator: 'llm_judge' })[0]).toMatch(/^feedback\.llm_judge: expected an llm_judge block/);
    expect(bad({ evaluator: 'llm_judge', llm_judge: { base_url: 'nope', model: 'm' } })[0]).toMatch(
      /^feedback\.llm_judge\.base_url: expected an http\(s\) URL/,
    );
    expect(bad({ evaluator: 'regex', regex: { pattern: '(' } })[0]).toMatch(
      /^feedback\.regex\.pattern: expected a valid JavaScript regular expression/,
    );
    expect(bad({ llm_judge: { base_url: 'http://x', model: 'm', score_range: [10, 1] } })[0]).toMatch(
      /^feedback\.llm_judge\.score_range: expected worst < best/,
    );
    expect(bad({ numerc: {} })[0]).toMatch(/^feedback: Unrecognized key: "numerc"/);
  });
  it('refuses an api_key_env that is not set', () => {
    expect(() =>
      createEvaluator({
        evaluator: 'llm_judge',
        llm_judge: { base_url: 'http://127.0.0.1:1', model: 'j', api_key_env: 'WRP_TEST_UNSET_KEY_VAR' },
      }),
    ).toThrow(/WRP_TEST_UNSET_KEY_VAR to be set/);
  });
  it('builds every evaluator by name', () => {
    for (const name of [
      'auto',
      'mc_letter',
      'numeric',
      'exact_match',
      'score_table',
      'simulated_user',
      'none',
    ] as const) {
      expect(createEvaluator(name).name).toBe(name);
    }
    expect(createEvaluator({ evaluator: 'regex', regex: { pattern: 'x' } }).name).toBe('regex');
  });
});
