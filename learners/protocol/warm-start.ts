/**
 * Warm start from logs (a scenario's `warm_start`; PROTOCOL.md "Warm start"): before its run,
 * every learner learns from the same logged decisions, made by a logging policy on a World of
 * their own (seed-derived, so the run's requests are not in the logs). The logger is the
 * on-paper static rule with a share of uniform exploration; each record has the served pool,
 * the true reward and the logger's exact propensity.
 * With `propensities: logged` a learner that weighs samples by propensity (the neural learner:
 * importance weights pi/mu) gets them; with `missing` the records carry none, and every
 * learner replays them as if they were its own decisions (the direct method), which is biased
 * toward what the logger preferred.
 */
import type { Decision, RoutingContext } from '../../harness/types.ts';
import { deriveSeed, Rng } from '../../core/rng.ts';
import { NeuralPolicy } from '../rl/neural-policy.ts';
import { runEpisode, type LoggedDecision, type ProtocolPolicy } from './environment.ts';
import { onPaper } from './lineup.ts';
import type { Scenario } from './scenario.ts';
import { bestOf } from './utility.ts';
import { buildWorld } from './world.ts';

class LoggingPolicy implements ProtocolPolicy {
  readonly name = 'logger';
  private readonly rng: Rng;
  constructor(
    private readonly pools: string[],
    private readonly rule: Map<string, string>,
    private readonly fallback: string,
    private readonly explore: number,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }
  choose(ctx: RoutingContext): Decision {
    const candidates = ctx.pools.map((p) => p.name);
    const ruled = this.rule.get(ctx.labels.category) ?? this.fallback;
    const pick = candidates.includes(ruled) ? ruled : candidates[0]!;
    const u = this.rng.next();
    const v = this.rng.next();
    const action = u < this.explore ? candidates[Math.floor(v * candidates.length)]! : pick;
    const p = this.explore / candidates.length + (action === pick ? 1 - this.explore : 0);
    return { action, propensity: p };
  }
  update(): void {}
}

/** The logged decisions every learner of this seed starts from (undefined without warm_start). */
export function warmStartLogs(scenario: Scenario, seed: number): LoggedDecision[] | undefined {
  const w = scenario.warm_start;
  if (!w) return undefined;
  const worldSeed = deriveSeed(seed, 'warm-start');
  const world = buildWorld(scenario, worldSeed, w.requests);
  const paper = onPaper(scenario, world);
  const names = scenario.pools.map((p) => p.name);
  const rule = new Map([...paper.byCategory].map(([c, mu]) => [c, names[bestOf(mu).index]!]));
  const logs: LoggedDecision[] = [];
  runEpisode(
    scenario,
    world,
    () => new LoggingPolicy(names, rule, names[bestOf(paper.overall).index]!, w.explore, deriveSeed(seed, 'logger')),
    { onLogged: (d) => logs.push(d) },
  );
  return logs;
}

/** Feeds the logs to a freshly built policy (see the file header for who gets propensities). */
export function applyWarmStart(
  policy: ProtocolPolicy,
  logs: LoggedDecision[],
  propensities: 'logged' | 'missing',
): void {
  if (propensities === 'logged' && policy instanceof NeuralPolicy) {
    policy.trainBatch(
      logs.map((l) => l.ctx),
      logs.map((l) => l.pool),
      logs.map((l) => l.reward),
      logs.map((l) => l.propensity),
      { epochs: 1 },
    );
    return;
  }
  for (const l of logs) policy.update(l.ctx, l.pool, l.reward);
}
