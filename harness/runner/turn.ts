/**
 * Sends one turn of a session: builds the conversation, asks the policy (or the external
 * router) for a pool, sends it through that pool's client, evaluates the answer, computes
 * cost and reward, updates the policy and returns the request's result record.
 *
 * Each request is its own failure domain: runTurn never throws. An error in the policy's
 * prepare/choose/update, in a feature endpoint its prepare calls, or in the evaluator
 * becomes that record's error class (`policy_error`, `feature_error`, `evaluator_error`;
 * anything else `internal_error`), counts toward max_error_rate like a pool's failure, and
 * the run goes on. A request that fails before it reaches a pool is recorded against the
 * pool `(none)`. Every record says when its outcome was settled (`timing.endMs`).
 */
import { performance } from 'node:perf_hooks';
import type { RequestRecord } from '../client/types.ts';
import { isWrpError } from '../../core/errors.ts';
import { computeReward, type RewardConfig } from '../feedback/reward.ts';
import type { Evaluator } from '../feedback/types.ts';
import { applyChatTemplate, countTokens } from '../../core/text/tokenizer.ts';
import {
  LABEL_HEADERS,
  type ChatMessage,
  type Decision,
  type Evaluation,
  type Policy,
  type PoolObservation,
  type RequestLabels,
  type RequestResult,
  type RoutingContext,
  type SessionPlan,
} from '../types.ts';
import type { TurnRunner } from './load-loop.ts';
import type { PoolHandle } from './pools.ts';
import { meetsSlo, type Slo } from './summary.ts';

export interface TurnEnv {
  runId: string;
  /** performance.now() at the run's start: every *Ms in a record is relative to it. */
  t0: number;
  pools: Map<string, PoolHandle>;
  /** The policy, or the external router's pool (every request goes there). */
  router: { kind: 'policy'; policy: Policy } | { kind: 'external'; pool: PoolHandle };
  evaluator: Evaluator;
  reward: RewardConfig;
  slo: Slo;
  observe(): PoolObservation[];
  /** Recent J per token of a pool, for the energy term of the online reward (undefined if unknown). */
  joulesPerToken(pool: string): number | undefined;
  signal: AbortSignal;
  /**
   * Called as each reply arrives, before it is evaluated and learned from: true when the load
   * loop's sender was due and has been woken (this reply's handling then waits for it to send).
   */
  onReply?(): boolean;
}

export interface TurnInput {
  session: SessionPlan;
  turn: number;
  /** Conversation so far (user/assistant pairs of earlier turns). */
  history: ChatMessage[];
  /** performance.now() when the request was meant to go out. */
  scheduledAt: number;
  stage: number;
  stageLabel: string;
  previousPool?: string;
}

export function labelHeaders(labels: RequestLabels): Record<string, string> {
  const h: Record<string, string> = { [LABEL_HEADERS.category]: labels.category };
  // Header values must be single-line ASCII-safe: encode anything else.
  if (labels.reference !== undefined) h[LABEL_HEADERS.reference] = encodeHeader(labels.reference);
  if (labels.expectedOutputTokens !== undefined) h[LABEL_HEADERS.outputTokens] = String(labels.expectedOutputTokens);
  if (labels.promptId !== undefined) h[LABEL_HEADERS.promptId] = encodeHeader(labels.promptId);
  return h;
}

function encodeHeader(v: string): string {
  return /^[\x20-\x7e]*$/.test(v) ? v : encodeURIComponent(v);
}

/** Whether a result's reward goes to the policy (a cancelled request says nothing about its pool). */
export function updatesPolicy(r: RequestResult): boolean {
  return r.reward !== undefined && r.status !== 'cancelled';
}

export function statusOf(record: RequestRecord): RequestResult['status'] {
  if (record.ok) return 'ok';
  return record.errorClass === 'cancelled' ? 'cancelled' : 'failed';
}

/** Error classes a request gets from the runner's side (the client's are in harness/client/types.ts). */
export const RUNNER_ERROR_CLASSES = ['policy_error', 'feature_error', 'evaluator_error', 'internal_error'] as const;
export type RunnerErrorClass = (typeof RUNNER_ERROR_CLASSES)[number];

/** The pool a request that never reached one is recorded against. */
export const NO_POOL = '(none)';

/** The class of an error thrown in a stage of a turn: a feature endpoint's failure is told apart from the policy's own. */
export function runnerErrorClass(e: unknown, stage: 'route' | 'evaluate' | 'update'): RunnerErrorClass {
  if (isWrpError(e, 'WRP_FEATURE_ENDPOINT') || isWrpError(e, 'WRP_POOL_UNREACHABLE')) return 'feature_error';
  if (stage === 'evaluate') return 'evaluator_error';
  return 'policy_error';
}

const oneLine = (e: unknown): string =>
  (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ').slice(0, 1000);

interface Routed {
  ctx: RoutingContext;
  observations: PoolObservation[];
  messages: ChatMessage[];
}

export async function runTurn(env: TurnEnv, input: TurnInput): Promise<{ result: RequestResult; answer: string }> {
  let routed: Routed | undefined;
  try {
    routed = route(env, input);
    return await sendAndLearn(env, input, routed);
  } catch (e) {
    // A stage's error carries its class; anything else escaped the stages: wrp's own bug, still one record.
    const cls = e instanceof TurnError ? e.cls : 'internal_error';
    return { result: failedBeforePool(env, input, routed, cls, e instanceof TurnError ? e.cause : e), answer: '' };
  }
}

/** An error thrown inside a turn's stage, with the class it gives the record. */
class TurnError extends Error {
  constructor(
    readonly cls: RunnerErrorClass,
    override readonly cause: unknown,
  ) {
    super(oneLine(cause));
  }
}

function route(env: TurnEnv, input: TurnInput): Routed {
  const plan = input.session.turns[input.turn]!;
  const messages: ChatMessage[] = [
    ...(input.session.system ? [{ role: 'system' as const, content: input.session.system }] : []),
    ...input.history,
    { role: 'user', content: plan.user },
  ];
  const observations = env.observe();
  const ctx: RoutingContext = {
    labels: plan.labels,
    text: plan.user,
    messages,
    promptTokensEstimate: countTokens(applyChatTemplate(messages)),
    pools: observations,
    previousPool: input.previousPool,
  };
  return { ctx, observations, messages };
}

async function choosePool(env: TurnEnv, ctx: RoutingContext): Promise<{ decision: Decision; pool: PoolHandle }> {
  if (env.router.kind === 'external') {
    const pool = env.router.pool;
    return { decision: { action: pool.name, propensity: 1 }, pool };
  }
  const policy = env.router.policy;
  try {
    await policy.prepare?.(ctx);
    const decision = policy.choose(ctx);
    const pool = env.pools.get(decision.action);
    if (!pool)
      throw new Error(`policy ${policy.name} chose "${decision.action}", which is not a pool of this experiment`);
    return { decision, pool };
  } catch (e) {
    throw new TurnError(runnerErrorClass(e, 'route'), e);
  }
}

async function sendAndLearn(
  env: TurnEnv,
  input: TurnInput,
  { ctx, observations, messages }: Routed,
): Promise<{ result: RequestResult; answer: string }> {
  const plan = input.session.turns[input.turn]!;
  const { decision, pool } = await choosePool(env, ctx);
  const record = await pool.client.chat(
    { model: pool.model, messages, max_tokens: plan.maxTokens },
    {
      scheduledAt: input.scheduledAt,
      headers: pool.sendLabels ? labelHeaders(plan.labels) : undefined,
      signal: env.signal,
      tag: plan.labels.id,
    },
  );
  // The woken sender resumes through a few promise steps: let them run before this reply's handling.
  if (env.onReply?.()) await new Promise<void>((resolve) => setImmediate(resolve));

  // External router: the pool that served it is the one whose model the router reports.
  const routerSelectedModel = record.headers?.['x-vsr-selected-model'];
  let servedBy = pool;
  if (env.router.kind === 'external' && routerSelectedModel) {
    servedBy = [...env.pools.values()].find((p) => p.model === routerSelectedModel) ?? pool;
  }
  let endAt = record.sentAtPerfMs + record.doneMs;
  // After the pool answered, a failing evaluator or update fails this record only: it keeps what the pool did.
  let failure: TurnError | undefined;
  let evaluation: Evaluation;
  try {
    evaluation = await env.evaluator.evaluate({
      labels: plan.labels,
      text: record.text,
      record,
      pool: { name: servedBy.name, model: servedBy.model },
      prompt: plan.user,
    });
  } catch (e) {
    failure = new TurnError(runnerErrorClass(e, 'evaluate'), e);
    evaluation = { evaluator: env.evaluator.name, detail: `evaluator failed: ${failure.message}` };
    endAt = performance.now();
  }
  const pricing = servedBy.config.pricing;
  const costUsd =
    ((record.promptTokens ?? ctx.promptTokensEstimate) * pricing.input_per_1m +
      record.outputTokens * pricing.output_per_1m) /
    1e6;

  const result: RequestResult = {
    id: plan.labels.id,
    runId: env.runId,
    labels: plan.labels,
    stage: input.stage,
    stageLabel: input.stageLabel,
    features: {
      promptTokensEstimate: ctx.promptTokensEstimate,
      textChars: plan.user.length,
      turn: input.turn,
      poolRunning: Object.fromEntries(
        observations.filter((o) => o.running !== undefined).map((o) => [o.name, o.running!]),
      ),
      poolWaiting: Object.fromEntries(
        observations.filter((o) => o.waiting !== undefined).map((o) => [o.name, o.waiting!]),
      ),
    },
    text: plan.user,
    answer: record.ok ? record.text : undefined,
    decision: {
      pool: servedBy.name,
      model: servedBy.model,
      propensity: decision.propensity,
      // A split router reports which of its policies decided.
      policy: env.router.kind === 'external' ? 'external' : (decision.policy ?? env.router.policy.name),
      routerSelectedModel,
    },
    status: statusOf(record),
    errorClass: record.errorClass,
    errorMessage: record.errorMessage,
    httpStatus: record.httpStatus,
    requestId: record.requestId,
    responseHeaders: record.headers,
    finishReason: record.finishReason,
    timing: {
      scheduledMs: input.scheduledAt - env.t0,
      sentMs: record.sentAtPerfMs - env.t0,
      sentEpochMs: record.sentAtEpochMs,
      sendLagMs: record.sentAtPerfMs - input.scheduledAt,
      endMs: 0,
      ttftMs: record.ttftMs,
      tpotMs: record.tpotMs,
      e2eMs: record.e2eMs,
      itlMs: record.itlMs,
    },
    tokens: {
      prompt: record.promptTokens,
      output: record.outputTokens,
      cached: record.cachedTokens,
      usageMissing: record.usageMissing,
    },
    costUsd,
    quality: evaluation.quality,
    verdict: evaluation.verdict,
    evaluator: evaluation.evaluator,
    sloViolated: false,
  };
  result.sloViolated = !meetsSlo(result, env.slo);
  const jpt = env.joulesPerToken(servedBy.name);
  const energyEstimate =
    jpt === undefined
      ? undefined
      : jpt * ((record.promptTokens ?? 0) - (record.cachedTokens ?? 0) + record.outputTokens);
  if (failure === undefined)
    result.reward = computeReward(env.reward, {
      quality: evaluation.quality,
      costUsd,
      sloViolated: result.sloViolated,
      energyJ: energyEstimate,
    });
  if (failure === undefined && env.router.kind === 'policy' && updatesPolicy(result)) {
    try {
      env.router.policy.update(ctx, decision.action, result.reward!);
    } catch (e) {
      failure = new TurnError(runnerErrorClass(e, 'update'), e);
      endAt = performance.now();
    }
  }
  if (failure !== undefined) {
    result.status = 'failed';
    result.errorClass = failure.cls;
    result.errorMessage = failure.message;
  }
  result.timing.endMs = endAt - env.t0;
  return { result, answer: failure === undefined ? record.text : '' };
}

/** The record of a request that failed before reaching a pool (or whose turn broke outside any stage). */
function failedBeforePool(
  env: TurnEnv,
  input: TurnInput,
  routed: Routed | undefined,
  cls: RunnerErrorClass,
  cause: unknown,
): RequestResult {
  const plan = input.session.turns[input.turn]!;
  const now = performance.now();
  return {
    id: plan.labels.id,
    runId: env.runId,
    labels: plan.labels,
    stage: input.stage,
    stageLabel: input.stageLabel,
    features: {
      promptTokensEstimate: routed?.ctx.promptTokensEstimate ?? 0,
      textChars: plan.user.length,
      turn: input.turn,
      poolRunning: {},
      poolWaiting: {},
    },
    text: plan.user,
    decision: {
      pool: NO_POOL,
      model: '',
      propensity: 0,
      policy: env.router.kind === 'external' ? 'external' : env.router.policy.name,
    },
    status: 'failed',
    errorClass: cls,
    errorMessage: oneLine(cause),
    timing: {
      scheduledMs: input.scheduledAt - env.t0,
      // Never sent to a pool: the attempt is stamped at the failure.
      sentMs: now - env.t0,
      sentEpochMs: Date.now(),
      sendLagMs: now - input.scheduledAt,
      endMs: now - env.t0,
      itlMs: [],
    },
    tokens: { output: 0, usageMissing: true },
    costUsd: 0,
    quality: 0,
    verdict: 'failed',
    evaluator: env.evaluator.name,
    sloViolated: true,
  };
}

/** The load loop's turn runner for an environment: each turn of a session through runTurn. */
export function turnRunner(env: TurnEnv): TurnRunner {
  return (session, turn, history, scheduledAt, stage, previousPool) =>
    runTurn(env, {
      session,
      turn,
      history,
      scheduledAt,
      stage: stage.index,
      stageLabel: stage.label,
      previousPool,
    });
}
