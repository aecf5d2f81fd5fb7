/**
 * UCB1 per scope (the request category by default): value = mean + c * sqrt(2 ln N / n),
 * N the scope's total pulls. Untried actions come first, in action order. Deterministic, so
 * the propensity is 1 (off-policy estimators cannot use its logs; replay them instead).
 */
import { parsePolicyPart } from '../policy-file.ts';
import { z } from 'zod';
import type { Decision, RoutingContext } from '../../harness/types.ts';
import type { PolicyFile } from '../types.ts';
import { argmaxFirst, checkReward, LearnerBase, type Action } from './base.ts';
import { ScopedStats, scopeSchema, statsJsonSchema, type Scope } from './stats.ts';

export const ucb1HyperSchema = z.strictObject({
  /** Exploration scale (1 = the textbook bound for rewards in [0, 1]). */
  c: z.number().min(0).default(1),
  scope: scopeSchema.default('category'),
  seed: z.number().int().default(0),
});
export type Ucb1Options = z.infer<typeof ucb1HyperSchema>;

const paramsSchema = z.strictObject({ stats: statsJsonSchema });

export class Ucb1 extends LearnerBase {
  readonly name = 'ucb1';
  private stats: ScopedStats;

  constructor(
    actions: Action[],
    private readonly opts: Ucb1Options,
  ) {
    super(actions);
    this.stats = new ScopedStats(actions.length, opts.scope as Scope);
  }

  /** UCB values per action (Infinity for an untried action). */
  scores(ctx: RoutingContext): number[] {
    const { n, s } = this.stats.peek(ctx);
    let total = 0;
    for (const c of n) total += c;
    const logN = Math.log(Math.max(total, 1));
    return Array.from(n, (c, i) => (c > 0 ? s[i]! / c + this.opts.c * Math.sqrt((2 * logN) / c) : Infinity));
  }

  choose(ctx: RoutingContext): Decision {
    return this.decision(argmaxFirst(this.scores(ctx)), 1);
  }

  update(ctx: RoutingContext, action: string, reward: number): void {
    checkReward(reward);
    const i = this.actionIndex(action);
    this.record(reward);
    this.stats.add(ctx, i, reward);
  }

  save(): PolicyFile {
    return this.file({ ...this.opts }, { stats: this.stats.toJSON() });
  }

  static load(file: PolicyFile, source = 'policy.json'): Ucb1 {
    const opts = parsePolicyPart(ucb1HyperSchema, file.hyperparameters, source, 'hyperparameters');
    const params = parsePolicyPart(paramsSchema, file.parameters, source, 'parameters');
    const l = new Ucb1(file.actions, opts);
    l.stats = ScopedStats.fromJSON(params.stats, file.actions.length, opts.scope);
    l.restoreTraining(file.training);
    return l;
  }
}
