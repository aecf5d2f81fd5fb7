/**
 * Training in the virtual-time simulator: the experiment's simulated pools and workload,
 * open-loop arrivals at the experiment's rate, each request's reward from the experiment's
 * reward weights (quality from the simulator's verdict, cost, SLOs). Millions of requests
 * run in seconds to minutes, with no HTTP.
 */
import { computeReward } from '../../harness/feedback/reward.ts';
import { builtinQualityTable } from '../../harness/pool/sim/quality.ts';
import {
  runVirtual,
  type VirtualOutcome,
  type VirtualPool,
  type VirtualRunResult,
} from '../../harness/pool/sim/virtual-env.ts';
import type { ExperimentConfig } from '../../harness/runner/config.ts';
import { simPoolSpecOf } from '../../harness/runner/pools.ts';
import { createWorkload } from '../../harness/workload/mix.ts';
import type { Learner } from '../types.ts';
import { mulberry32 } from '../../core/rng.ts';
import { WrpError } from '../../core/errors.ts';

/** The experiment's pools as virtual pools; live endpoints cannot run in virtual time. */
export function virtualPools(config: ExperimentConfig): VirtualPool[] {
  return config.pools.map((p, i) => {
    if (!p.sim)
      throw new WrpError(
        'WRP_CONFIG',
        `pools[${i}] (${p.name}): a live endpoint cannot run in the virtual-time simulator; use sim pools`,
      );
    return {
      name: p.name,
      pricing: { inputPer1M: p.pricing.input_per_1m, outputPer1M: p.pricing.output_per_1m },
      spec: simPoolSpecOf(p.sim),
    };
  });
}

/** Mean arrival rate of the experiment's open-loop process (its first stage for a sweep). */
function rateOf(config: ExperimentConfig): number {
  const a = config.workload.arrival;
  if ('rate' in a && typeof a.rate === 'number') return a.rate;
  if (a.type === 'sweep') {
    const stage = a.stages.find((s) => s.rate !== undefined && s.rate > 0);
    if (stage?.rate) return stage.rate;
  }
  throw new WrpError(
    'WRP_CONFIG',
    `workload.arrival: virtual-time training needs an open-loop rate (constant, poisson, gamma or a sweep with rates), got ${a.type}`,
  );
}

export function trainInSimulator(
  learner: Learner,
  config: ExperimentConfig,
  requests: number,
  onOutcome?: (o: VirtualOutcome) => void,
): VirtualRunResult {
  const workload = createWorkload(config.workload, config.seed);
  const rand = mulberry32(config.seed ^ 0x9e3779b9);
  const rate = rateOf(config);
  const slo = config.slo;
  return runVirtual({
    pools: virtualPools(config),
    next: (index, nowS) => workload.next(nowS, index),
    gapS: () => -Math.log(1 - rand()) / rate,
    requests,
    policy: learner,
    quality: builtinQualityTable(),
    seed: config.seed,
    reward: ({ quality, costUsd, ttftS, e2eS }) =>
      computeReward(config.feedback.reward, {
        quality,
        costUsd,
        sloViolated:
          (slo.ttft_ms !== undefined && ttftS * 1000 > slo.ttft_ms) ||
          (slo.e2e_ms !== undefined && e2eS * 1000 > slo.e2e_ms),
      }) ?? 0,
    onOutcome,
  });
}
