/**
 * Fixed-count buckets over a growing axis (seconds or requests): a value lands in bucket
 * floor(x / width); when more than `maxBuckets` would exist, the width doubles and pairs
 * of buckets merge. Memory stays bounded by `maxBuckets` however long the run.
 */
export class Buckets<T> {
  private width: number;
  private readonly map = new Map<number, T>();

  constructor(
    initialWidth: number,
    private readonly maxBuckets: number,
    private readonly create: () => T,
    private readonly merge: (into: T, from: T) => void,
  ) {
    this.width = initialWidth;
  }

  /** The bucket that holds `x` (>= 0), created on first use. */
  at(x: number): T {
    let i = Math.floor(Math.max(0, x) / this.width);
    while (i >= this.maxBuckets) {
      this.widen();
      i = Math.floor(Math.max(0, x) / this.width);
    }
    let b = this.map.get(i);
    if (b === undefined) {
      b = this.create();
      this.map.set(i, b);
    }
    return b;
  }

  get bucketWidth(): number {
    return this.width;
  }

  /** Buckets in order, each with its start on the axis. */
  entries(): { start: number; value: T }[] {
    return [...this.map.entries()].sort((a, b) => a[0] - b[0]).map(([i, value]) => ({ start: i * this.width, value }));
  }

  /** The buckets merged by whole factors until at most `count` span the data (for drawing). */
  coarsened(count: number): { width: number; entries: { start: number; value: T }[] } {
    const all = this.entries();
    const last = all.length ? all[all.length - 1]!.start / this.width + 1 : 0;
    const factor = Math.max(1, Math.ceil(last / count));
    if (factor === 1) return { width: this.width, entries: all };
    const width = this.width * factor;
    const merged = new Map<number, T>();
    for (const { start, value } of all) {
      const j = Math.floor(start / width + 1e-9);
      const into = merged.get(j);
      if (into === undefined) {
        const fresh = this.create();
        this.merge(fresh, value);
        merged.set(j, fresh);
      } else this.merge(into, value);
    }
    return {
      width,
      entries: [...merged.entries()].sort((a, b) => a[0] - b[0]).map(([j, value]) => ({ start: j * width, value })),
    };
  }

  private widen(): void {
    const old = [...this.map.entries()];
    this.map.clear();
    this.width *= 2;
    for (const [i, v] of old) {
      const j = Math.floor(i / 2);
      const into = this.map.get(j);
      if (into === undefined) this.map.set(j, v);
      else this.merge(into, v);
    }
  }
}

/** Adds every count of `from` into `into`. */
export function mergeCounts(into: Map<string, number>, from: Map<string, number>): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}

export function bump(m: Map<string, number>, k: string, by = 1): void {
  m.set(k, (m.get(k) ?? 0) + by);
}
