/**
 * One run's figures (PROTOCOL.md "Metrics"), accumulated as decisions and outcomes arrive;
 * memory is constant in the run's length except for two-pool scenarios, which keep one row
 * per request for the cost-APGR curve.
 * - reward, quality, cost: means per request of the true outcome (never the feedback the
 *   learner was told); a failed request has quality 0, cost 0 and reward 0;
 * - regret: sum over decisions of max_a mu_t(a) - mu_t(served) (utility.ts);
 * - optimal share: decisions whose served pool has the best mu_t;
 * - SLO violation share, mean TTFT of served requests, switch share (turns > 0 served by
 *   another pool than the previous turn), masked decisions (the learner picked a pool that was
 *   not a candidate; the request went to its best-scored candidate);
 * - two pools: APGR and cost-APGR of thresholding the learner's score gap at each decision
 *   (learners/eval/two-model.ts), qualities = P(good), costs = each pool's price for the request.
 */
import { costPgrCurve, pgrCurve } from '../eval/two-model.ts';
import { bestOf } from './utility.ts';

export interface RunFigures {
  requests: number;
  reward: number;
  quality: number;
  costUsd: number;
  regret: number;
  optimalShare: number;
  sloViolationShare: number;
  failedShare: number;
  meanTtftS: number;
  switchShare?: number;
  masked: number;
  apgr?: number;
  costApgr?: number;
}

export interface Outcome {
  reward: number;
  quality: number;
  costUsd: number;
  sloViolated: boolean;
  failed: boolean;
  ttftS?: number;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export class RunMetrics {
  private decisions = 0;
  private completed = 0;
  private sums = { reward: 0, quality: 0, cost: 0, regret: 0, optimal: 0, slo: 0, failed: 0, ttft: 0, ttftN: 0 };
  private laterTurns = 0;
  private switches = 0;
  masked = 0;
  private readonly two?: { p: [number[], number[]]; c: [number[], number[]]; gap: number[]; scored: boolean };

  constructor(pools: number) {
    if (pools === 2) this.two = { p: [[], []], c: [[], []], gap: [], scored: true };
  }

  /** At decision time: the utilities, the pool served and, on later turns, whether it switched. */
  decision(mu: readonly number[], served: number, switched: boolean | undefined): void {
    this.decisions++;
    const best = bestOf(mu);
    this.sums.regret += best.value - mu[served]!;
    if (mu[served] === best.value) this.sums.optimal++;
    if (switched !== undefined) {
      this.laterTurns++;
      if (switched) this.switches++;
    }
  }

  /** Two-pool scenarios: each pool's P(good) and price for this request, and the learner's score gap (pool 1 - pool 0). */
  pair(pGood: readonly number[], cost: readonly number[], gap: number | undefined): void {
    const t = this.two;
    if (!t) return;
    for (const k of [0, 1] as const) {
      t.p[k].push(pGood[k]!);
      t.c[k].push(cost[k]!);
    }
    if (gap === undefined || !Number.isFinite(gap)) t.scored = false;
    else t.gap.push(gap);
  }

  outcome(o: Outcome): void {
    this.completed++;
    this.sums.reward += o.reward;
    this.sums.quality += o.quality;
    this.sums.cost += o.costUsd;
    if (o.sloViolated) this.sums.slo++;
    if (o.failed) this.sums.failed++;
    if (o.ttftS !== undefined) {
      this.sums.ttft += o.ttftS;
      this.sums.ttftN++;
    }
  }

  figures(): RunFigures {
    const n = Math.max(1, this.completed);
    const out: RunFigures = {
      requests: this.completed,
      reward: this.sums.reward / n,
      quality: this.sums.quality / n,
      costUsd: this.sums.cost / n,
      regret: this.sums.regret,
      optimalShare: this.sums.optimal / Math.max(1, this.decisions),
      sloViolationShare: this.sums.slo / n,
      failedShare: this.sums.failed / n,
      meanTtftS: this.sums.ttftN ? this.sums.ttft / this.sums.ttftN : NaN,
      masked: this.masked,
    };
    if (this.laterTurns > 0) out.switchShare = this.switches / this.laterTurns;
    Object.assign(out, this.pairFigures());
    return out;
  }

  private pairFigures(): Pick<RunFigures, 'apgr' | 'costApgr'> {
    const t = this.two;
    if (!t || !t.scored || t.gap.length === 0) return {};
    const [m0, m1] = [mean(t.p[0]), mean(t.p[1])];
    if (m0 === m1) return {};
    const [s, w] = m1 > m0 ? [1, 0] : [0, 1];
    const score = s === 1 ? t.gap : t.gap.map((g) => -g);
    const out: Pick<RunFigures, 'apgr' | 'costApgr'> = { apgr: pgrCurve(t.p[s]!, t.p[w]!, score).apgr };
    const base = { weakOnly: mean(t.c[w]!), strongOnly: mean(t.c[s]!) };
    if (base.strongOnly > base.weakOnly)
      out.costApgr = costPgrCurve(t.p[s]!, t.p[w]!, score, t.c[w]!, t.c[s]!, base).costApgr;
    return out;
  }
}
