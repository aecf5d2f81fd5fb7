/**
 * Drives sessions into the pools: open-loop arrivals (each session's first turn goes out at
 * its scheduled time, whatever the responses do: no coordinated omission; scheduled and
 * actual send times are both recorded) or closed-loop concurrency. Later turns follow the
 * previous answer plus the think time. Stops on the request count, the duration or the
 * error rate; in-flight requests get a grace period, then are cancelled and recorded.
 *
 * Never starves the event loop: sends that fall behind their schedule go out as fast as
 * the machine allows, but the sender yields (setImmediate) every few milliseconds, so
 * responses are read, timers fire and the duration stop ends the run on time. When the
 * open loop falls behind it says so once (`log`), and it counts the sessions due but never
 * started at the stop: offered vs achieved rate (`openLoad()`). A reply that arrives when the
 * next send is due wakes the sender at once (`wakeSenderIfDue`), ahead of its timer. Closed
 * loop: one waiter, woken by each completion (O(1) per completion), one timer for the stage's
 * end.
 *
 * A share (`--shard`, `--workers`; harness/scale/session-share.ts): the schedule is walked in
 * full, but only the sessions this process owns are started; others are passed over without
 * waiting. A budget over the schedule (stop.requests in session order) ends it after its last
 * session, whose turns are all sent before the loop stops ('requests').
 *
 * Resume (`wrp run --resume`): the arrival process and the workload are replayed from the
 * seed, in session order. Sessions whose turns are all recorded (or ended by a recorded
 * failure) are skipped without waiting; at the first one that is not, the clock is moved so
 * that now is the point of the stop (the latest recorded outcome), and from there the
 * schedule runs at the original pace on the original run's timeline: nothing due before the
 * stop is waited for again. A session recorded up to turn k continues at turn k+1 with its
 * recorded conversation, due at turn k's recorded end plus its think time (or at the point
 * of the stop, if that is later), so a session's turns stay in order on the timeline.
 */
import { performance } from 'node:perf_hooks';
import type { SessionPlan } from '../types.ts';
import type { StageInfo } from '../workload/arrivals.ts';
import { claimSession, passesOver } from '../scale/session-share.ts';
import { resumePoint, type StartAt } from './recorded-requests.ts';
import type { StopReason } from './stop-reason.ts';
import type { LoopCounters, LoopOptions, OpenLoad, TurnRunner } from './loop-options.ts';

export { stopRule } from './loop-options.ts';
export type { LoopOptions, OpenLoad, ResumePlan, SessionSource, StopRule, TurnRunner } from './loop-options.ts';

/** How long the sender may run without yielding to the event loop when it is behind. */
const YIELD_EVERY_MS = 2;
/** An open-loop send this late means the generator is not holding the offered rate: said once in the log. */
export const BEHIND_WARN_MS = 250;

export class LoadLoop {
  readonly counters: LoopCounters = { sent: 0, completed: 0, errors: 0, inFlight: 0 };
  readonly abort = new AbortController();
  /** Resume bookkeeping: sessions skipped as complete, continued mid-way, or given up (no recorded answer to continue from). */
  readonly resumed = { skipped: 0, continued: 0, abandoned: 0 };
  /** Why the loop stopped (set once, by the first stop). */
  stoppedBy: StopReason | undefined;
  t0: number;
  private stopping = false;
  private stoppedAt = 0;
  /** Resume: still skipping recorded sessions; the clock is `replayS` until the first one to send. */
  private replaying: boolean;
  private replayS = 0;
  /** Resume: the point of the stop on the run's timeline (s); nothing is scheduled before it. 0 on a fresh run. */
  private readonly floorS: number;
  private durationTimer: NodeJS.Timeout | undefined;
  /** Sleepers to wake early when the run stops. */
  private readonly wakers = new Set<() => void>();
  /** The open-loop sender's sleep: when its send is due, and how to end the sleep early. */
  private senderSleep: { at: number; wake: () => void } | undefined;
  private readonly sessions = new Set<Promise<void>>();
  private sessionIndex = 0;
  /** performance.now() of the sender's last yield to the event loop. */
  private lastYield = 0;
  /** Closed loop: the one waiter for a completion (or the stage end, or the stop). */
  private waiter: (() => void) | undefined;
  private stageTimer: NodeJS.Timeout | undefined;
  /** The stage of the latest session started: the load level a request sent now joins. */
  private currentStage: StageInfo = { index: 0, label: '' };
  private stageTimerAt = NaN;
  private readonly open = { started: 0, behindAtStop: 0, firstAtS: NaN, warned: false };
  /** The share's budget ran out: the schedule has no session left for anyone. */
  private scheduleEnded = false;

  constructor(private readonly o: LoopOptions) {
    this.t0 = o.t0;
    this.replaying = o.resume !== undefined;
    this.floorS = (o.resume?.done.lastEndMs ?? 0) / 1000;
    if (o.resume) {
      this.counters.sent = this.counters.completed = o.resume.done.size;
      this.counters.errors = o.resume.errors;
    }
  }

  private nowS(): number {
    return this.replaying ? this.replayS : (performance.now() - this.t0) / 1000;
  }

  requestStop(reason: StopReason): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stoppedAt = performance.now();
    this.stoppedBy = reason;
    for (const wake of this.wakers) wake();
    this.wakeWaiter();
  }

  /** Open loop: sessions started and due-but-unstarted at the stop (undefined when no session was open-loop). */
  openLoad(): OpenLoad | undefined {
    if (this.open.started + this.open.behindAtStop === 0) return undefined;
    const endS = ((this.stoppedAt || performance.now()) - this.t0) / 1000;
    return {
      started: this.open.started,
      behindAtStop: this.open.behindAtStop,
      spanS: Math.max(0, endS - this.open.firstAtS),
    };
  }

  async run(): Promise<void> {
    const { requests } = this.o.stop;
    if (requests !== undefined && this.counters.sent >= requests) this.requestStop({ kind: 'requests' });
    if (!this.replaying) this.armDuration();
    this.lastYield = performance.now();
    try {
      await this.startSessions();
      // A budgeted schedule ends with its last session: the sessions started send every turn first.
      if (this.scheduleEnded) while (!this.stopping && this.sessions.size > 0) await this.completionOr(undefined);
      if (!this.stopping) this.requestStop({ kind: this.scheduleEnded ? 'requests' : 'workload_exhausted' });
      await this.drain();
    } finally {
      clearTimeout(this.durationTimer);
      clearTimeout(this.stageTimer);
    }
  }

  /** The duration counts on the run's timeline (a resumed run has used part of it already). */
  private armDuration(): void {
    const d = this.o.stop.durationS;
    if (d === undefined) return;
    const left = d * 1000 - (performance.now() - this.t0);
    this.durationTimer = setTimeout(() => this.requestStop({ kind: 'duration' }), Math.max(0, left));
  }

  /** Leaves replay: now becomes the point of the stop on the original timeline. */
  private rebase(): void {
    if (!this.replaying) return;
    this.replaying = false;
    this.t0 = performance.now() - this.floorS * 1000;
    this.o.onRebase?.(this.t0);
    this.armDuration();
  }

  /** Follows the arrival process: open-loop send times, closed-loop concurrency, waits. */
  private async startSessions(): Promise<void> {
    while (!this.stopping) {
      const step = this.o.arrivals.next({ nowS: this.nowS(), sent: this.sessionIndex, inFlight: this.sessions.size });
      if (step.kind === 'done') return;
      if (step.kind === 'wait') {
        if (this.replaying) this.replayS = Math.max(this.replayS, step.untilS);
        else await this.sleepUntil(this.t0 + step.untilS * 1000);
      } else if (step.kind === 'open') {
        if (this.passOver()) continue;
        // The mix as of the scheduled time: the same plan whenever (and however late) it is sent.
        const session = this.claim(this.o.source.next(step.atS, this.sessionIndex));
        if (session === 'end') break;
        if (session === 'skip') {
          this.sessionIndex++;
          continue;
        }
        const at = this.startAt(session);
        if (at === undefined) {
          this.sessionIndex++;
          continue;
        }
        this.rebase();
        if (at.dueMs !== undefined) {
          // A conversation cut by the stop: its next turn waits in its own session, not in the sender.
          this.startSession(session, this.dueOf(at.dueMs / 1000), step.stage, at);
          continue;
        }
        const atS = Math.max(step.atS, this.floorS);
        if (Number.isNaN(this.open.firstAtS)) this.open.firstAtS = atS;
        const due = this.t0 + atS * 1000;
        await this.waitUntilDue(due);
        if (this.stopping) {
          if (due <= this.stoppedAt) this.open.behindAtStop++;
          this.sessionIndex++;
          break;
        }
        this.open.started++;
        this.noteLag(performance.now() - due, atS);
        this.startSession(session, due, step.stage, at); // sent even when late: the lag is the measurement
      } else if (this.sessions.size < (this.o.share?.concurrency(step.concurrency) ?? step.concurrency)) {
        if (this.passOver()) continue;
        const recorded = this.o.resume?.done.get(`s${this.sessionIndex}/0`);
        if (this.replaying && recorded) this.replayS = Math.max(this.replayS, recorded.scheduledMs / 1000);
        const session = this.claim(this.o.source.next(this.nowS(), this.sessionIndex));
        if (session === 'end') break;
        if (session === 'skip') {
          this.sessionIndex++;
          continue;
        }
        const at = this.startAt(session);
        if (at === undefined) {
          this.sessionIndex++;
          continue;
        }
        this.rebase();
        await this.yieldIfBusy();
        if (this.stopping) return;
        this.startSession(
          session,
          at.dueMs === undefined ? performance.now() : this.dueOf(at.dueMs / 1000),
          step.stage,
          at,
        );
      } else {
        await this.completionOr(step.untilS === undefined ? undefined : this.t0 + step.untilS * 1000);
      }
    }
    if (this.scheduleEnded) return;
    if (!Number.isNaN(this.open.firstAtS)) this.countDueAtStop();
  }

  /** A session of another share, passed over without building it. */
  private passOver(): boolean {
    if (!this.o.share || !passesOver(this.o.share, this.sessionIndex)) return false;
    this.sessionIndex++;
    return true;
  }

  private claim(session: SessionPlan): SessionPlan | 'skip' | 'end' {
    if (!this.o.share) return session;
    const c = claimSession(this.o.share, this.sessionIndex, session);
    if (c === 'end') this.scheduleEnded = true;
    return c;
  }

  /** Sleeps until an open-loop send is due; when already late, only yields if the sender has run long enough. */
  private async waitUntilDue(due: number): Promise<void> {
    if (performance.now() < due) {
      while (!this.stopping && performance.now() < due) await this.sleepOnce(due, true);
      this.lastYield = performance.now();
    } else await this.yieldIfBusy();
  }

  /** Lets I/O, timers and the duration stop run when the sender has had the thread for YIELD_EVERY_MS. */
  private async yieldIfBusy(): Promise<void> {
    if (performance.now() - this.lastYield < YIELD_EVERY_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.lastYield = performance.now();
  }

  private noteLag(lagMs: number, atS: number): void {
    if (lagMs < BEHIND_WARN_MS || this.open.warned) return;
    this.open.warned = true;
    this.o.log?.(
      `load generator: open-loop sends are running ${Math.round(lagMs)} ms behind their schedule at ${atS.toFixed(1)} s: ` +
        'this machine cannot hold the offered rate; late sends go out as fast as it allows, each with its lag recorded ' +
        '(timing.sendLagMs; offered vs achieved rate in the summary)',
    );
  }

  /** At the stop: every open-loop session due by then and not started was offered but not sent. */
  private countDueAtStop(): void {
    const stopS = (this.stoppedAt - this.t0) / 1000;
    for (let index = this.sessionIndex; ; index++) {
      const step = this.o.arrivals.next({ nowS: stopS, sent: this.sessionIndex, inFlight: this.sessions.size });
      if (step.kind !== 'open' || step.atS > stopS) return;
      if (this.o.share?.owns(index) ?? true) this.open.behindAtStop++;
    }
  }

  /** Closed loop: waits for a session to end, the stage's end (`until`, performance.now() ms) or the stop. */
  private async completionOr(until: number | undefined): Promise<void> {
    if (until !== undefined && until !== this.stageTimerAt) {
      clearTimeout(this.stageTimer);
      this.stageTimerAt = until;
      this.stageTimer = setTimeout(
        () => {
          this.stageTimerAt = NaN; // re-armed by the next wait if it fired a hair early
          this.wakeWaiter();
        },
        Math.max(0, until - performance.now()),
      );
    }
    if (until !== undefined && performance.now() >= until) return;
    await new Promise<void>((resolve) => (this.waiter = resolve));
    this.lastYield = performance.now();
  }

  private wakeWaiter(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /**
   * Where to start a session: turn 0 on a fresh run; on resume, after its recorded turns,
   * or undefined when nothing of it is left to send (the caller consumes its index).
   */
  private startAt(session: SessionPlan): StartAt | undefined {
    const done = this.o.resume?.done;
    if (done === undefined) return { turn: 0, history: [] };
    const p = resumePoint(session, done);
    if (p === 'complete' || p === 'abandoned') {
      this.resumed[p === 'complete' ? 'skipped' : 'abandoned']++;
      return undefined;
    }
    if (p.turn > 0) this.resumed.continued++;
    return p;
  }

  /** performance.now() when something due at `atS` on the run's timeline goes out (never before the point of the stop). */
  private dueOf(atS: number): number {
    return this.t0 + Math.max(atS, this.floorS) * 1000;
  }

  private startSession(session: SessionPlan, scheduledAt: number, stage: StageInfo, at: StartAt): void {
    this.sessionIndex++;
    this.currentStage = stage;
    const p = this.runSession(session, scheduledAt, stage, at).finally(() => {
      this.sessions.delete(p);
      this.wakeWaiter();
    });
    this.sessions.add(p);
  }

  private async runSession(
    session: SessionPlan,
    firstScheduledAt: number,
    stage: StageInfo,
    at: StartAt,
  ): Promise<void> {
    const history = at.history;
    let scheduledAt = firstScheduledAt;
    let previousPool = at.previousPool;
    for (let k = at.turn; k < session.turns.length; k++) {
      // A continued session's first turn is due when the loop said; later turns after the answer plus the think time.
      if (k > at.turn) scheduledAt = performance.now() + session.turns[k]!.thinkTimeS * 1000;
      if (k > 0) await this.sleepUntil(scheduledAt);
      if (this.stopping || !this.reserve()) return;
      this.counters.inFlight++;
      let out: Awaited<ReturnType<TurnRunner>>;
      try {
        // A later turn belongs to the stage whose load it is sent into, not the one its session began in.
        out = await this.o.runTurn(
          session,
          k,
          history,
          scheduledAt,
          k === at.turn ? stage : this.currentStage,
          previousPool,
        );
      } finally {
        this.counters.inFlight--;
      }
      this.counters.completed++;
      if (out.result.status !== 'ok') this.counters.errors++;
      this.o.onResult(out.result);
      this.checkErrorRate();
      if (out.result.status !== 'ok') return; // a failed turn ends its conversation
      previousPool = out.result.decision.pool;
      history.push({ role: 'user', content: session.turns[k]!.user }, { role: 'assistant', content: out.answer });
    }
  }

  /** Counts a request against stop.requests; false once the budget is spent. */
  private reserve(): boolean {
    const { requests } = this.o.stop;
    if (requests !== undefined && this.counters.sent >= requests) {
      this.requestStop({ kind: 'requests' });
      return false;
    }
    this.counters.sent++;
    if (requests !== undefined && this.counters.sent >= requests) this.requestStop({ kind: 'requests' });
    return true;
  }

  private checkErrorRate(): void {
    const { completed, errors } = this.counters;
    if (completed >= this.o.stop.minRequestsForErrorRate && errors / completed > this.o.stop.maxErrorRate) {
      this.requestStop({ kind: 'max_error_rate', errors, completed, limit: this.o.stop.maxErrorRate });
    }
  }

  /** After a stop: in-flight requests get the grace period, then are cancelled (and recorded). */
  private async drain(): Promise<void> {
    const all = Promise.all([...this.sessions]);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<false>((r) => (timer = setTimeout(() => r(false), this.o.stop.graceS * 1000)));
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

  private async sleepOnce(at: number, sender = false): Promise<void> {
    const ms = Math.max(1, Math.ceil(at - performance.now()));
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        if (sender) this.senderSleep = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
      if (sender) this.senderSleep = { at, wake: done };
    });
  }

  /**
   * Called as each reply arrives (TurnEnv.onReply): a send already due goes out now, not after
   * the timer phase. Replies that arrive together are all handled before timers run (each
   * evaluated, recorded, learned from), so a due send waited for the whole batch; now it waits
   * for one reply's handling at most.
   */
  wakeSenderIfDue(): boolean {
    const s = this.senderSleep;
    if (s === undefined || performance.now() < s.at) return false;
    s.wake();
    return true;
  }
}
