/**
 * Pool-state features for the RL policies: per action pool, what PoolObservation reports
 * (queue depth, KV-cache usage, recent TTFT), squashed to roughly [0, 1] so they sit on the
 * scale of one-hot prompt features. A missing observation reads as an idle pool.
 */
import type { RoutingContext } from '../../harness/types.ts';

/** Values per pool: log queue depth, KV usage, log TTFT. */
export const POOL_STATE_PER_POOL = 3;

export function poolStateFeatures(ctx: RoutingContext, pools: string[]): Float64Array {
  const out = new Float64Array(pools.length * POOL_STATE_PER_POOL);
  pools.forEach((name, i) => {
    const obs = ctx.pools.find((p) => p.name === name);
    if (!obs) return;
    const queue = (obs.running ?? 0) + (obs.waiting ?? 0);
    out[i * POOL_STATE_PER_POOL] = Math.log1p(queue) / Math.log1p(256); // 256 queued -> 1
    out[i * POOL_STATE_PER_POOL + 1] = obs.kvCacheUsage ?? 0;
    out[i * POOL_STATE_PER_POOL + 2] = Math.log1p(obs.recentTtftMs ?? 0) / Math.log1p(10_000); // 10 s -> 1
  });
  return out;
}
