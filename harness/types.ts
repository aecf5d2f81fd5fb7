/**
 * Types shared across harness/ modules (and read by learners/ and scripts/).
 * Keep this file to plain data shapes; behaviour lives in the modules.
 */
import type { AnswerFormat } from '../core/answer-format.ts';
import type { ErrorClass } from './client/types.ts';
import type { RunnerErrorClass } from './runner/turn.ts';

/** OpenAI-style chat message. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

/**
 * Workload labels the load generator may pass to a simulated pool as request headers.
 * A real vLLM server ignores unknown headers, so the same request works against both.
 * The simulator uses them to pick the natural output length and to decide answer quality.
 */
export const LABEL_HEADERS = {
  /** Task family, e.g. "mmlu" or "gsm8k": selects the quality-table row. */
  category: 'x-wrp-category',
  /** Reference answer; the simulated response carries it when the answer is good. */
  reference: 'x-wrp-reference',
  /** Natural output length in tokens (the answer's length before max_tokens caps it). */
  outputTokens: 'x-wrp-output-tokens',
  /** Stable prompt id: keys per-prompt quality and the verdict hash (defaults to the prompt text). */
  promptId: 'x-wrp-prompt-id',
  /** Asks a simulated pool to act as a judge (a rubric other than MT-Bench's answer delimiters). */
  judge: 'x-wrp-judge',
} as const;

/** Header a vLLM server returns with its request id (the client joins records on it). */
export const REQUEST_ID_HEADER = 'x-request-id';

// ---- Workload ------------------------------------------------------------------------------

/** How a request's tokens split between prompt and answer. */
export type LengthClass = 'prefill-heavy' | 'decode-heavy' | 'balanced';

/** Labels every workload request carries; they travel into requests.jsonl unchanged. */
export interface RequestLabels {
  /** Unique within a run: `<session>/<turn>`. */
  id: string;
  /** Where the prompt came from: `synthetic`, `routerbench:arc_challenge_test`, `jsonl:<file>`. */
  source: string;
  /** Task family, e.g. `gsm8k`, `mmlu`, `chitchat`. */
  category: string;
  /** Workload archetype: `chat`, `agent`, `rag`, `code`, ... */
  archetype: string;
  sessionId: string;
  /** 0-based turn index within the session. */
  turn: number;
  /** Requests of the same prefix group share a long prompt prefix (warm prefix cache). */
  prefixGroup?: string;
  /** True when the request is expected to hit a shared prefix (a later member of its group or a later turn). */
  warm: boolean;
  lengthClass: LengthClass;
  /** Reference answer when known. */
  reference?: string;
  answerFormat?: AnswerFormat;
  /** Dataset row id (joins full-information score tables). */
  promptId?: string;
  /** The answer's natural length in tokens, when the workload knows it (simulated pools honour it). */
  expectedOutputTokens?: number;
  /** Full-information datasets: every model's score on this prompt, by dataset model name. */
  scores?: Record<string, number>;
  /** Full-information datasets with cost (RouterBench): every model's USD for this prompt, by dataset model name. */
  costs?: Record<string, number>;
  /** Any other labels from the source (generic JSONL). */
  extra?: Record<string, string | number | boolean>;
}

/** One turn of a session as the workload plans it (before any answer exists). */
export interface TurnPlan {
  labels: RequestLabels;
  /** The new user message of this turn. */
  user: string;
  maxTokens: number;
  /** Seconds the user thinks after the previous answer before sending this turn. */
  thinkTimeS: number;
}

/**
 * A conversation: one or more turns. The runner sends turn k+1 after turn k's answer
 * plus its think time, carrying the conversation so far (system, user, assistant, ...).
 */
export interface SessionPlan {
  sessionId: string;
  /** Optional system prompt (shared across a prefix group, which makes the cache warm). */
  system?: string;
  turns: TurnPlan[];
}

// ---- Router in the loop --------------------------------------------------------------------

/** What the router can observe about a pool when it decides. */
export interface PoolObservation {
  name: string;
  model: string;
  /** From the pool's /metrics when scraped: requests running and waiting, KV-cache usage 0..1. */
  running?: number;
  waiting?: number;
  kvCacheUsage?: number;
  /** Client-side median TTFT of the pool's recent requests, ms. */
  recentTtftMs?: number;
  /** USD per 1M tokens. */
  pricing: { inputPer1M: number; outputPer1M: number };
}

export interface RoutingContext {
  labels: RequestLabels;
  /** The text the router classifies: the new user message. */
  text: string;
  /** The whole conversation about to be sent. */
  messages: ChatMessage[];
  /** Client-side estimate of prompt tokens (the simulator's tokenizer approximation). */
  promptTokensEstimate: number;
  pools: PoolObservation[];
  /** Pool that served the previous turn of this session, if any. */
  previousPool?: string;
}

export interface Decision {
  /** Pool name. */
  action: string;
  /** Probability with which the policy picked this action (1 for deterministic policies). */
  propensity: number;
  /** The policy that decided, when a composite router (split) delegates. */
  policy?: string;
}

/**
 * The routing policy interface. harness/ defines it; learners/ implements it; the CLI
 * wires one into a run. `update` is called once per completed request with its reward.
 */
export interface Policy {
  readonly name: string;
  /** Optional async work before choose (e.g. fetching the prompt's embedding); the runner awaits it. */
  prepare?(ctx: RoutingContext): Promise<void>;
  choose(ctx: RoutingContext): Decision;
  update(ctx: RoutingContext, action: string, reward: number): void;
  /**
   * Optional checkpointing (wrp run writes it to the run's checkpoint.json every
   * `router.checkpoint_every` updates; `--resume` hands it back to restore()). Any
   * JSON-serialisable value; a policy without these starts afresh on resume.
   */
  checkpoint?(): unknown;
  restore?(state: unknown): void;
}

// ---- Feedback ------------------------------------------------------------------------------

/** The Semantic Router's outcome verdicts (shared/REFERENCE.md section 4). */
export type Verdict = 'good_fit' | 'underpowered' | 'overprovisioned' | 'failed';

export interface Evaluation {
  /** 0..1; absent when the evaluator could not judge (no reference, failed request). */
  quality?: number;
  verdict?: Verdict;
  /** Which evaluator produced it, e.g. `mc_letter`, `numeric`, `llm_judge`. */
  evaluator: string;
  detail?: string;
}

// ---- Results -------------------------------------------------------------------------------

export type RequestStatus = 'ok' | 'failed' | 'cancelled';

/** One line of requests.jsonl: everything known about one request sent in a run. */
export interface RequestResult {
  id: string;
  runId: string;
  labels: RequestLabels;
  /** Sweep stage index and its label (0 and '' without a sweep). */
  stage: number;
  stageLabel: string;
  /** Context features the router saw (numbers only; learners rebuild text features from `text`). */
  features: {
    promptTokensEstimate: number;
    textChars: number;
    turn: number;
    poolRunning: Record<string, number>;
    poolWaiting: Record<string, number>;
  };
  /** The new user message (the router's input; learners rebuild text features from it). */
  text?: string;
  /** The answer of a successful request: the next turn carries it (and `--resume` rebuilds the conversation from it). */
  answer?: string;
  decision: { pool: string; model: string; propensity: number; policy: string; routerSelectedModel?: string };
  status: RequestStatus;
  /** The client's class (harness/client/types.ts) or the runner's (policy_error, feature_error, evaluator_error, internal_error). */
  errorClass?: ErrorClass | RunnerErrorClass;
  errorMessage?: string;
  httpStatus?: number;
  requestId?: string;
  /** Response headers captured for the router loop (x-vsr-replay-id, x-vsr-selected-model). */
  responseHeaders?: Record<string, string>;
  finishReason?: string;
  timing: {
    /** ms from run start when the request was meant to go out, and when it went out. */
    scheduledMs: number;
    sentMs: number;
    /** Epoch ms of the send (joins telemetry.jsonl's t_ms for energy attribution after the run). */
    sentEpochMs?: number;
    sendLagMs: number;
    /**
     * ms from run start when the outcome was settled: the answer complete, the client's
     * failure (a failed record says when it failed), or a router or evaluator error.
     * Absent in records written before wrp recorded it.
     */
    endMs?: number;
    ttftMs?: number;
    tpotMs?: number;
    e2eMs?: number;
    itlMs: number[];
  };
  tokens: { prompt?: number; output: number; cached?: number; usageMissing: boolean };
  costUsd: number;
  energyJ?: number;
  energyMethod?: string;
  quality?: number;
  verdict?: Verdict;
  evaluator: string;
  reward?: number;
  sloViolated: boolean;
}
