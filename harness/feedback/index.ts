/** Public API of harness/feedback: evaluators, their config, and the reward. */
export type { EvalInput, Evaluator, EvaluatorContext, PoolCostInfo } from './types.ts';
export { failedEvaluation } from './types.ts';
export { createEvaluator } from './factory.ts';
export {
  EVALUATOR_NAMES,
  feedbackSchema,
  formatIssues,
  parseFeedbackConfig,
  type EvaluatorName,
  type FeedbackConfig,
  type FeedbackConfigInput,
} from './config.ts';
export {
  computeReward,
  DEFAULT_REWARD,
  rewardSchema,
  type RewardConfig,
  type RewardConfigInput,
  type RewardInput,
} from './reward.ts';
export { extractAnswerPhrase, extractLetter, extractNumber, normalizeAnswer } from './extract.ts';
export { exactMatchEvaluator, mcLetterEvaluator, numericEvaluator, regexEvaluator } from './text-evaluators.ts';
export { scoreTableEvaluator, datasetModel, tableQuality } from './score-table.ts';
export { LlmJudgeEvaluator, DEFAULT_RUBRIC, parseJudgeScore, renderRubric } from './llm-judge.ts';
export { SimulatedUserEvaluator } from './simulated-user.ts';
export { AutoEvaluator, pickEvaluator } from './auto.ts';
