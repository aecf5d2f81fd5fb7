/**
 * One run of a scenario in virtual time: the World's sessions routed by one policy to the
 * scenario's simulated pools (SimPool on a VirtualClock: continuous batching, queueing, the
 * prefix cache), no HTTP. A pure function of (scenario, world, policy): nothing else is read.
 *
 * Per decision t (in the order requests are sent): delayed verdicts due by t reach the policy;
 * the context lists the candidate pools with their load (running, waiting, KV usage, median
 * TTFT of the last 20 requests) and price; the policy chooses; a pick that is not a candidate
 * goes to the policy's best-scored candidate (`masked`); a pool that is down fails the request
 * at once (the session ends); otherwise the request joins the pool's engine and, when it
 * finishes, its verdict is drawn (the simulator's seeded draw from the quality table), its
 * cost, latency and reward computed, and the verdict sent down the feedback channel. The next
 * turn of a session is sent after the answer plus its think time.
 */
import { computeReward } from '../../harness/feedback/reward.ts';
import { VirtualClock } from '../../harness/pool/sim/clock.ts';
import { builtinQualityTable, goodAnswer, promptKeyOf } from '../../harness/pool/sim/quality.ts';
import { SimPool } from '../../harness/pool/sim/sim-pool.ts';
import { simPoolSpecOf } from '../../harness/runner/pools.ts';
import { RecentTtft } from '../../harness/runner/recent-ttft.ts';
import type { Decision, Policy, PoolObservation, RoutingContext } from '../../harness/types.ts';
import { Rng, deriveSeed } from '../../core/rng.ts';
import { PoolConditions, requestCost } from './conditions.ts';
import { FeedbackChannel } from './feedback.ts';
import { RunMetrics, type RunFigures } from './metrics.ts';
import type { Scenario } from './scenario.ts';
import { utilities } from './utility.ts';
import type { PlannedSession, World } from './world.ts';

/** A policy as the protocol runs it: a harness Policy, optionally with per-action scores (learners have them). */
export type ProtocolPolicy = Policy & { scores?(ctx: RoutingContext): number[] };

/** What a policy may ask the environment: the utilities of the decision being made (the oracle only). */
export interface EnvView {
  utilities(ctx: RoutingContext): number[];
}

export interface LoggedDecision {
  ctx: RoutingContext;
  pool: string;
  reward: number;
  propensity: number;
}

export interface EpisodeOptions {
  /** Stop sending new sessions after this many decisions (default: the World's). */
  decisions?: number;
  /** Every completed request with its true reward and the decision's propensity (warm-start logs). */
  onLogged?(d: LoggedDecision): void;
}

export interface EpisodeResult {
  figures: RunFigures;
  feedback: FeedbackChannel['counts'];
  virtualSeconds: number;
}

const QUALITY = builtinQualityTable();

export function runEpisode(
  scenario: Scenario,
  world: World,
  makePolicy: (view: EnvView) => ProtocolPolicy,
  opts: EpisodeOptions = {},
): EpisodeResult {
  const clock = new VirtualClock();
  const pools = scenario.pools.map((p) => ({ ...p, sim: new SimPool(simPoolSpecOf(p.sim), clock) }));
  const index = new Map(pools.map((p, i) => [p.name, i]));
  const conditions = new PoolConditions(scenario);
  const recent = new RecentTtft(20);
  const metrics = new RunMetrics(pools.length);
  let current: { ctx: RoutingContext; mu: number[] } | undefined;
  const policy = makePolicy({
    utilities: (ctx) => {
      if (current?.ctx !== ctx) throw new Error('EnvView.utilities: asked about a request that is not being decided');
      return current.mu;
    },
  });
  const channel = new FeedbackChannel(scenario.feedback, world, (ctx, pool, reward) =>
    policy.update(ctx, pool, reward),
  );
  const limit = Math.min(opts.decisions ?? world.requests, world.requests);
  const slo = scenario.slo;
  let decisions = 0;

  const observe = (t: number): PoolObservation[] =>
    pools.flatMap((p) => {
      const c = conditions.at(p.name, t);
      if (!c.eligible) return [];
      return [
        {
          name: p.name,
          model: p.model,
          running: p.sim.numRunning,
          waiting: p.sim.numWaiting,
          kvCacheUsage: p.sim.kvCacheUsage,
          recentTtftMs: recent.median(p.name),
          pricing: { inputPer1M: c.pricing.input_per_1m, outputPer1M: c.pricing.output_per_1m },
        },
      ];
    });

  /** A pick that is not a candidate: the policy's best-scored candidate (first candidate without scores). */
  const mask = (ctx: RoutingContext, candidates: number[]): number => {
    const s = policy.scores?.(ctx);
    if (!s) return candidates[0]!;
    return candidates.reduce((b, i) => (s[i]! > s[b]! ? i : b), candidates[0]!);
  };

  const send = (session: PlannedSession, k: number, previous?: number): void => {
    if (decisions >= limit) return;
    const t = decisions++;
    channel.due(t);
    const turn = session.turns[k]!;
    const cond = pools.map((p) => conditions.at(p.name, t));
    const promptKey = turn.labels.promptId ?? promptKeyOf(turn.text);
    const pGood = pools.map((p) => QUALITY.probabilityGood(p.sim.model.name, turn.labels.category, promptKey));
    const prev = previous === undefined ? undefined : { pool: previous, promptTokens: turn.historyTokens };
    const mu = utilities({
      reward: scenario.reward,
      conditions: cond,
      pGood,
      promptTokens: turn.promptTokens,
      outputTokens: turn.outputTokens,
      ...(prev ? { previous: prev } : {}),
    });
    const ctx: RoutingContext = {
      labels: turn.labels,
      text: turn.text,
      messages: [{ role: 'user', content: turn.text }],
      promptTokensEstimate: turn.promptTokens,
      pools: observe(t),
      ...(previous !== undefined ? { previousPool: pools[previous]!.name } : {}),
    };
    current = { ctx, mu };
    const decision: Decision = policy.choose(ctx);
    const chosen = index.get(decision.action);
    if (chosen === undefined)
      throw new Error(`policy ${policy.name} chose "${decision.action}", not one of ${[...index.keys()].join(', ')}`);
    const candidates = cond.flatMap((c, i) => (c.eligible ? [i] : []));
    let served = chosen;
    if (!cond[chosen]!.eligible) {
      served = mask(ctx, candidates);
      metrics.masked++;
    }
    metrics.decision(mu, served, previous === undefined ? undefined : served !== previous);
    if (pools.length === 2) {
      const s = policy.scores?.(ctx);
      const costs = cond.map((c) => requestCost(c.pricing, turn.promptTokens, 0, turn.outputTokens));
      metrics.pair(pGood, costs, s ? s[1]! - s[0]! : undefined);
    }
    const pool = pools[served]!;
    const arrival = clock.now();
    const verdictOf = (quality: number, costUsd: number, sloViolated: boolean, failed: boolean) => ({
      t,
      ctx,
      pool: pool.name,
      quality,
      failed,
      rewardFor: (q: number) =>
        failed ? 0 : (computeReward(scenario.reward, { quality: q, costUsd, sloViolated }) ?? 0),
    });
    if (cond[served]!.down) {
      // Connection refused: no answer, nothing billed, the session ends.
      metrics.outcome({ reward: 0, quality: 0, costUsd: 0, sloViolated: true, failed: true });
      opts.onLogged?.({ ctx, pool: pool.name, reward: 0, propensity: decision.propensity });
      channel.report(verdictOf(0, 0, true, true), decisions);
      return;
    }
    pool.sim.submit({
      id: `${t}`,
      promptTokens: turn.promptTokens,
      blockHashes: turn.blockHashes,
      outputTokens: turn.outputTokens,
      listener: {
        onFinish: (r) => {
          const quality = goodAnswer(world.seed, pool.sim.model.name, promptKey, pGood[served]!) ? 1 : 0;
          const costUsd = requestCost(cond[served]!.pricing, turn.promptTokens, r.cachedTokens, turn.outputTokens);
          const ttftS = r.firstTokenTime - arrival;
          const e2eS = r.finishTime - arrival;
          recent.add(pool.name, ttftS * 1000);
          const sloViolated =
            (slo.ttft_ms !== undefined && ttftS * 1000 > slo.ttft_ms) ||
            (slo.e2e_ms !== undefined && e2eS * 1000 > slo.e2e_ms);
          const v = verdictOf(quality, costUsd, sloViolated, false);
          const reward = v.rewardFor(quality);
          metrics.outcome({ reward, quality, costUsd, sloViolated, failed: false, ttftS });
          opts.onLogged?.({ ctx, pool: pool.name, reward, propensity: decision.propensity });
          channel.report(v, decisions);
          const next = session.turns[k + 1];
          if (next) clock.at(clock.now() + next.thinkS, () => send(session, k + 1, served));
        },
      },
    });
  };

  for (const s of world.sessions) clock.at(s.startS, () => send(s, 0));
  scheduleLoad(scenario, world, pools, clock);
  clock.run();
  return { figures: metrics.figures(), feedback: { ...channel.counts }, virtualSeconds: clock.now() };
}

/** Other tenants' requests on `load` pools: Poisson during each on-window, until the last session starts. */
function scheduleLoad(
  scenario: Scenario,
  world: World,
  pools: { name: string; sim: SimPool }[],
  clock: VirtualClock,
): void {
  scenario.events.forEach((e, i) => {
    if (e.kind !== 'load') return;
    const sim = pools.find((p) => p.name === e.pool)!.sim;
    const rng = new Rng(deriveSeed(world.seed, 'load', i));
    const period = e.on_s + e.off_s;
    let n = 0;
    const arrive = (at: number): void => {
      // Skip the off part of the cycle.
      const phase = (at - e.start_s) % period;
      const t = phase < e.on_s ? at : at - phase + period;
      if (t > world.horizonS) return;
      clock.at(t, () => {
        sim.submit({
          id: `load-${i}-${n++}`,
          promptTokens: e.prompt_tokens,
          blockHashes: [],
          outputTokens: e.output_tokens,
        });
        arrive(t + rng.exponential(e.rate));
      });
    };
    arrive(e.start_s + rng.exponential(e.rate));
  });
}
