/**
 * Sends one turn of a session: builds the conversation, asks the policy (or the external
 * router) for a pool, sends it through that pool's client, evaluates the answer, computes
 * cost and reward, updates the policy and returns the request's result record.
 */
import type { RequestRecord } from '../client/types.ts';
import { computeReward, type RewardConfig } from '../feedback/reward.ts';
import type { Evaluator } from '../feedback/types.ts';
import { applyChatTemplate, countTokens } from '../../core/text/tokenizer.ts';
import {
  LABEL_HEADERS,
  type ChatMessage,
  type Decision,
  type Policy,
  type PoolObservation,
  type RequestLabels,
  type RequestResult,
  type RoutingContext,
  type SessionPlan,
} from '../types.ts';
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

export async function runTurn(env: TurnEnv, input: TurnInput): Promise<{ result: RequestResult; answer: string }> {
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
  let decision: Decision;
  let pool: PoolHandle;
  if (env.router.kind === 'external') {
    pool = env.router.pool;
    decision = { action: pool.name, propensity: 1 };
  } else {
    await env.router.policy.prepare?.(ctx);
    decision = env.router.policy.choose(ctx);
    const chosen = env.pools.get(decision.action);
    if (!chosen)
      throw new Error(
        `policy ${env.router.policy.name} chose "${decision.action}", which is not a pool of this experiment`,
      );
    pool = chosen;
  }

  const record = await pool.client.chat(
    { model: pool.model, messages, max_tokens: plan.maxTokens },
    {
      scheduledAt: input.scheduledAt,
      headers: pool.sendLabels ? labelHeaders(plan.labels) : undefined,
      signal: env.signal,
      tag: plan.labels.id,
    },
  );

  // External router: the pool that served it is the one whose model the router reports.
  const routerSelectedModel = record.headers?.['x-vsr-selected-model'];
  let servedBy = pool;
  if (env.router.kind === 'external' && routerSelectedModel) {
    servedBy = [...env.pools.values()].find((p) => p.model === routerSelectedModel) ?? pool;
  }
  const evaluation = await env.evaluator.evaluate({
    labels: plan.labels,
    text: record.text,
    record,
    pool: { name: servedBy.name, model: servedBy.model },
    prompt: plan.user,
  });
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
  result.reward = computeReward(env.reward, {
    quality: evaluation.quality,
    costUsd,
    sloViolated: result.sloViolated,
    energyJ: energyEstimate,
  });
  if (env.router.kind === 'policy' && updatesPolicy(result))
    env.router.policy.update(ctx, decision.action, result.reward!);
  return { result, answer: record.text };
}
