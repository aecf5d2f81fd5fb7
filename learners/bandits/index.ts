/** The bandit learners, their hyperparameter schemas and the pieces they share. */
export { argmaxAll, argmaxFirst, LearnerBase, NO_FEATURES, type Action } from './base.ts';
export {
  BetaThompson,
  betaThompsonHyperSchema,
  qualitySeedsSchema,
  type BetaThompsonOptions,
  type QualitySeeds,
} from './beta-thompson.ts';
export { EpsilonGreedy, epsilonGreedyHyperSchema, type EpsilonGreedyOptions } from './epsilon-greedy.ts';
export { LinThompson, linThompsonHyperSchema, type LinThompsonOptions } from './lin-thompson.ts';
export { LinearLearner } from './linear-base.ts';
export { LinUcb, linucbHyperSchema, type LinUcbOptions } from './linucb.ts';
export { Rng, rngStateSchema, type RngState } from '../../core/rng.ts';
export { ScopedStats, type Scope } from './stats.ts';
export { Ucb1, ucb1HyperSchema, type Ucb1Options } from './ucb1.ts';
