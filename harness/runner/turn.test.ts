/**
 * Each request is its own failure domain: an error in the policy's prepare/choose/update,
 * in a feature endpoint, or in the evaluator becomes that record's error class (runTurn
 * never throws), against a simulated pool over real HTTP.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WrpError } from '../../core/errors.ts';
import { OpenAIClient } from '../client/openai-client.ts';
import { DEFAULT_REWARD } from '../feedback/reward.ts';
import type { Evaluator } from '../feedback/types.ts';
import { startSimServer, type SimServer } from '../pool/sim/server.ts';
import type { Policy, SessionPlan } from '../types.ts';
import { parseExperiment } from './config.ts';
import type { PoolHandle } from './pools.ts';
import { NO_POOL, runTurn, type TurnEnv } from './turn.ts';

const MODEL = 'llama-3.2-1b';
let sim: SimServer;
let pool: PoolHandle;

beforeAll(async () => {
  sim = await startSimServer({ model: MODEL, port: 0 });
  const config = parseExperiment({
    name: 't',
    pools: [{ name: 'p', model: MODEL, endpoint: sim.url, pricing: { input_per_1m: 1, output_per_1m: 1 } }],
    workload: { sources: [{ type: 'synthetic' }], arrival: { type: 'constant', rate: 1 } },
    router: { type: 'static' },
    stop: { requests: 1 },
  });
  pool = {
    config: config.pools[0]!,
    name: 'p',
    model: MODEL,
    url: sim.url,
    client: new OpenAIClient({ baseUrl: sim.url }),
    sendLabels: true,
  };
});
afterAll(async () => {
  await pool.client.destroy();
  await sim.close();
});

const session: SessionPlan = {
  sessionId: 's0',
  turns: [
    {
      labels: {
        id: 's0/0',
        source: 'test',
        category: 'c',
        archetype: 'chat',
        sessionId: 's0',
        turn: 0,
        warm: false,
        lengthClass: 'balanced',
        expectedOutputTokens: 4,
      },
      user: 'hello',
      maxTokens: 16,
      thinkTimeS: 0,
    },
  ],
};

const okEvaluator: Evaluator = { name: 'fixed', evaluate: async () => ({ quality: 1, evaluator: 'fixed' }) };

function policy(over: Partial<Policy> = {}): Policy & { updates: number } {
  const p = {
    name: 'test-policy',
    updates: 0,
    choose: () => ({ action: 'p', propensity: 1 }),
    update() {
      p.updates++;
    },
    ...over,
  };
  return p;
}

function env(p: Policy, evaluator = okEvaluator): TurnEnv {
  return {
    runId: 'r',
    t0: performance.now(),
    pools: new Map([['p', pool]]),
    router: { kind: 'policy', policy: p },
    evaluator,
    reward: DEFAULT_REWARD,
    slo: {},
    observe: () => [],
    joulesPerToken: () => undefined,
    signal: new AbortController().signal,
  };
}

const turn = (e: TurnEnv) => runTurn(e, { session, turn: 0, history: [], scheduledAt: e.t0, stage: 0, stageLabel: '' });

describe('runTurn: each request its own failure domain', () => {
  it('a clean turn: ok, rewarded, the policy updated, stamped with its end', async () => {
    const p = policy();
    const { result } = await turn(env(p));
    expect(result).toMatchObject({ status: 'ok', decision: { pool: 'p' } });
    expect(result.reward).toBeDefined();
    expect(p.updates).toBe(1);
    expect(result.timing.endMs).toBeGreaterThanOrEqual(result.timing.sentMs);
  });

  it('choose throws: policy_error against no pool, nothing sent', async () => {
    const { result } = await turn(
      env(
        policy({
          choose: () => {
            throw new TypeError('weights are NaN');
          },
        }),
      ),
    );
    expect(result).toMatchObject({
      status: 'failed',
      errorClass: 'policy_error',
      errorMessage: 'weights are NaN',
      decision: { pool: NO_POOL, policy: 'test-policy' },
    });
    expect(result.timing.endMs).toBeGreaterThanOrEqual(0);
    expect(result.httpStatus).toBeUndefined();
  });

  it('a policy choosing an unknown pool: policy_error naming it', async () => {
    const { result } = await turn(env(policy({ choose: () => ({ action: 'nope', propensity: 1 }) })));
    expect(result).toMatchObject({ status: 'failed', errorClass: 'policy_error' });
    expect(result.errorMessage).toContain('"nope"');
  });

  it('a feature endpoint failing in prepare: feature_error', async () => {
    const p = policy({
      prepare: async () => {
        throw new WrpError('WRP_FEATURE_ENDPOINT', 'embedding endpoint http://x/v1/embeddings: ECONNREFUSED');
      },
    });
    const { result } = await turn(env(p));
    expect(result).toMatchObject({ status: 'failed', errorClass: 'feature_error', decision: { pool: NO_POOL } });
    expect(p.updates).toBe(0);
  });

  it('the evaluator throwing: evaluator_error, the pool kept, no reward, no update', async () => {
    const p = policy();
    const broken: Evaluator = {
      name: 'broken',
      evaluate: async () => {
        throw new Error('judge said nothing');
      },
    };
    const { result } = await turn(env(p, broken));
    expect(result).toMatchObject({
      status: 'failed',
      errorClass: 'evaluator_error',
      errorMessage: 'judge said nothing',
      decision: { pool: 'p' },
      httpStatus: 200,
    });
    expect(result.reward).toBeUndefined();
    expect(result.timing.ttftMs).toBeGreaterThan(0);
    expect(p.updates).toBe(0);
  });

  it('update throwing: policy_error on a record that keeps its answer', async () => {
    const { result, answer } = await turn(
      env(
        policy({
          update: () => {
            throw new RangeError('matrix not positive definite');
          },
        }),
      ),
    );
    expect(result).toMatchObject({ status: 'failed', errorClass: 'policy_error', decision: { pool: 'p' } });
    expect(result.answer).toBeDefined();
    expect(answer).toBe('');
  });
});
