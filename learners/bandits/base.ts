/**
 * What every learner shares: the action table (index <-> pool), reward bookkeeping, tie
 * handling and the policy-file envelope. Learners subclass it and keep only their maths.
 */
import type { Decision, RoutingContext } from '../../harness/types.ts';
import type { FeatureLayout, Learner, PolicyFile } from '../types.ts';
import { POLICY_FILE_VERSION } from '../policy-file.ts';

export interface Action {
  pool: string;
  model: string;
}

export type Hyperparameters = PolicyFile['hyperparameters'];

/** Layout of learners that read no feature vector (they key on labels directly). */
export const NO_FEATURES: FeatureLayout = { blocks: [], dim: 0 };

/** Indices of the maximal values (exact ties), in index order. */
export function argmaxAll(values: ArrayLike<number>): number[] {
  let best = -Infinity;
  let out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v > best) {
      best = v;
      out = [i];
    } else if (v === best) out.push(i);
  }
  // All NaN or -Infinity: every action ties.
  return out.length > 0 ? out : Array.from({ length: values.length }, (_, i) => i);
}

/** First index of the maximum (deterministic tie-break: action order). */
export function argmaxFirst(values: ArrayLike<number>): number {
  return argmaxAll(values)[0]!;
}

/**
 * A Thompson-sampling choice and its propensity: the action `draw` picks with the decision
 * stream, and (wins + 1) / (M + 1) over M more draws on a separate stream (so M never
 * changes the decisions; counting the deciding draw keeps the estimate above 0).
 */
export function thompsonChoice<R>(
  draw: (rng: R) => number,
  rng: R,
  propensityRng: R,
  samples: number,
): { chosen: number; propensity: number } {
  const chosen = draw(rng);
  let wins = 0;
  for (let j = 0; j < samples; j++) if (draw(propensityRng) === chosen) wins++;
  return { chosen, propensity: (wins + 1) / (samples + 1) };
}

export function checkReward(reward: number, lo = -Infinity, hi = Infinity): void {
  if (!Number.isFinite(reward) || reward < lo || reward > hi) {
    throw new RangeError(`reward must be a finite number${lo > -Infinity ? ` in [${lo}, ${hi}]` : ''}, got ${reward}`);
  }
}

export abstract class LearnerBase implements Learner {
  abstract readonly name: string;
  protected readonly actions: Action[];
  private readonly index = new Map<string, number>();
  /** Updates seen and their reward sum (reported in policy.json `training`). */
  protected updates = 0;
  protected rewardSum = 0;

  constructor(actions: Action[]) {
    if (actions.length === 0) throw new Error('a learner needs at least one action');
    this.actions = actions.map((a) => ({ pool: a.pool, model: a.model }));
    this.actions.forEach((a, i) => {
      if (this.index.has(a.pool)) throw new Error(`duplicate action pool "${a.pool}"`);
      this.index.set(a.pool, i);
    });
  }

  get actionCount(): number {
    return this.actions.length;
  }

  /** Index of a pool name; throws on a pool this policy does not route to. */
  actionIndex(pool: string): number {
    const i = this.index.get(pool);
    if (i === undefined)
      throw new Error(
        `${this.name}: "${pool}" is not one of its actions (${this.actions.map((a) => a.pool).join(', ')})`,
      );
    return i;
  }

  protected decision(i: number, propensity: number): Decision {
    return { action: this.actions[i]!.pool, propensity };
  }

  /** Counts the update; subclasses call it first from update(). */
  protected record(reward: number): void {
    this.updates++;
    this.rewardSum += reward;
  }

  protected restoreTraining(training: Record<string, unknown>): void {
    this.updates = typeof training.updates === 'number' ? training.updates : 0;
    this.rewardSum = typeof training.reward_sum === 'number' ? training.reward_sum : 0;
  }

  protected file(
    hyperparameters: Hyperparameters,
    parameters: Record<string, unknown>,
    features: FeatureLayout = NO_FEATURES,
  ): PolicyFile {
    return {
      version: POLICY_FILE_VERSION,
      learner: this.name,
      hyperparameters,
      features: structuredClone(features),
      actions: this.actions.map((a) => ({ ...a })),
      parameters,
      training: {
        updates: this.updates,
        reward_sum: this.rewardSum,
        mean_reward: this.updates > 0 ? this.rewardSum / this.updates : null,
      },
    };
  }

  abstract choose(ctx: RoutingContext): Decision;
  abstract update(ctx: RoutingContext, action: string, reward: number): void;
  abstract scores(ctx: RoutingContext): number[];
  abstract save(): PolicyFile;
}
