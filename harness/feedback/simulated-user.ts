/**
 * simulated_user: turns a quality into the Semantic Router's outcome verdicts, as a user who
 * knows what each pool costs would report them (shared/REFERENCE.md section 4):
 *
 *   failed          the request failed (record.ok false);
 *   underpowered    quality < lowQuality (default 0.5): the pool was not good enough;
 *   overprovisioned quality >= lowQuality, and a strictly cheaper pool was likely enough:
 *                   - full-information labels (labels.scores): a cheaper pool's dataset model
 *                     scored >= lowQuality on this very prompt (exact);
 *                   - otherwise, history: a cheaper pool's mean quality on this category, over
 *                     at least minSamples past requests seen by this evaluator, is >= enoughQuality
 *                     (default 0.8);
 *   good_fit        otherwise.
 *
 * A pool's cost is its relative price (config `pool_costs`, else the pool's pricing
 * inputPer1M + outputPer1M); pools without a cost are never called overprovisioned, and no
 * pool is cheaper than the cheapest. Without a quality the verdict is left out.
 */
import type { Evaluation, Verdict } from '../types.ts';
import { tableQuality, type ScoreTableOptions } from './score-table.ts';
import { failedEvaluation, type EvalInput, type Evaluator, type PoolCostInfo } from './types.ts';

export interface SimulatedUserOptions {
  /** Where the quality comes from (mc_letter, score_table, llm_judge, auto, ...). */
  quality: Evaluator;
  /** Pool name -> relative cost; overrides `pools` pricing. */
  poolCosts?: Record<string, number>;
  pools?: PoolCostInfo[];
  lowQuality?: number;
  enoughQuality?: number;
  minSamples?: number;
  /** To read other pools' scores in full-information labels. */
  scoreTable?: ScoreTableOptions;
}

interface Tally {
  n: number;
  sum: number;
}

export class SimulatedUserEvaluator implements Evaluator {
  readonly name = 'simulated_user';
  private readonly costs = new Map<string, number>();
  private readonly models = new Map<string, string>();
  /** `${category}\u0000${pool}` -> qualities seen. */
  private readonly history = new Map<string, Tally>();
  private readonly low: number;
  private readonly enough: number;
  private readonly minSamples: number;

  constructor(private readonly opts: SimulatedUserOptions) {
    for (const p of opts.pools ?? []) {
      this.models.set(p.name, p.model);
      if (p.pricing) this.costs.set(p.name, p.pricing.inputPer1M + p.pricing.outputPer1M);
    }
    for (const [pool, cost] of Object.entries(opts.poolCosts ?? {})) this.costs.set(pool, cost);
    this.low = opts.lowQuality ?? 0.5;
    this.enough = opts.enoughQuality ?? 0.8;
    this.minSamples = opts.minSamples ?? 5;
  }

  async evaluate(input: EvalInput): Promise<Evaluation> {
    if (!input.record.ok) return failedEvaluation(this.name, input.record);
    const inner = await this.opts.quality.evaluate(input);
    const by = `quality by ${inner.evaluator}${inner.detail ? ` (${inner.detail})` : ''}`;
    if (inner.quality === undefined) return { evaluator: this.name, detail: `${by}; no verdict` };
    const q = inner.quality;
    const { verdict, why } = this.verdict(input, q);
    this.record(input, q);
    return { quality: q, verdict, evaluator: this.name, detail: `${by}; ${why}` };
  }

  private verdict(input: EvalInput, q: number): { verdict: Verdict; why: string } {
    if (q < this.low) return { verdict: 'underpowered', why: `quality ${q} < ${this.low}` };
    const cheaper = this.cheaperPools(input.pool.name);
    if (input.labels.scores !== undefined) {
      for (const name of cheaper) {
        const sq = tableQuality(input.labels, { name, model: this.models.get(name) ?? name }, this.opts.scoreTable);
        if (sq !== undefined && sq >= this.low)
          return { verdict: 'overprovisioned', why: `cheaper pool ${name} scores ${sq} here` };
      }
      return { verdict: 'good_fit', why: 'no cheaper pool scores well here' };
    }
    for (const name of cheaper) {
      const t = this.history.get(`${input.labels.category}\u0000${name}`);
      if (t !== undefined && t.n >= this.minSamples && t.sum / t.n >= this.enough) {
        return {
          verdict: 'overprovisioned',
          why: `cheaper pool ${name} averages ${(t.sum / t.n).toFixed(3)} on ${input.labels.category}`,
        };
      }
    }
    return { verdict: 'good_fit', why: 'no cheaper pool known to be enough' };
  }

  /** Pools strictly cheaper than `pool`, cheapest first; none when `pool` has no cost. */
  private cheaperPools(pool: string): string[] {
    const own = this.costs.get(pool);
    if (own === undefined) return [];
    return [...this.costs.entries()]
      .filter(([, c]) => c < own)
      .sort((a, b) => a[1] - b[1])
      .map(([n]) => n);
  }

  private record(input: EvalInput, q: number): void {
    const key = `${input.labels.category}\u0000${input.pool.name}`;
    const t = this.history.get(key) ?? { n: 0, sum: 0 };
    t.n++;
    t.sum += q;
    this.history.set(key, t);
    if (!this.models.has(input.pool.name)) this.models.set(input.pool.name, input.pool.model);
  }

  close(): Promise<void> {
    return this.opts.quality.close?.() ?? Promise.resolve();
  }
}
