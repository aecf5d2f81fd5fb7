/**
 * What a scenario's events make of its pools at decision index t: which pools are candidates
 * (an `add_pool` pool joins at its index), which are down (`outage`: requests fail at once,
 * though the router still lists the pool) and each pool's price list (`price`). `load`
 * events are background traffic, scheduled by the environment (environment.ts).
 */
import type { Scenario, ScenarioPool } from './scenario.ts';

export type Pricing = ScenarioPool['pricing'];

export interface PoolCondition {
  eligible: boolean;
  down: boolean;
  pricing: Pricing;
}

export class PoolConditions {
  private readonly added = new Map<string, number>();
  private readonly outages: { pool: string; from: number; to: number }[] = [];
  private readonly prices: { pool: string; at: number; pricing: Pricing }[] = [];
  private readonly base: Map<string, Pricing>;

  constructor(scenario: Scenario) {
    this.base = new Map(scenario.pools.map((p) => [p.name, p.pricing]));
    for (const e of scenario.events) {
      if (e.kind === 'add_pool') this.added.set(e.pool, e.at_request);
      else if (e.kind === 'outage') this.outages.push({ pool: e.pool, from: e.from_request, to: e.to_request });
      else if (e.kind === 'price') this.prices.push({ pool: e.pool, at: e.at_request, pricing: e.pricing });
    }
    this.prices.sort((a, b) => a.at - b.at);
  }

  at(pool: string, t: number): PoolCondition {
    let pricing = this.base.get(pool)!;
    for (const p of this.prices) if (p.pool === pool && p.at <= t) pricing = p.pricing;
    return {
      eligible: t >= (this.added.get(pool) ?? 0),
      down: this.outages.some((o) => o.pool === pool && t >= o.from && t < o.to),
      pricing,
    };
  }
}

/** USD of a request: uncached prompt, cached prompt (its own price when listed) and output tokens. */
export function requestCost(
  pricing: Pricing,
  promptTokens: number,
  cachedTokens: number,
  outputTokens: number,
): number {
  const cached = Math.min(cachedTokens, promptTokens);
  return (
    ((promptTokens - cached) * pricing.input_per_1m +
      cached * (pricing.cached_input_per_1m ?? pricing.input_per_1m) +
      outputTokens * pricing.output_per_1m) /
    1e6
  );
}
