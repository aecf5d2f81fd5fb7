/**
 * One engine, two clocks. The engine only ever asks a Clock for `now()` and schedules
 * callbacks with `at(time, fn)`. VirtualClock runs the event queue as fast as the CPU
 * allows (training on millions of requests); WallClock maps engine seconds onto real
 * time behind the HTTP server.
 */
import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Seconds since the clock's origin. */
  now(): number;
  /** Runs fn at engine time `time` (or as soon as possible if that is past). */
  at(time: number, fn: () => void): void;
}

/** Min-heap of timed callbacks; ties run in insertion order so runs are deterministic. */
export class VirtualClock implements Clock {
  private t = 0;
  private times: number[] = [];
  private seqs: number[] = [];
  private fns: (() => void)[] = [];
  private counter = 0;

  now(): number {
    return this.t;
  }

  at(time: number, fn: () => void): void {
    const when = time < this.t ? this.t : time;
    let i = this.times.length;
    this.times.push(when);
    this.seqs.push(this.counter++);
    this.fns.push(fn);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  get pending(): number {
    return this.times.length;
  }

  /** Runs events in time order until none are left or the next is later than `until`. */
  run(until = Infinity): void {
    while (this.times.length > 0 && this.times[0]! <= until) {
      const fn = this.pop();
      fn();
    }
    if (until !== Infinity && until > this.t) this.t = until;
  }

  private pop(): () => void {
    const fn = this.fns[0]!;
    this.t = this.times[0]!;
    const last = this.times.length - 1;
    this.swap(0, last);
    this.times.pop();
    this.seqs.pop();
    this.fns.pop();
    let i = 0;
    const n = this.times.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return fn;
  }

  private less(a: number, b: number): boolean {
    const ta = this.times[a]!;
    const tb = this.times[b]!;
    return ta < tb || (ta === tb && this.seqs[a]! < this.seqs[b]!);
  }

  private swap(a: number, b: number): void {
    [this.times[a], this.times[b]] = [this.times[b]!, this.times[a]!];
    [this.seqs[a], this.seqs[b]] = [this.seqs[b]!, this.seqs[a]!];
    [this.fns[a], this.fns[b]] = [this.fns[b]!, this.fns[a]!];
  }
}

/** Engine time = real seconds since construction. */
export class WallClock implements Clock {
  private readonly origin = performance.now();
  private readonly timers = new Set<NodeJS.Timeout>();

  now(): number {
    return (performance.now() - this.origin) / 1000;
  }

  at(time: number, fn: () => void): void {
    const delayMs = Math.max(0, (time - this.now()) * 1000);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // Node timers can fire up to ~1 ms early; an engine event never happens before its time.
      if (this.now() < time) this.at(time, fn);
      else fn();
    }, delayMs);
    this.timers.add(timer);
  }

  /** Cancels every pending callback (server shutdown). */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
