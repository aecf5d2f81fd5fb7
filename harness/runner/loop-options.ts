/**
 * What the load loop (load-loop.ts) is given and what it counts: its options, the stop rule
 * from an experiment's `stop:` block, the turn runner it calls, and its open-loop bookkeeping.
 */
import type { ChatMessage, RequestResult, SessionPlan } from '../types.ts';
import type { ArrivalProcess, StageInfo } from '../workload/arrivals.ts';
import type { SessionShare } from '../scale/session-share.ts';
import type { RecordedLookup } from './recorded-requests.ts';

export interface SessionSource {
  next(nowS: number, index: number): SessionPlan;
}

export interface StopRule {
  requests?: number;
  durationS?: number;
  maxErrorRate: number;
  minRequestsForErrorRate: number;
  graceS: number;
}

/** The loop's stop rule from an experiment's `stop:` block (`requests` only where this process counts them). */
export function stopRule(
  stop: { duration_s?: number; max_error_rate: number; min_requests_for_error_rate: number; grace_s: number },
  requests?: number,
): StopRule {
  return {
    requests,
    durationS: stop.duration_s,
    maxErrorRate: stop.max_error_rate,
    minRequestsForErrorRate: stop.min_requests_for_error_rate,
    graceS: stop.grace_s,
  };
}

export type TurnRunner = (
  session: SessionPlan,
  turn: number,
  history: ChatMessage[],
  scheduledAt: number,
  stage: StageInfo,
  previousPool: string | undefined,
) => Promise<{ result: RequestResult; answer: string }>;

export interface LoopCounters {
  sent: number;
  completed: number;
  errors: number;
  inFlight: number;
}

export interface ResumePlan {
  /** What the run directory already holds, by request id. */
  done: RecordedLookup;
  /** Recorded requests that did not succeed (they count towards max_error_rate). */
  errors: number;
}

export interface LoopOptions {
  t0: number;
  source: SessionSource;
  arrivals: ArrivalProcess;
  stop: StopRule;
  runTurn: TurnRunner;
  onResult(r: RequestResult): void;
  resume?: ResumePlan;
  /** The clock was moved onto the original run's timeline (resume); later times use this t0. */
  onRebase?(t0: number): void;
  /** Where the one "falling behind" line goes. */
  log?(line: string): void;
  /** Only this share of the schedule's sessions (a shard, a worker). */
  share?: SessionShare;
}

/** Open-loop bookkeeping for the summary: how much of the offered load went out. */
export interface OpenLoad {
  /** Sessions started on the open-loop schedule, and sessions due by the stop but never started. */
  started: number;
  behindAtStop: number;
  /** Seconds from the first open-loop send time to the stop. */
  spanS: number;
}
