/**
 * Drives sessions into the pools: open-loop arrivals (each session's first turn goes out at
 * its scheduled time, whatever the responses do: no coordinated omission; scheduled and
 * actual send times are both recorded) or closed-loop concurrency. Later turns follow the
 * previous answer plus the think time. Stops on the request count, the duration or the
 * error rate; in-flight requests get a grace period, then are cancelled and recorded.
 */
import { performance } from 'node:perf_hooks';
import type { ChatMessage, RequestResult, SessionPlan } from '../types.ts';
import type { ArrivalProcess, StageInfo } from '../workload/arrivals.ts';

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

export class LoadLoop {
  readonly counters: LoopCounters = { sent: 0, completed: 0, errors: 0, inFlight: 0 };
  readonly abort = new AbortController();
  stoppedBy = '';
  private stopping = false;
  /** Sleepers to wake early when the run stops. */
  private readonly wakers = new Set<() => void>();
  private readonly sessions = new Set<Promise<void>>();
  private sessionIndex = 0;

  constructor(
    private readonly t0: number,
    private readonly source: SessionSource,
    private readonly arrivals: ArrivalProcess,
    private readonly stop: StopRule,
    private readonly runTurn: TurnRunner,
    private readonly onResult: (r: RequestResult) => void,
  ) {}

  private nowS(): number {
    return (performance.now() - this.t0) / 1000;
  }

  requestStop(reason: string): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stoppedBy = reason;
    for (const wake of this.wakers) wake();
  }

  async run(): Promise<void> {
    const durationTimer =
      this.stop.durationS !== undefined ? setTimeout(() => this.requestStop('duration'), this.stop.durationS * 1000) : undefined;
    try {
      await this.startSessions();
      if (!this.stopping) this.requestStop('workload exhausted');
      await this.drain();
    } finally {
      clearTimeout(durationTimer);
    }
  }

  /** Follows the arrival process: open-loop send times, closed-loop concurrency, waits. */
  private async startSessions(): Promise<void> {
    while (!this.stopping) {
      const step = this.arrivals.next({ nowS: this.nowS(), sent: this.sessionIndex, inFlight: this.sessions.size });
      if (step.kind === 'done') return;
      if (step.kind === 'wait') {
        await this.sleepUntil(this.t0 + step.untilS * 1000);
      } else if (step.kind === 'open') {
        const due = this.t0 + step.atS * 1000;
        await this.sleepUntil(due);
        if (this.stopping) return;
        this.startSession(due, step.stage); // sent even when late: the lag is the measurement
      } else if (this.sessions.size < step.concurrency) {
        this.startSession(performance.now(), step.stage);
      } else {
        const until = step.untilS !== undefined ? this.t0 + step.untilS * 1000 : performance.now() + 1000;
        await Promise.race([...this.sessions, this.sleepUntil(until)]);
      }
    }
  }

  private startSession(scheduledAt: number, stage: StageInfo): void {
    const session = this.source.next(this.nowS(), this.sessionIndex++);
    const p = this.runSession(session, scheduledAt, stage).finally(() => this.sessions.delete(p));
    this.sessions.add(p);
  }

  private async runSession(session: SessionPlan, firstScheduledAt: number, stage: StageInfo): Promise<void> {
    const history: ChatMessage[] = [];
    let scheduledAt = firstScheduledAt;
    let previousPool: string | undefined;
    for (let k = 0; k < session.turns.length; k++) {
      if (k > 0) {
        scheduledAt = performance.now() + session.turns[k]!.thinkTimeS * 1000;
        await this.sleepUntil(scheduledAt);
      }
      if (this.stopping || !this.reserve()) return;
      this.counters.inFlight++;
      let out: Awaited<ReturnType<TurnRunner>>;
      try {
        out = await this.runTurn(session, k, history, scheduledAt, stage, previousPool);
      } finally {
        this.counters.inFlight--;
      }
      this.counters.completed++;
      if (out.result.status !== 'ok') this.counters.errors++;
      this.onResult(out.result);
      this.checkErrorRate();
      if (out.result.status !== 'ok') return; // a failed turn ends its conversation
      previousPool = out.result.decision.pool;
      history.push({ role: 'user', content: session.turns[k]!.user }, { role: 'assistant', content: out.answer });
    }
  }

  /** Counts a request against stop.requests; false once the budget is spent. */
  private reserve(): boolean {
    if (this.stop.requests !== undefined && this.counters.sent >= this.stop.requests) {
      this.requestStop('requests');
      return false;
    }
    this.counters.sent++;
    if (this.stop.requests !== undefined && this.counters.sent >= this.stop.requests) this.requestStop('requests');
    return true;
  }

  private checkErrorRate(): void {
    const { completed, errors } = this.counters;
    if (completed >= this.stop.minRequestsForErrorRate && errors / completed > this.stop.maxErrorRate) {
      this.requestStop(`max_error_rate (${errors}/${completed} failed > ${this.stop.maxErrorRate})`);
    }
  }

  /** After a stop: in-flight requests get the grace period, then are cancelled (and recorded). */
  private async drain(): Promise<void> {
    const all = Promise.all([...this.sessions]);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<false>((r) => (timer = setTimeout(() => r(false), this.stop.graceS * 1000)));
    const finished = await Promise.race([all.then(() => true as const), grace]);
    clearTimeout(timer);
    if (!finished) {
      this.abort.abort();
      await all;
    }
  }

  /** Sleeps until a performance.now() time (never earlier: timers may fire <1 ms early); a stop wakes it. */
  private async sleepUntil(at: number): Promise<void> {
    while (!this.stopping && performance.now() < at) await this.sleepOnce(at);
  }

  private async sleepOnce(at: number): Promise<void> {
    const ms = Math.max(1, Math.ceil(at - performance.now()));
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }
}
