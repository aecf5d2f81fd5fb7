/** Median client-side TTFT of each pool's last N successful requests (a router observable). */
export class RecentTtft {
  private readonly windows = new Map<string, number[]>();
  constructor(private readonly size = 50) {}

  add(pool: string, ttftMs: number): void {
    let w = this.windows.get(pool);
    if (!w) this.windows.set(pool, (w = []));
    w.push(ttftMs);
    if (w.length > this.size) w.shift();
  }

  median(pool: string): number | undefined {
    const w = this.windows.get(pool);
    if (!w || w.length === 0) return undefined;
    const sorted = [...w].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  }
}
