/**
 * The running totals a summary is built from, so a run's records can stream through once
 * and be forgotten. Records are kept per leaf: one leaf per combination of the summary's
 * grouping keys (pool, category, archetype, policy, stage); each latency sample is recorded
 * once, in its leaf, and the tables' groups are leaves merged at the end. Memory is one
 * leaf per combination seen (a few histograms each), whatever the number of records.
 *
 * Percentiles come from HDR histograms (harness/histogram.ts). Histograms live in
 * WebAssembly memory: `destroy()` frees them.
 */
import { BucketCounts, newHistogram, recordMs, type Histogram } from '../histogram.ts';
import type { RequestResult } from '../types.ts';

export interface Slo {
  ttft_ms?: number;
  tpot_ms?: number;
  e2e_ms?: number;
}

export function meetsSlo(r: RequestResult, slo: Slo): boolean {
  if (r.status !== 'ok') return false;
  const t = r.timing;
  if (slo.ttft_ms !== undefined && !(t.ttftMs !== undefined && t.ttftMs <= slo.ttft_ms)) return false;
  if (slo.tpot_ms !== undefined && t.tpotMs !== undefined && t.tpotMs > slo.tpot_ms) return false;
  if (slo.e2e_ms !== undefined && !(t.e2eMs !== undefined && t.e2eMs <= slo.e2e_ms)) return false;
  return true;
}

export interface GroupKeys {
  pool: string;
  category: string;
  archetype: string;
  policy: string;
  stage: string;
}

export const LATENCIES = ['ttft', 'itl', 'tpot', 'e2e'] as const;
export type Latency = (typeof LATENCIES)[number];

/** Sums and histograms over a set of records (a leaf, or leaves merged into a table's group). */
export class GroupStats {
  requests = 0;
  ok = 0;
  failed = 0;
  cancelled = 0;
  okOutputTokens = 0;
  meetingSlo = 0;
  costUsd = 0;
  energyJ = 0;
  /** Output tokens of the records that have an energy figure. */
  energyTokens = 0;
  qualitySum = 0;
  judged = 0;
  rewardSum = 0;
  rewarded = 0;
  /** First send and last completion, ms on the run's timeline. */
  firstMs = Infinity;
  lastMs = -Infinity;
  readonly latency: Record<Latency, Histogram> = {
    ttft: newHistogram(),
    itl: newHistogram(),
    tpot: newHistogram(),
    e2e: newHistogram(),
  };
  /** Inter-token gaps (hundreds a record) are counted first, then added to `latency.itl` a bucket at a time. */
  private readonly itlCounts = new BucketCounts();

  add(r: RequestResult, slo: Slo): void {
    this.requests++;
    const t = r.timing;
    if (r.status === 'ok') {
      this.ok++;
      this.okOutputTokens += r.tokens.output;
      if (t.ttftMs !== undefined) recordMs(this.latency.ttft, t.ttftMs);
      if (t.tpotMs !== undefined) recordMs(this.latency.tpot, t.tpotMs);
      if (t.e2eMs !== undefined) recordMs(this.latency.e2e, t.e2eMs);
      const itl = this.itlCounts;
      const gaps = t.itlMs;
      for (let i = 0; i < gaps.length; i++) itl.addMs(gaps[i]!);
    } else if (r.status === 'failed') this.failed++;
    else this.cancelled++;
    if (meetsSlo(r, slo)) this.meetingSlo++;
    this.costUsd += r.costUsd;
    if (r.quality !== undefined) {
      this.qualitySum += r.quality;
      this.judged++;
    }
    if (r.reward !== undefined) {
      this.rewardSum += r.reward;
      this.rewarded++;
    }
    this.firstMs = Math.min(this.firstMs, t.sentMs);
    this.lastMs = Math.max(this.lastMs, t.sentMs + (t.e2eMs ?? 0));
  }

  addEnergy(joules: number, outputTokens: number): void {
    this.energyJ += joules;
    this.energyTokens += outputTokens;
  }

  /** Moves the counted inter-token gaps into their histogram (before reading or merging it). */
  flush(): void {
    this.itlCounts.drainInto(this.latency.itl);
  }

  merge(o: GroupStats): void {
    o.flush();
    this.requests += o.requests;
    this.ok += o.ok;
    this.failed += o.failed;
    this.cancelled += o.cancelled;
    this.okOutputTokens += o.okOutputTokens;
    this.meetingSlo += o.meetingSlo;
    this.costUsd += o.costUsd;
    this.energyJ += o.energyJ;
    this.energyTokens += o.energyTokens;
    this.qualitySum += o.qualitySum;
    this.judged += o.judged;
    this.rewardSum += o.rewardSum;
    this.rewarded += o.rewarded;
    this.firstMs = Math.min(this.firstMs, o.firstMs);
    this.lastMs = Math.max(this.lastMs, o.lastMs);
    for (const k of LATENCIES) this.latency[k].add(o.latency[k]);
  }

  /** Seconds from the group's first send to its last completion. */
  spanS(): number {
    return this.requests === 0 ? 0 : (this.lastMs - this.firstMs) / 1000;
  }

  destroy(): void {
    for (const k of LATENCIES) this.latency[k].destroy();
  }
}

/** A record's place in the summary's tables. */
export function groupKeys(r: RequestResult): GroupKeys {
  return {
    pool: r.decision.pool,
    category: r.labels.category,
    archetype: r.labels.archetype,
    policy: r.decision.policy,
    stage: `${r.stage}: ${r.stageLabel}`,
  };
}

/** The leaves: one GroupStats per distinct combination of group keys. */
export class LeafStats {
  readonly leaves: { keys: GroupKeys; stats: GroupStats }[] = [];
  private readonly index = new Map<string, number>();

  /** Adds a record; returns its leaf's index (to add its energy later). */
  add(r: RequestResult, slo: Slo): number {
    const d = r.decision;
    const l = r.labels;
    const key = `${d.pool}\u0001${l.category}\u0001${l.archetype}\u0001${d.policy}\u0001${r.stage}\u0001${r.stageLabel}`;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.leaves.length;
      this.leaves.push({ keys: groupKeys(r), stats: new GroupStats() });
      this.index.set(key, i);
    }
    this.leaves[i]!.stats.add(r, slo);
    return i;
  }

  /** Leaves merged by one key: group name -> merged stats (the caller destroys them). */
  mergedBy(key: keyof GroupKeys | undefined): Map<string, GroupStats> {
    const out = new Map<string, GroupStats>();
    for (const { keys, stats } of this.leaves) {
      const name = key === undefined ? 'all' : keys[key];
      let g = out.get(name);
      if (g === undefined) out.set(name, (g = new GroupStats()));
      g.merge(stats);
    }
    return out;
  }

  destroy(): void {
    for (const { stats } of this.leaves) stats.destroy();
  }
}
