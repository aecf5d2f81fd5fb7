/**
 * Median client-side TTFT of each pool's last N successful requests (a router observable,
 * read for every pool at every routing decision). Each window keeps its samples in arrival
 * order (a ring) and in sorted order: an add is two binary searches and two shifts of at
 * most N values, the median a lookup, whatever the run's length (no copy or sort per read).
 */
class SortedWindow {
  private readonly ring: number[] = [];
  private next = 0;
  private readonly sorted: number[] = [];

  constructor(private readonly size: number) {}

  add(v: number): void {
    if (this.ring.length < this.size) this.ring.push(v);
    else {
      const old = this.ring[this.next]!;
      this.ring[this.next] = v;
      this.next = (this.next + 1) % this.size;
      this.sorted.splice(lowerBound(this.sorted, old), 1);
    }
    this.sorted.splice(lowerBound(this.sorted, v), 0, v);
  }

  /** The value at index floor(n / 2) of the sorted window. */
  median(): number | undefined {
    return this.sorted[Math.floor(this.sorted.length / 2)];
  }
}

/** First index whose value is >= v. */
function lowerBound(a: number[], v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class RecentTtft {
  private readonly windows = new Map<string, SortedWindow>();
  constructor(private readonly size = 50) {}

  add(pool: string, ttftMs: number): void {
    let w = this.windows.get(pool);
    if (!w) this.windows.set(pool, (w = new SortedWindow(this.size)));
    w.add(ttftMs);
  }

  median(pool: string): number | undefined {
    return this.windows.get(pool)?.median();
  }
}
