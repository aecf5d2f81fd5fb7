/**
 * How a caller stops a run from outside (wrp run's SIGINT/SIGTERM handler; tests), without
 * the runner touching process signals. `stop(reason)` is the first signal: no new sends,
 * requests in flight get `stop.grace_s`, then are cancelled, and the run is summarised as
 * usual. `cancel()` is the second: requests in flight are cancelled at once (each still
 * recorded, as `cancelled`). Either may come before the load loop exists: the runner then
 * stops before sending anything, leaves no run folder, and throws RunInterrupted.
 */
import type { StopReason } from './stop-reason.ts';

type Signal = Extract<StopReason, { kind: 'signal' }>['signal'];

export class RunInterrupt {
  private reasonValue: StopReason | undefined;
  private cancelled = false;
  private readonly stopListeners = new Set<(reason: StopReason) => void>();
  private readonly cancelListeners = new Set<() => void>();

  /** The stop asked for, if any. */
  get reason(): StopReason | undefined {
    return this.reasonValue;
  }

  get cancelRequested(): boolean {
    return this.cancelled;
  }

  stop(reason: StopReason): void {
    if (this.reasonValue !== undefined) return;
    this.reasonValue = reason;
    for (const l of this.stopListeners) l(reason);
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    for (const l of this.cancelListeners) l();
  }

  /** Calls `onStop` and `onCancel` now if they already happened, and later when they happen; returns the unsubscribe. */
  watch(onStop: (reason: StopReason) => void, onCancel: () => void): () => void {
    this.stopListeners.add(onStop);
    this.cancelListeners.add(onCancel);
    if (this.reasonValue !== undefined) onStop(this.reasonValue);
    if (this.cancelled) onCancel();
    return () => {
      this.stopListeners.delete(onStop);
      this.cancelListeners.delete(onCancel);
    };
  }
}

/** A run stopped by a signal before it sent a request: nothing recorded, no run folder left. */
export class RunInterrupted extends Error {
  override name = 'RunInterrupted';
  constructor(readonly signal: Signal | undefined) {
    super(`${signal ?? 'interrupted'} before any request was sent: nothing was recorded and no run folder is left`);
  }
}
