/**
 * Baseline learners, with the same save/load as the bandits so a results table can compare
 * them file for file: static (category -> pool), random and round-robin (each the harness's
 * policy of that name, harness/router/policies.ts, with persistence added), best-single-model
 * (the best global mean reward seen in training) and the full-information oracle.
 */
import { parsePolicyPart } from './policy-file.ts';
import { z } from 'zod';
import { parseOrThrow } from '../core/validate.ts';
import type { Decision, RoutingContext } from '../harness/types.ts';
import { argmaxAll, argmaxFirst, checkReward, LearnerBase, type Action } from './bandits/base.ts';
import type { PolicyFile } from './types.ts';
import { rngStateSchema, type RngState } from '../core/rng.ts';
import { RandomPolicy, RoundRobinPolicy, StaticPolicy } from '../harness/router/policies.ts';
import { WrpError } from '../core/errors.ts';

const seedOnly = z.strictObject({ seed: z.number().int().default(0) });
export const staticHyperSchema = z.strictObject({ default: z.string().min(1) });
export const staticParamsSchema = z.strictObject({ map: z.record(z.string(), z.string()) });
export const randomHyperSchema = seedOnly;
export const roundRobinHyperSchema = seedOnly;
export const bestSingleHyperSchema = seedOnly;
export const oracleHyperSchema = z.strictObject({});
/** action pool -> dataset model name (the keys of labels.scores); default: the action's model. */
export const oracleModelsSchema = z.record(z.string(), z.string());

/** Routes each category to a fixed pool (what Semantic Router domain rules do). */
export class StaticLearner extends LearnerBase {
  readonly name = 'static';
  private readonly policy: StaticPolicy;
  constructor(
    actions: Action[],
    private readonly map: Record<string, string>,
    private readonly fallback: string,
  ) {
    super(actions);
    for (const pool of [...Object.values(map), fallback]) this.actionIndex(pool);
    this.policy = new StaticPolicy(map, fallback);
  }
  private pick(ctx: RoutingContext): number {
    return this.actionIndex(this.policy.poolFor(ctx.labels.category));
  }
  scores(ctx: RoutingContext): number[] {
    const i = this.pick(ctx);
    return this.actions.map((_, j) => (j === i ? 1 : 0));
  }
  choose(ctx: RoutingContext): Decision {
    return this.decision(this.pick(ctx), 1);
  }
  update(_ctx: RoutingContext, action: string, reward: number): void {
    checkReward(reward);
    this.actionIndex(action);
    this.record(reward);
  }
  save(): PolicyFile {
    return this.file({ default: this.fallback }, { map: { ...this.map } });
  }
  static load(file: PolicyFile, source = 'policy.json'): StaticLearner {
    const h = parsePolicyPart(staticHyperSchema, file.hyperparameters, source, 'hyperparameters');
    const p = parsePolicyPart(staticParamsSchema, file.parameters, source, 'parameters');
    const l = new StaticLearner(file.actions, p.map, h.default);
    l.restoreTraining(file.training);
    return l;
  }
}

/** Uniform at random: the harness's RandomPolicy, saved with its RNG state. */
export class RandomLearner extends LearnerBase {
  readonly name = 'random';
  private readonly policy: RandomPolicy;
  constructor(
    actions: Action[],
    private readonly seed: number,
    rng?: RngState,
  ) {
    super(actions);
    this.policy = new RandomPolicy(
      actions.map((a) => a.pool),
      seed,
      rng,
    );
  }
  scores(): number[] {
    return this.actions.map(() => 1 / this.actionCount);
  }
  choose(): Decision {
    const d = this.policy.choose();
    return this.decision(this.actionIndex(d.action), d.propensity);
  }
  update(_ctx: RoutingContext, action: string, reward: number): void {
    checkReward(reward);
    this.actionIndex(action);
    this.record(reward);
  }
  save(): PolicyFile {
    return this.file({ seed: this.seed }, { rng: this.policy.rngState() });
  }
  static load(file: PolicyFile, source = 'policy.json'): RandomLearner {
    const h = parsePolicyPart(randomHyperSchema, file.hyperparameters, source, 'hyperparameters');
    const p = parsePolicyPart(z.strictObject({ rng: rngStateSchema }), file.parameters, source, 'parameters');
    const l = new RandomLearner(file.actions, h.seed, p.rng);
    l.restoreTraining(file.training);
    return l;
  }
}

/** Cycles through the actions: the harness's RoundRobinPolicy, saved with its position. */
export class RoundRobinLearner extends LearnerBase {
  readonly name = 'round_robin';
  private readonly policy: RoundRobinPolicy;
  constructor(actions: Action[], next = 0) {
    super(actions);
    this.policy = new RoundRobinPolicy(
      actions.map((a) => a.pool),
      next,
    );
  }
  scores(): number[] {
    return this.actions.map((_, i) => (i === this.policy.next ? 1 : 0));
  }
  choose(): Decision {
    const d = this.policy.choose();
    return this.decision(this.actionIndex(d.action), d.propensity);
  }
  update(_ctx: RoutingContext, action: string, reward: number): void {
    checkReward(reward);
    this.actionIndex(action);
    this.record(reward);
  }
  save(): PolicyFile {
    return this.file({ seed: 0 }, { next: this.policy.next });
  }
  static load(file: PolicyFile, source = 'policy.json'): RoundRobinLearner {
    parsePolicyPart(roundRobinHyperSchema, file.hyperparameters, source, 'hyperparameters');
    const p = parseOrThrow(
      z.strictObject({
        next: z
          .number()
          .int()
          .min(0)
          .max(file.actions.length - 1),
      }),
      file.parameters,
      source,
      ['parameters'],
    );
    const l = new RoundRobinLearner(file.actions, p.next);
    l.restoreTraining(file.training);
    return l;
  }
}

/**
 * One global mean reward per action; picks the best (first in action order on ties). Untried
 * actions are tried first, in order, so an online run sees every action once.
 */
export class BestSingleLearner extends LearnerBase {
  readonly name = 'best_single';
  private n: number[];
  private s: number[];
  constructor(actions: Action[]) {
    super(actions);
    this.n = actions.map(() => 0);
    this.s = actions.map(() => 0);
  }
  /** Mean reward per action (0 where untried). */
  scores(): number[] {
    return this.n.map((c, i) => (c > 0 ? this.s[i]! / c : 0));
  }
  choose(): Decision {
    const untried = this.n.indexOf(0);
    return this.decision(untried >= 0 ? untried : argmaxFirst(this.scores()), 1);
  }
  update(_ctx: RoutingContext, action: string, reward: number): void {
    checkReward(reward);
    const i = this.actionIndex(action);
    this.record(reward);
    this.n[i]! += 1;
    this.s[i]! += reward;
  }
  save(): PolicyFile {
    return this.file({ seed: 0 }, { n: [...this.n], s: [...this.s] });
  }
  static load(file: PolicyFile, source = 'policy.json'): BestSingleLearner {
    parsePolicyPart(bestSingleHyperSchema, file.hyperparameters, source, 'hyperparameters');
    const k = file.actions.length;
    const arr = z.array(z.number()).length(k);
    const p = parsePolicyPart(z.strictObject({ n: arr, s: arr }), file.parameters, source, 'parameters');
    const l = new BestSingleLearner(file.actions);
    l.n = [...p.n];
    l.s = [...p.s];
    l.restoreTraining(file.training);
    return l;
  }
}

/**
 * Full-information oracle: argmax of labels.scores over the actions' dataset models, the
 * cheapest among ties (labels.costs when every tied model has one, else the pool's listed
 * price per 1M input + output tokens, else action order). Needs scored workloads.
 */
export class OracleLearner extends LearnerBase {
  readonly name = 'oracle';
  private readonly models: string[];
  constructor(
    actions: Action[],
    private readonly modelMap: Record<string, string> = {},
  ) {
    super(actions);
    for (const pool of Object.keys(modelMap)) this.actionIndex(pool);
    this.models = this.actions.map((a) => modelMap[a.pool] ?? a.model);
  }
  /** labels.scores per action. */
  scores(ctx: RoutingContext): number[] {
    const table = ctx.labels.scores;
    if (!table)
      throw new WrpError(
        'WRP_CONFIG',
        `oracle: request ${ctx.labels.id} has no labels.scores (the oracle needs a full-information dataset)`,
      );
    return this.models.map((m) => {
      const v = table[m];
      if (v === undefined)
        throw new WrpError(
          'WRP_CONFIG',
          `oracle: labels.scores of ${ctx.labels.id} has no model "${m}" (has ${Object.keys(table).join(', ')}); map actions with router.models`,
        );
      return v;
    });
  }
  choose(ctx: RoutingContext): Decision {
    const best = argmaxAll(this.scores(ctx));
    if (best.length === 1) return this.decision(best[0]!, 1);
    const costs = ctx.labels.costs;
    const cost = (i: number): number => {
      if (costs && best.every((j) => costs[this.models[j]!] !== undefined)) return costs[this.models[i]!]!;
      const p = ctx.pools.find((o) => o.name === this.actions[i]!.pool)?.pricing;
      return p ? p.inputPer1M + p.outputPer1M : 0;
    };
    let pick = best[0]!;
    for (const i of best) if (cost(i) < cost(pick)) pick = i;
    return this.decision(pick, 1);
  }
  update(_ctx: RoutingContext, action: string, reward: number): void {
    checkReward(reward);
    this.actionIndex(action);
    this.record(reward);
  }
  save(): PolicyFile {
    return this.file({}, { models: { ...this.modelMap } });
  }
  static load(file: PolicyFile, source = 'policy.json'): OracleLearner {
    parsePolicyPart(oracleHyperSchema, file.hyperparameters, source, 'hyperparameters');
    const p = parsePolicyPart(z.strictObject({ models: oracleModelsSchema }), file.parameters, source, 'parameters');
    const l = new OracleLearner(file.actions, p.models);
    l.restoreTraining(file.training);
    return l;
  }
}
