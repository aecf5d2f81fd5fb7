/**
 * Per-request energy from pool energy, method `token-share-per-interval`.
 *
 * A pool's energy is only known between successive energy samples (GPU counters cannot see
 * requests). For each interval [t0, t1) with energy dE = E(t1) - E(t0):
 *   - each request's work in the interval is the tokens it processed there, assuming its
 *     uncached prompt tokens are spread uniformly over [send, first token] and its output
 *     tokens uniformly over [first token, end] (a zero-length phase is a point at its start);
 *   - dE is split over the pool's requests in proportion to that work;
 *   - when requests are active but processed no tokens (all queued, or a fully cached
 *     prompt), dE is split by each one's active time in the interval instead;
 *   - when no request is active, dE is idle energy: reported, not attributed.
 * An interval's energy all goes to the requests active in it, the idle part of a partly busy
 * interval included: finer sampling gives finer attribution. A negative dE (a counter reset,
 * e.g. an exporter restart) is left out and counted in `resets`. Work outside the sampled
 * time range gets no energy. By construction attributed + idle == total per pool.
 */

export const ATTRIBUTION_METHOD = 'token-share-per-interval';

export interface EnergyPoint {
  pool: string;
  /** Epoch ms. */
  tMs: number;
  /** Cumulative energy counter, J (any origin). */
  energyJ: number;
}

export interface RequestWork {
  id: string;
  pool: string;
  /** Epoch ms when the request was sent. */
  startMs: number;
  /** Send -> first token; absent (no token) means the whole request was prefill. */
  ttftMs?: number;
  /** Send -> end. */
  e2eMs: number;
  promptTokens: number;
  cachedTokens?: number;
  outputTokens: number;
}

export interface EnergyTotals {
  totalJ: number;
  attributedJ: number;
  idleJ: number;
  /** Intervals dropped because the counter went down. */
  resets: number;
}

export interface AttributionResult {
  method: typeof ATTRIBUTION_METHOD;
  /** J per request id; only requests of pools with energy samples. */
  perRequest: Map<string, number>;
  perPool: Map<string, EnergyTotals>;
  totals: EnergyTotals;
}

/** One pool's energy intervals: [t[k], t[k+1]) with dE[k], and the weight sums of the requests active in each. */
interface PoolIntervals {
  t: Float64Array;
  dE: Float64Array;
  /** Sum over active requests of tokens processed in the interval. */
  tokenSum: Float64Array;
  /** Sum over active requests of time active in the interval (used when tokenSum is 0). */
  timeSum: Float64Array;
}

/** Share of [a, b] inside [t0, t1); a point (a == b) counts wholly when t0 <= a < t1 (or a == t1 on the last interval). */
function fraction(a: number, b: number, t0: number, t1: number, last: boolean): number {
  if (b > a) return Math.max(0, Math.min(b, t1) - Math.max(a, t0)) / (b - a);
  return a >= t0 && (a < t1 || (last && a === t1)) ? 1 : 0;
}

/** A request's work as two phases: uncached prompt tokens over [start, first], output tokens over [first, end]. */
interface Phases {
  start: number;
  first: number;
  end: number;
  prefillTokens: number;
  decodeTokens: number;
}

function phasesOf(r: RequestWork): Phases {
  const end = r.startMs + Math.max(0, r.e2eMs);
  const first = Math.min(end, r.startMs + Math.max(0, r.ttftMs ?? r.e2eMs));
  return {
    start: r.startMs,
    first,
    end,
    prefillTokens: Math.max(0, r.promptTokens - (r.cachedTokens ?? 0)),
    decodeTokens: r.ttftMs === undefined ? 0 : Math.max(0, r.outputTokens),
  };
}

function tokenWeight(w: Phases, t0: number, t1: number, last: boolean): number {
  return (
    w.prefillTokens * fraction(w.start, w.first, t0, t1, last) + w.decodeTokens * fraction(w.first, w.end, t0, t1, last)
  );
}

function timeWeight(w: Phases, t0: number, t1: number, last: boolean): number {
  // A point-like request counts as present.
  return w.end > w.start
    ? Math.max(0, Math.min(w.end, t1) - Math.max(w.start, t0))
    : fraction(w.start, w.start, t0, t1, last);
}

/**
 * The method above in two streaming passes, so a run's requests never need to be in memory
 * together: `add` every request (the weight sums of the intervals it is active in), then
 * `energyOf` each one again. Memory is one entry per energy interval, whatever the number of
 * requests. A request is active in interval k when start <= t[k+1] and end >= t[k].
 */
export class EnergyAttributor {
  private readonly pools = new Map<string, PoolIntervals>();

  constructor(points: EnergyPoint[]) {
    const byPool = new Map<string, EnergyPoint[]>();
    for (const p of points) {
      if (!Number.isFinite(p.energyJ) || !Number.isFinite(p.tMs)) continue;
      const list = byPool.get(p.pool);
      if (list) list.push(p);
      else byPool.set(p.pool, [p]);
    }
    for (const [pool, list] of byPool) {
      // Equal timestamps: keep the last reading, so its delta joins the neighbouring interval.
      const pts = list
        .sort((x, y) => x.tMs - y.tMs)
        .filter((p, i, all) => i + 1 === all.length || all[i + 1]!.tMs !== p.tMs);
      const n = Math.max(0, pts.length - 1);
      const iv: PoolIntervals = {
        t: Float64Array.from(pts, (p) => p.tMs),
        dE: new Float64Array(n),
        tokenSum: new Float64Array(n),
        timeSum: new Float64Array(n),
      };
      for (let k = 0; k < n; k++) iv.dE[k] = pts[k + 1]!.energyJ - pts[k]!.energyJ;
      this.pools.set(pool, iv);
    }
  }

  /** Whether a pool has energy samples (its requests get an attribution, possibly 0). */
  covers(pool: string): boolean {
    return this.pools.has(pool);
  }

  /** Pass 1: a request's weights join the sums of the intervals it is active in. */
  add(r: RequestWork): void {
    const iv = this.pools.get(r.pool);
    if (iv === undefined) return;
    const w = phasesOf(r);
    this.forActive(iv, w, (k, t0, t1, last) => {
      iv.tokenSum[k]! += tokenWeight(w, t0, t1, last);
      iv.timeSum[k]! += timeWeight(w, t0, t1, last);
    });
  }

  /** Pass 2 (after every add): the request's J, or undefined when its pool has no energy samples. */
  energyOf(r: RequestWork): number | undefined {
    const iv = this.pools.get(r.pool);
    if (iv === undefined) return undefined;
    const w = phasesOf(r);
    let j = 0;
    this.forActive(iv, w, (k, t0, t1, last) => {
      const dE = iv.dE[k]!;
      if (dE < 0) return;
      if (iv.tokenSum[k]! > 0) {
        const x = tokenWeight(w, t0, t1, last);
        if (x > 0) j += (dE * x) / iv.tokenSum[k]!;
      } else if (iv.timeSum[k]! > 0) {
        const x = timeWeight(w, t0, t1, last);
        if (x > 0) j += (dE * x) / iv.timeSum[k]!;
      }
    });
    return j;
  }

  /** Energy totals per pool (after every add). */
  perPool(): Map<string, EnergyTotals> {
    const out = new Map<string, EnergyTotals>();
    for (const [pool, iv] of this.pools) {
      const t: EnergyTotals = { totalJ: 0, attributedJ: 0, idleJ: 0, resets: 0 };
      for (let k = 0; k < iv.dE.length; k++) {
        const dE = iv.dE[k]!;
        if (dE < 0) {
          t.resets++;
          continue;
        }
        t.totalJ += dE;
        if (iv.tokenSum[k]! > 0 || iv.timeSum[k]! > 0) t.attributedJ += dE;
        else t.idleJ += dE;
      }
      out.set(pool, t);
    }
    return out;
  }

  totals(): EnergyTotals {
    const totals: EnergyTotals = { totalJ: 0, attributedJ: 0, idleJ: 0, resets: 0 };
    for (const t of this.perPool().values()) {
      totals.totalJ += t.totalJ;
      totals.attributedJ += t.attributedJ;
      totals.idleJ += t.idleJ;
      totals.resets += t.resets;
    }
    return totals;
  }

  private forActive(
    iv: PoolIntervals,
    w: Phases,
    each: (k: number, t0: number, t1: number, last: boolean) => void,
  ): void {
    const n = iv.dE.length;
    // First interval whose end is at or after the request's start.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (iv.t[mid + 1]! < w.start) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < n && iv.t[k]! <= w.end; k++) each(k, iv.t[k]!, iv.t[k + 1]!, k === n - 1);
  }
}

/** Splits each pool's measured energy over its requests; see the file comment for the method. */
export function attributeEnergy(points: EnergyPoint[], requests: RequestWork[]): AttributionResult {
  const a = new EnergyAttributor(points);
  for (const r of requests) a.add(r);
  const perRequest = new Map<string, number>();
  for (const r of requests) {
    const j = a.energyOf(r);
    if (j !== undefined) perRequest.set(r.id, (perRequest.get(r.id) ?? 0) + j);
  }
  return { method: ATTRIBUTION_METHOD, perRequest, perPool: a.perPool(), totals: a.totals() };
}

/** Energy points from telemetry samples: successful energy samples with a counter value. */
export function energyPoints(
  samples: Iterable<{ kind: string; pool: string; t_ms: number; energy_j?: number; error?: string }>,
): EnergyPoint[] {
  const out: EnergyPoint[] = [];
  for (const s of samples) {
    if (s.kind === 'energy' && s.error === undefined && s.energy_j !== undefined)
      out.push({ pool: s.pool, tMs: s.t_ms, energyJ: s.energy_j });
  }
  return out;
}
