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

interface Phase {
  a: number;
  b: number;
  tokens: number;
}

interface Work {
  id: string;
  start: number;
  end: number;
  phases: Phase[];
}

function toWork(r: RequestWork): Work {
  const end = r.startMs + Math.max(0, r.e2eMs);
  const first = Math.min(end, r.startMs + Math.max(0, r.ttftMs ?? r.e2eMs));
  const uncached = Math.max(0, r.promptTokens - (r.cachedTokens ?? 0));
  return {
    id: r.id,
    start: r.startMs,
    end,
    phases: [
      { a: r.startMs, b: first, tokens: uncached },
      { a: first, b: end, tokens: r.ttftMs === undefined ? 0 : Math.max(0, r.outputTokens) },
    ],
  };
}

/** Share of [a, b] inside [t0, t1); a point (a == b) counts wholly when t0 <= a < t1 (or a == t1 on the last interval). */
function fraction(a: number, b: number, t0: number, t1: number, last: boolean): number {
  if (b > a) return Math.max(0, Math.min(b, t1) - Math.max(a, t0)) / (b - a);
  return a >= t0 && (a < t1 || (last && a === t1)) ? 1 : 0;
}

function attributePool(points: EnergyPoint[], requests: RequestWork[], out: Map<string, number>): EnergyTotals {
  const totals: EnergyTotals = { totalJ: 0, attributedJ: 0, idleJ: 0, resets: 0 };
  // Equal timestamps: keep the last reading, so its delta joins the neighbouring interval.
  const pts = [...points]
    .sort((x, y) => x.tMs - y.tMs)
    .filter((p, i, all) => i + 1 === all.length || all[i + 1]!.tMs !== p.tMs);
  const work = requests.map(toWork).sort((x, y) => x.start - y.start);
  for (const w of work) out.set(w.id, 0);
  let next = 0;
  let active: Work[] = [];
  for (let k = 1; k < pts.length; k++) {
    const t0 = pts[k - 1]!.tMs;
    const t1 = pts[k]!.tMs;
    const last = k === pts.length - 1;
    const dE = pts[k]!.energyJ - pts[k - 1]!.energyJ;
    while (next < work.length && work[next]!.start <= t1) active.push(work[next++]!);
    active = active.filter((w) => w.end >= t0);
    if (dE < 0) {
      totals.resets++;
      continue;
    }
    totals.totalJ += dE;
    const weights = active.map((w) => w.phases.reduce((s, p) => s + p.tokens * fraction(p.a, p.b, t0, t1, last), 0));
    let sum = weights.reduce((s, x) => s + x, 0);
    if (sum === 0) {
      // No tokens in the interval: fall back to active time (a point-like request counts as present).
      active.forEach(
        (w, i) =>
          (weights[i] =
            w.end > w.start
              ? Math.max(0, Math.min(w.end, t1) - Math.max(w.start, t0))
              : fraction(w.start, w.start, t0, t1, last)),
      );
      sum = weights.reduce((s, x) => s + x, 0);
    }
    if (sum === 0) {
      totals.idleJ += dE;
      continue;
    }
    active.forEach((w, i) => {
      if (weights[i]! > 0) out.set(w.id, out.get(w.id)! + (dE * weights[i]!) / sum);
    });
    totals.attributedJ += dE;
  }
  return totals;
}

/** Splits each pool's measured energy over its requests; see the file comment for the method. */
export function attributeEnergy(points: EnergyPoint[], requests: RequestWork[]): AttributionResult {
  const byPool = new Map<string, EnergyPoint[]>();
  for (const p of points) {
    if (!Number.isFinite(p.energyJ) || !Number.isFinite(p.tMs)) continue;
    const list = byPool.get(p.pool);
    if (list) list.push(p);
    else byPool.set(p.pool, [p]);
  }
  const perRequest = new Map<string, number>();
  const perPool = new Map<string, EnergyTotals>();
  const totals: EnergyTotals = { totalJ: 0, attributedJ: 0, idleJ: 0, resets: 0 };
  for (const [pool, pts] of byPool) {
    const t = attributePool(
      pts,
      requests.filter((r) => r.pool === pool),
      perRequest,
    );
    perPool.set(pool, t);
    totals.totalJ += t.totalJ;
    totals.attributedJ += t.attributedJ;
    totals.idleJ += t.idleJ;
    totals.resets += t.resets;
  }
  return { method: ATTRIBUTION_METHOD, perRequest, perPool, totals };
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
