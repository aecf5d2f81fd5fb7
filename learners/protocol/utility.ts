/**
 * The regret utility (PROTOCOL.md "Regret"): the expected value, before the call, of the part
 * of the scenario's reward that a request's own features decide,
 *   mu_t(a) = (w_q * P(good | a, request) + w_c * (1 - min(1, cost_t(a) / cost_scale))) / (w_q + w_c),
 * with P(good) the simulator's quality table for pool a's model and the request's category,
 * and cost_t(a) the request's cost at pool a's price list at decision t (prompt tokens that a
 * pool holds in its prefix cache at its cached-input price: the previous turn's prompt when a
 * served the previous turn, else none). A pool that is down has mu = 0 (its request fails and
 * a failed request's reward is 0); a pool that is not a candidate has no mu.
 * The SLO and energy terms are left out: a pool's latency for a request it did not serve
 * depends on the load that very choice would have changed, so it has no counterfactual value.
 */
import type { RewardConfig } from '../../harness/feedback/reward.ts';
import { requestCost, type PoolCondition } from './conditions.ts';

export function expectedUtility(reward: RewardConfig, pGood: number, costUsd: number): number {
  const w = reward.quality + reward.cost;
  if (w === 0) return 0;
  return (reward.quality * pGood + reward.cost * (1 - Math.min(1, costUsd / reward.cost_scale))) / w;
}

export interface UtilityInput {
  reward: RewardConfig;
  /** Per pool, in scenario order. */
  conditions: PoolCondition[];
  pGood: number[];
  promptTokens: number;
  outputTokens: number;
  /** Index of the pool that served the previous turn, and that turn's prompt tokens. */
  previous?: { pool: number; promptTokens: number };
}

/** mu_t per pool (NaN for a pool that is not a candidate now). */
export function utilities(u: UtilityInput): number[] {
  return u.conditions.map((c, a) => {
    if (!c.eligible) return NaN;
    if (c.down) return 0;
    const cached = u.previous?.pool === a ? u.previous.promptTokens : 0;
    return expectedUtility(u.reward, u.pGood[a]!, requestCost(c.pricing, u.promptTokens, cached, u.outputTokens));
  });
}

/** The best candidate's utility (ties: the first). */
export function bestOf(mu: readonly number[]): { index: number; value: number } {
  let index = -1;
  let value = -Infinity;
  mu.forEach((v, i) => {
    if (!Number.isNaN(v) && v > value) {
      value = v;
      index = i;
    }
  });
  return { index, value };
}
