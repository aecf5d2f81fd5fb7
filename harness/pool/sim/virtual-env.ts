/**
 * The virtual-time environment: a workload routed by a policy to simulated pools on one
 * VirtualClock, as fast as the CPU allows (training and benchmarks on millions of
 * requests). Quality is the simulator's own verdict (the quality table and the seeded
 * draw the HTTP server uses); no text is generated. Single-turn: each session's first turn.
 */
import { countTokens, applyChatTemplate } from '../../../core/text/tokenizer.ts';
import { VirtualClock } from './clock.ts';
import { goodAnswer, promptKeyOf, type QualityModel } from './quality.ts';
import { SimPool, type SimPoolSpec } from './sim-pool.ts';
import type { ChatMessage, Policy, PoolObservation, RoutingContext, SessionPlan } from '../../types.ts';

export interface VirtualPool {
  name: string;
  spec: SimPoolSpec;
  /** USD per 1M tokens. */
  pricing: { inputPer1M: number; outputPer1M: number };
}

export interface VirtualOutcome {
  index: number;
  ctx: RoutingContext;
  action: string;
  propensity: number;
  quality: number;
  /** P(good) of every pool for this context: the expected quality of each action. */
  expectedQuality: Record<string, number>;
  costUsd: number;
  /** What each action would have cost for this request (expected output length). */
  expectedCost: Record<string, number>;
  ttftS: number;
  e2eS: number;
  reward: number;
}

export interface VirtualRunOptions {
  pools: VirtualPool[];
  /** Sessions: the first turn of each is one request. */
  next(index: number, nowS: number): SessionPlan;
  /** Seconds between arrivals (open loop), e.g. a Poisson gap; index = request index. */
  gapS(index: number): number;
  requests: number;
  policy: Policy;
  quality: QualityModel;
  seed: number;
  /** Reward from the outcome (quality, cost, latency); must be in [0, 1]. */
  reward(o: { quality: number; costUsd: number; ttftS: number; e2eS: number }): number;
  onOutcome?(o: VirtualOutcome): void;
  /** Requests in flight after which new arrivals wait (bounds memory on overload); default 100k. */
  maxInFlight?: number;
}

export interface VirtualRunResult {
  requests: number;
  virtualSeconds: number;
  meanReward: number;
  meanQuality: number;
  meanCostUsd: number;
}

export function runVirtual(o: VirtualRunOptions): VirtualRunResult {
  const clock = new VirtualClock();
  const pools = o.pools.map((p) => ({ ...p, sim: new SimPool(p.spec, clock) }));
  const byName = new Map(pools.map((p) => [p.name, p]));
  let done = 0;
  let sumReward = 0;
  let sumQuality = 0;
  let sumCost = 0;
  let issued = 0;

  const observe = (): PoolObservation[] =>
    pools.map((p) => ({
      name: p.name,
      model: p.sim.model.name,
      running: p.sim.numRunning,
      waiting: p.sim.numWaiting,
      kvCacheUsage: p.sim.kvCacheUsage,
      pricing: p.pricing,
    }));

  const issue = (): void => {
    const index = issued++;
    const session = o.next(index, clock.now());
    const turn = session.turns[0]!;
    const messages: ChatMessage[] = [
      ...(session.system ? [{ role: 'system' as const, content: session.system }] : []),
      { role: 'user', content: turn.user },
    ];
    const promptTokens = countTokens(applyChatTemplate(messages));
    const ctx: RoutingContext = {
      labels: turn.labels,
      text: turn.user,
      messages,
      promptTokensEstimate: promptTokens,
      pools: observe(),
    };
    const decision = o.policy.choose(ctx);
    const pool = byName.get(decision.action);
    if (!pool)
      throw new Error(
        `policy ${o.policy.name} chose "${decision.action}", not one of ${[...byName.keys()].join(', ')}`,
      );
    const outputTokens = Math.max(1, Math.min(turn.labels.expectedOutputTokens ?? 150, turn.maxTokens));
    const promptKey = turn.labels.promptId ?? promptKeyOf(turn.user);
    const pGood = (p: (typeof pools)[number]) =>
      o.quality.probabilityGood(p.sim.model.name, turn.labels.category, promptKey);
    const cost = (p: VirtualPool) => (promptTokens * p.pricing.inputPer1M + outputTokens * p.pricing.outputPer1M) / 1e6;
    const arrival = clock.now();
    pool.sim.submit({
      id: String(index),
      promptTokens,
      blockHashes: [],
      outputTokens,
      listener: {
        onFinish: (r) => {
          const quality = goodAnswer(o.seed, pool.sim.model.name, promptKey, pGood(pool)) ? 1 : 0;
          const costUsd = cost(pool);
          const ttftS = r.firstTokenTime - arrival;
          const e2eS = r.finishTime - arrival;
          const reward = o.reward({ quality, costUsd, ttftS, e2eS });
          o.policy.update(ctx, decision.action, reward);
          done++;
          sumReward += reward;
          sumQuality += quality;
          sumCost += costUsd;
          o.onOutcome?.({
            index,
            ctx,
            action: decision.action,
            propensity: decision.propensity,
            quality,
            expectedQuality: Object.fromEntries(pools.map((p) => [p.name, pGood(p)])),
            costUsd,
            expectedCost: Object.fromEntries(pools.map((p) => [p.name, cost(p)])),
            ttftS,
            e2eS,
            reward,
          });
        },
      },
    });
  };

  const maxInFlight = o.maxInFlight ?? 100_000;
  const arrive = (): void => {
    if (issued - done < maxInFlight) issue();
    if (issued < o.requests) clock.at(clock.now() + o.gapS(issued), arrive);
  };
  clock.at(0, arrive);
  clock.run();
  // Arrivals skipped by maxInFlight are never issued: report what ran.
  return {
    requests: done,
    virtualSeconds: clock.now(),
    meanReward: sumReward / Math.max(1, done),
    meanQuality: sumQuality / Math.max(1, done),
    meanCostUsd: sumCost / Math.max(1, done),
  };
}
