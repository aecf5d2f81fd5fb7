/**
 * Everything a run's report draws, gathered from requests.jsonl in one streaming pass (or
 * from the pass `wrp report` makes anyway to recompute the summary: RunDigester.add) with
 * memory bounded by the number of pools, categories, stages and buckets, never by the run's
 * length: latency histograms per pool and per sweep stage, throughput, goodput and errors
 * per time bucket, traffic per category and pool over time, reward per window of requests,
 * quality/cost/reward moments per category and pool, energy per pool and archetype, and per
 * policy the point it takes on the cost-quality plane.
 *
 * Cumulative regret needs the whole run's per-category means, so each window keeps its
 * reward sums per policy and category and the regret is added up at the end (regret is a
 * sum over requests: a window's share is n * best - sum of rewards, per category).
 */
import { join } from 'node:path';
import { BucketCounts } from '../histogram.ts';
import { addMoment, emptyMoments, mergeMoments, type Moments } from '../metrics/intervals.ts';
import { meetsSlo, type Slo } from '../runner/summary.ts';
import type { RequestResult } from '../types.ts';
import { Buckets, bump, mergeCounts } from './buckets.ts';
import { newHistogram, recordMs, type Histogram } from './histograms.ts';
import { forEachRequest, type ScanCount } from './read-records.ts';

export const LATENCY_METRICS = ['TTFT', 'ITL', 'TPOT', 'E2E'] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

export interface TimeBucket {
  ok: number;
  meeting: number;
  errors: Map<string, number>;
  /** policy \0 category \0 pool -> requests. */
  traffic: Map<string, number>;
}

export interface RewardWindow {
  /** policy -> reward moments; policy -> cumulative regret at the window's end (set at the end of the pass). */
  reward: Map<string, Moments>;
  regret: Map<string, number>;
  /** policy \0 category -> rewarded requests and their reward sum (what regret is added up from). */
  byCategory: Map<string, { n: number; sum: number }>;
}

export interface StageDigest {
  stage: number;
  label: string;
  sent: number;
  ok: number;
  meeting: number;
  /** Sessions started (first turns) and the span of their sends: the offered load. */
  sessions: number;
  firstSentMs: number;
  lastStartMs: number;
  lastDoneMs: number;
  ttft: Histogram;
  tpot: Histogram;
}

export interface QualityCostReward {
  quality: Moments;
  cost: Moments;
  reward: Moments;
}

export interface RunDigest {
  records: number;
  skipped: number;
  latency: Map<string, Record<LatencyMetric, Histogram>>;
  /** Every pool together (comparisons). */
  overall: Record<LatencyMetric, Histogram>;
  stages: Map<number, StageDigest>;
  time: Buckets<TimeBucket>;
  windows: Buckets<RewardWindow>;
  /** category \0 pool -> moments. */
  byCategoryPool: Map<string, QualityCostReward>;
  byPolicy: Map<string, QualityCostReward>;
  /** pool -> self-normalised IPS sums over randomised decisions (propensity < 1): the single-model estimate. */
  randomised: Map<string, { w: number; wq: number; wc: number; n: number }>;
  /** pool \0 archetype -> attributed joules and output tokens. */
  energy: Map<string, { joules: number; tokens: number }>;
  categories: Map<string, number>;
  policies: Set<string>;
  pools: Set<string>;
  /** What cumulative regret is measured against (absent without rewards or with one pool). */
  regretBasis?: string;
  /** Outcomes (requests) so far, and the completed, ok and meeting counts of the whole run. */
  ok: number;
  meeting: number;
  failed: number;
}

const TIME_BUCKETS = 960;
const REWARD_WINDOWS = 120;
const SEP = '\u0000';

const latencySet = (): Record<LatencyMetric, Histogram> => ({
  TTFT: newHistogram(),
  ITL: newHistogram(),
  TPOT: newHistogram(),
  E2E: newHistogram(),
});
const qcr = (): QualityCostReward => ({ quality: emptyMoments(), cost: emptyMoments(), reward: emptyMoments() });

/** A pool's latency histograms, with its inter-token gaps counted by bucket first (hundreds a record). */
interface LatencySeries {
  hist: Record<LatencyMetric, Histogram>;
  itl: BucketCounts;
}

/** TTFT, TPOT and E2E of one record. Its gaps are counted per pool only (the overall ITL is merged from those). */
function recordTimes(hist: Record<LatencyMetric, Histogram>, r: RequestResult): void {
  const t = r.timing;
  if (t.ttftMs !== undefined) recordMs(hist.TTFT, t.ttftMs);
  if (t.tpotMs !== undefined) recordMs(hist.TPOT, t.tpotMs);
  if (t.e2eMs !== undefined) recordMs(hist.E2E, t.e2eMs);
}

function countGaps(counts: BucketCounts, r: RequestResult): void {
  const gaps = r.timing.itlMs;
  for (let i = 0; i < gaps.length; i++) {
    const g = gaps[i]!;
    if (Number.isFinite(g)) counts.addMs(g);
  }
}

function addQcr(m: QualityCostReward, r: RequestResult): void {
  if (r.quality !== undefined) addMoment(m.quality, r.quality);
  addMoment(m.cost, r.costUsd);
  if (r.reward !== undefined) addMoment(m.reward, r.reward);
}

const policyOf = (r: RequestResult) => r.decision.policy || 'router';

/** One pass over a run's records: `add` each, in file order, then `finish` once. */
export class RunDigester {
  private readonly d: RunDigest;
  /** pool -> its latency series (the digest's histograms, plus the gap counts not yet in them). */
  private readonly series = new Map<string, LatencySeries>();
  /** Every pool together: TTFT, TPOT and E2E recorded as they come, ITL merged from the pools' counts at the end. */
  private readonly overall: Record<LatencyMetric, Histogram>;
  private index = 0;

  constructor(private readonly slo: Slo) {
    this.overall = latencySet();
    this.d = {
      records: 0,
      skipped: 0,
      latency: new Map(),
      overall: this.overall,
      stages: new Map(),
      time: new Buckets<TimeBucket>(
        0.05,
        TIME_BUCKETS,
        () => ({ ok: 0, meeting: 0, errors: new Map(), traffic: new Map() }),
        (a, b) => {
          a.ok += b.ok;
          a.meeting += b.meeting;
          mergeCounts(a.errors, b.errors);
          mergeCounts(a.traffic, b.traffic);
        },
      ),
      windows: new Buckets<RewardWindow>(
        10,
        REWARD_WINDOWS,
        () => ({ reward: new Map(), regret: new Map(), byCategory: new Map() }),
        (a, b) => {
          for (const [k, m] of b.reward) {
            const into = a.reward.get(k);
            if (!into) a.reward.set(k, { ...m });
            else mergeMoments(into, m);
          }
          for (const [k, m] of b.byCategory) {
            const into = a.byCategory.get(k);
            if (!into) a.byCategory.set(k, { ...m });
            else {
              into.n += m.n;
              into.sum += m.sum;
            }
          }
        },
      ),
      byCategoryPool: new Map(),
      byPolicy: new Map(),
      randomised: new Map(),
      energy: new Map(),
      categories: new Map(),
      policies: new Set(),
      pools: new Set(),
      ok: 0,
      meeting: 0,
      failed: 0,
    };
  }

  add(r: RequestResult): void {
    const d = this.d;
    const pool = r.decision.pool;
    const policy = policyOf(r);
    const category = r.labels.category;
    d.pools.add(pool);
    d.policies.add(policy);
    bump(d.categories, category);
    const meets = meetsSlo(r, this.slo);
    const doneMs = r.timing.sentMs + (r.timing.e2eMs ?? 0);
    if (r.status === 'ok') {
      d.ok++;
      let set = this.series.get(pool);
      if (!set) {
        set = { hist: latencySet(), itl: new BucketCounts() };
        this.series.set(pool, set);
        d.latency.set(pool, set.hist);
      }
      recordTimes(set.hist, r);
      recordTimes(this.overall, r);
      countGaps(set.itl, r);
    } else d.failed++;
    if (meets) d.meeting++;

    const b = d.time.at(doneMs / 1000);
    if (r.status === 'ok') b.ok++;
    else bump(b.errors, r.errorClass ?? r.status);
    if (meets) b.meeting++;
    bump(b.traffic, [policy, category, pool].join(SEP));

    let st = d.stages.get(r.stage);
    if (!st) {
      st = {
        stage: r.stage,
        label: r.stageLabel,
        sent: 0,
        ok: 0,
        meeting: 0,
        sessions: 0,
        firstSentMs: Infinity,
        lastStartMs: -Infinity,
        lastDoneMs: -Infinity,
        ttft: newHistogram(),
        tpot: newHistogram(),
      };
      d.stages.set(r.stage, st);
    }
    st.sent++;
    st.firstSentMs = Math.min(st.firstSentMs, r.timing.sentMs);
    if (r.labels.turn === 0) {
      st.sessions++;
      st.lastStartMs = Math.max(st.lastStartMs, r.timing.sentMs);
    }
    st.lastDoneMs = Math.max(st.lastDoneMs, doneMs);
    if (r.status === 'ok') {
      st.ok++;
      if (r.timing.ttftMs !== undefined) recordMs(st.ttft, r.timing.ttftMs);
      if (r.timing.tpotMs !== undefined) recordMs(st.tpot, r.timing.tpotMs);
    }
    if (meets) st.meeting++;

    if (r.reward !== undefined) {
      const w = d.windows.at(this.index);
      let m = w.reward.get(policy);
      if (!m) w.reward.set(policy, (m = emptyMoments()));
      addMoment(m, r.reward);
      const pc = [policy, category].join(SEP);
      const c = w.byCategory.get(pc);
      if (c) {
        c.n++;
        c.sum += r.reward;
      } else w.byCategory.set(pc, { n: 1, sum: r.reward });
    }
    this.index++;

    const cp = [category, pool].join(SEP);
    let m = d.byCategoryPool.get(cp);
    if (!m) d.byCategoryPool.set(cp, (m = qcr()));
    addQcr(m, r);
    let pm = d.byPolicy.get(policy);
    if (!pm) d.byPolicy.set(policy, (pm = qcr()));
    addQcr(pm, r);

    if (r.decision.propensity > 0 && r.decision.propensity < 1 && r.quality !== undefined) {
      const w = 1 / r.decision.propensity;
      const s = d.randomised.get(pool) ?? { w: 0, wq: 0, wc: 0, n: 0 };
      s.w += w;
      s.wq += w * r.quality;
      s.wc += w * r.costUsd;
      s.n++;
      d.randomised.set(pool, s);
    }
    if (r.energyJ !== undefined && r.status === 'ok') {
      const k = [pool, r.labels.archetype].join(SEP);
      const e = d.energy.get(k) ?? { joules: 0, tokens: 0 };
      e.joules += r.energyJ;
      e.tokens += r.tokens.output;
      d.energy.set(k, e);
    }
  }

  /** The digest, once every record was added (`count`: what the reader saw). */
  finish(count: ScanCount): RunDigest {
    const d = this.d;
    for (const s of this.series.values()) s.itl.drainInto(s.hist.ITL, this.overall.ITL);
    d.records = count.records;
    d.skipped = count.skipped;
    addRegret(d);
    return d;
  }
}

export async function digestRun(runDir: string, slo: Slo): Promise<RunDigest> {
  const digester = new RunDigester(slo);
  const count = await forEachRequest(join(runDir, 'requests.jsonl'), (r) => digester.add(r));
  return digester.finish(count);
}

/**
 * Cumulative regret per policy against the best pool per category in hindsight: for each
 * request, the highest mean reward any pool earned on its category in this run minus the
 * reward it got. An estimate (the means are this run's), and the usual one for a logged
 * run without counterfactuals. Needs rewards and at least two pools.
 */
function addRegret(d: RunDigest): void {
  if (d.pools.size < 2) return;
  const best = new Map<string, number>();
  for (const [k, m] of d.byCategoryPool) {
    if (m.reward.n === 0) continue;
    const category = k.split(SEP)[0]!;
    best.set(category, Math.max(best.get(category) ?? -Infinity, m.reward.sum / m.reward.n));
  }
  if (best.size === 0) return;
  const cumulative = new Map<string, number>();
  for (const { value: w } of d.windows.entries()) {
    for (const [pc, c] of w.byCategory) {
      const [policy, category] = pc.split(SEP) as [string, string];
      cumulative.set(policy, (cumulative.get(policy) ?? 0) + c.n * best.get(category)! - c.sum);
    }
    for (const policy of w.reward.keys()) w.regret.set(policy, cumulative.get(policy)!);
  }
  d.regretBasis =
    "vs the best pool per category in hindsight (the highest mean reward a pool earned on that category in this run), summed over the policy's requests";
}

export const splitKey = (k: string): string[] => k.split(SEP);
