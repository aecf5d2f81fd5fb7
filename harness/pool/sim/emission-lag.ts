/**
 * Watches how far streamed token frames reach the socket behind the engine's schedule,
 * measured in modelled engine steps. The engine keeps its own (simulated GPU) schedule;
 * when the host cannot write its token rate over HTTP (thousands of streams, or a client
 * sharing the event loop), frames fall behind and every client-side TTFT/ITL includes that
 * lag: the simulator, not the modelled GPU, is then the bottleneck. A frame later than one
 * step means its token would have been due with the next step's.
 *
 * Kept: lag histograms (ms, and in steps) for the pool's whole life (`stats()`, the run's
 * summary notes), the recent mean step (from the engine's step records), and a warning,
 * at most once a minute, as soon as over 1% of a one-second window's frames (100 at least)
 * were more than a step late.
 */
import { newHistogram, percentileMs, recordMs, type Histogram } from '../../histogram.ts';

export interface FrameLagStats {
  frames: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Recent mean engine step, ms (what "one step" means). */
  stepMs: number | null;
  /** The p99 lag in steps (each frame's lag over the mean step when it was written). */
  p99Steps: number | null;
  /** Share of frames more than one step late. */
  lateShare: number;
}

/** Share of a window's frames more than one step late that makes the watch warn. */
const LATE_SHARE_WARN = 0.01;
/** Frames a window needs before its share is judged. */
const MIN_WINDOW_FRAMES = 100;
/** Weight of each new step in the mean step (exponentially weighted: the recent load's step). */
const STEP_EWMA = 0.1;

export class EmissionLagWatch {
  private lastWarnedAt = -Infinity;
  private readonly lagMs: Histogram = newHistogram();
  /** Lag in steps, recorded as thousandths (HDR records integers). */
  private readonly lagSteps: Histogram = newHistogram();
  private stepS = 0;
  private frames = 0;
  private late = 0;
  private windowStart = -Infinity;
  private windowFrames = 0;
  private windowLate = 0;
  private windowMaxSteps = 0;

  constructor(
    private readonly model: string,
    private readonly warn: (line: string) => void,
    private readonly everyS = 60,
    private readonly windowS = 1,
  ) {}

  /** An engine step of `seconds` that produced tokens (the unit lag is measured in). */
  observeStep(seconds: number): void {
    if (!(seconds > 0)) return;
    this.stepS = this.stepS === 0 ? seconds : this.stepS + STEP_EWMA * (seconds - this.stepS);
  }

  /** The modelled step the lag is measured against, seconds (0 before the first step). */
  stepSeconds(): number {
    return this.stepS;
  }

  /** A frame scheduled at engine time `scheduled` reached the socket at `now` (seconds); returns its lag in steps. */
  observe(scheduled: number, now: number): number {
    const lag = Math.max(0, now - scheduled);
    const steps = this.stepS > 0 ? lag / this.stepS : 0;
    recordMs(this.lagMs, lag * 1000);
    recordMs(this.lagSteps, steps); // thousandths of a step
    this.frames++;
    if (now - this.windowStart >= this.windowS) this.openWindow(now);
    this.windowFrames++;
    if (steps > 1) {
      this.late++;
      this.windowLate++;
      this.windowMaxSteps = Math.max(this.windowMaxSteps, steps);
    }
    if (
      this.windowFrames >= MIN_WINDOW_FRAMES &&
      this.windowLate > LATE_SHARE_WARN * this.windowFrames &&
      now - this.lastWarnedAt >= this.everyS
    )
      this.warnLate(now);
    return steps;
  }

  stats(): FrameLagStats {
    const p99Steps = percentileMs(this.lagSteps, 99);
    return {
      frames: this.frames,
      p50Ms: percentileMs(this.lagMs, 50),
      p99Ms: percentileMs(this.lagMs, 99),
      maxMs: this.frames === 0 ? null : Number((this.lagMs.maxValue / 1000).toFixed(2)),
      stepMs: this.stepS > 0 ? Number((this.stepS * 1000).toFixed(2)) : null,
      p99Steps,
      lateShare: this.frames === 0 ? 0 : this.late / this.frames,
    };
  }

  destroy(): void {
    this.lagMs.destroy();
    this.lagSteps.destroy();
  }

  private warnLate(now: number): void {
    this.lastWarnedAt = now;
    const share = this.windowLate / this.windowFrames;
    this.warn(
      `simulated pool ${this.model}: ${(100 * share).toFixed(1)}% of token frames reached clients more than one modelled ` +
        `step (${(this.stepS * 1000).toFixed(1)} ms) behind the engine's schedule, up to ${this.windowMaxSteps.toFixed(1)} steps: ` +
        "this host cannot write the engine's token rate over HTTP, so client-side TTFT/ITL include its lag. " +
        'Fewer concurrent streams, a pool in its own process (wrp pool serve), --uds, or virtual-time training avoid it.',
    );
  }

  private openWindow(now: number): void {
    this.windowStart = now;
    this.windowFrames = 0;
    this.windowLate = 0;
    this.windowMaxSteps = 0;
  }
}

/**
 * A run-summary line when a simulated pool was the bottleneck (frame lag p99 above one
 * modelled step, or over 1% of frames a step late); undefined when it kept up.
 */
export function describeFrameLag(pool: string, s: FrameLagStats): string | undefined {
  if (s.frames === 0 || s.p99Steps === null) return undefined;
  if (s.p99Steps <= 1 && s.lateShare <= LATE_SHARE_WARN) return undefined;
  return (
    `simulated pool ${pool} was the bottleneck: token frames reached clients p99 ${s.p99Ms} ms (${s.p99Steps} modelled ` +
    `steps of ${s.stepMs} ms) behind its engine's schedule, ${(100 * s.lateShare).toFixed(1)}% of ${s.frames} frames over ` +
    "one step: this pool's client-side TTFT/ITL include the simulator host's lag, not only the modelled GPU's"
  );
}
