/**
 * Epsilon-greedy over per-scope mean rewards (scope: the request category, or global).
 * With probability eps it picks uniformly, otherwise uniformly among the best means, so the
 * logged propensity is exact: eps/K + (1 - eps) * [a is best] / #best.
 * eps decays with the scope's update count n: eps_n = max(epsilon_min, epsilon / (1 + n /
 * epsilon_decay)); epsilon_decay 0 keeps it constant (constant eps has linear regret).
 */
import { parsePolicyPart } from '../policy-file.ts';
import { z } from 'zod';
import type { Decision, RoutingContext } from '../../harness/types.ts';
import type { PolicyFile } from '../types.ts';
import { argmaxAll, checkReward, LearnerBase, type Action } from './base.ts';
import { ScopedStats, scopeSchema, statsJsonSchema, type Scope } from './stats.ts';
import { Rng, rngStateSchema } from '../../core/rng.ts';

export const epsilonGreedyHyperSchema = z.strictObject({
  epsilon: z.number().min(0).max(1).default(0.1),
  /** Updates (per scope) over which eps halves; 0 = constant eps. */
  epsilon_decay: z.number().min(0).default(0),
  epsilon_min: z.number().min(0).max(1).default(0),
  /** Mean assumed for an action never tried (1 = optimistic: each action gets tried). */
  initial_value: z.number().default(1),
  scope: scopeSchema.default('category'),
  seed: z.number().int().default(0),
});
export type EpsilonGreedyOptions = z.infer<typeof epsilonGreedyHyperSchema>;

const paramsSchema = z.strictObject({ stats: statsJsonSchema, rng: rngStateSchema });

export class EpsilonGreedy extends LearnerBase {
  readonly name = 'epsilon_greedy';
  private stats: ScopedStats;
  private rng: Rng;

  constructor(
    actions: Action[],
    private readonly opts: EpsilonGreedyOptions,
  ) {
    super(actions);
    this.stats = new ScopedStats(actions.length, opts.scope as Scope);
    this.rng = new Rng(opts.seed);
  }

  /** Current eps for this context's scope. */
  epsilon(ctx: RoutingContext): number {
    const { epsilon, epsilon_decay, epsilon_min } = this.opts;
    if (epsilon_decay === 0) return epsilon;
    let n = 0;
    for (const c of this.stats.peek(ctx).n) n += c;
    return Math.max(epsilon_min, epsilon / (1 + n / epsilon_decay));
  }

  /** Estimated mean reward per action (initial_value where untried). */
  scores(ctx: RoutingContext): number[] {
    const { n, s } = this.stats.peek(ctx);
    return Array.from(n, (c, i) => (c > 0 ? s[i]! / c : this.opts.initial_value));
  }

  /** Exact selection probabilities of every action for this context. */
  probabilities(ctx: RoutingContext): number[] {
    const k = this.actionCount;
    const eps = this.epsilon(ctx);
    const best = argmaxAll(this.scores(ctx));
    const p = new Array<number>(k).fill(eps / k);
    for (const i of best) p[i]! += (1 - eps) / best.length;
    return p;
  }

  choose(ctx: RoutingContext): Decision {
    const k = this.actionCount;
    const eps = this.epsilon(ctx);
    const best = argmaxAll(this.scores(ctx));
    // Always two draws, so the stream position does not depend on which branch ran.
    const explore = this.rng.next() < eps;
    const u = this.rng.next();
    const i = explore ? Math.floor(u * k) : best[Math.floor(u * best.length)]!;
    const p = eps / k + (best.includes(i) ? (1 - eps) / best.length : 0);
    return this.decision(i, p);
  }

  update(ctx: RoutingContext, action: string, reward: number): void {
    checkReward(reward);
    const i = this.actionIndex(action);
    this.record(reward);
    this.stats.add(ctx, i, reward);
  }

  save(): PolicyFile {
    return this.file({ ...this.opts }, { stats: this.stats.toJSON(), rng: this.rng.state() });
  }

  static load(file: PolicyFile, source = 'policy.json'): EpsilonGreedy {
    const opts = parsePolicyPart(epsilonGreedyHyperSchema, file.hyperparameters, source, 'hyperparameters');
    const params = parsePolicyPart(paramsSchema, file.parameters, source, 'parameters');
    const l = new EpsilonGreedy(file.actions, opts);
    l.stats = ScopedStats.fromJSON(params.stats, file.actions.length, opts.scope);
    l.rng = Rng.fromState(params.rng);
    l.restoreTraining(file.training);
    return l;
  }
}
