/**
 * createEvaluator: the one place that turns a `feedback:` block into an Evaluator.
 */
import { parseFeedbackConfig, type EvaluatorName, type FeedbackConfig, type FeedbackConfigInput } from './config.ts';
import { AutoEvaluator } from './auto.ts';
import { LlmJudgeEvaluator } from './llm-judge.ts';
import { scoreTableEvaluator } from './score-table.ts';
import { SimulatedUserEvaluator } from './simulated-user.ts';
import { exactMatchEvaluator, mcLetterEvaluator, numericEvaluator, regexEvaluator } from './text-evaluators.ts';
import { failedEvaluation, type Evaluator, type EvaluatorContext } from './types.ts';
import { FeedbackConfigError } from '../../core/errors.ts';

/** Evaluator `none`: no quality, except that a failed request is still a failure. */
const noneEvaluator: Evaluator = {
  name: 'none',
  async evaluate({ record }) {
    return record.ok ? { evaluator: 'none' } : failedEvaluation('none', record);
  },
};

/**
 * Builds the configured evaluator. `spec` is a `feedback:` block (validated here, so raw
 * YAML works) or just an evaluator name with default options. `ctx.pools` gives
 * simulated_user the pools' prices. Throws FeedbackConfigError on a bad block or a missing
 * API-key variable.
 */
export function createEvaluator(
  spec: FeedbackConfigInput | FeedbackConfig | EvaluatorName = {},
  ctx: EvaluatorContext = {},
): Evaluator {
  const cfg = parseFeedbackConfig(typeof spec === 'string' ? { evaluator: spec } : spec);
  return build(cfg.evaluator, cfg, ctx);
}

function build(name: EvaluatorName, cfg: FeedbackConfig, ctx: EvaluatorContext): Evaluator {
  const scoreTable = { modelMap: cfg.score_table.model_map, scoreMax: cfg.score_table.score_max };
  switch (name) {
    case 'mc_letter':
      return mcLetterEvaluator({ letters: cfg.mc_letter.letters });
    case 'numeric':
      return numericEvaluator({ relTol: cfg.numeric.rel_tol, absTol: cfg.numeric.abs_tol });
    case 'exact_match':
      return exactMatchEvaluator({ contains: cfg.exact_match.contains });
    case 'regex': {
      const r = cfg.regex!; // presence checked by the schema
      return regexEvaluator({ pattern: r.pattern, flags: r.flags, group: r.group });
    }
    case 'score_table':
      return scoreTableEvaluator(scoreTable);
    case 'llm_judge':
      return judge(cfg, ctx);
    case 'simulated_user':
      return new SimulatedUserEvaluator({
        quality: build(cfg.simulated_user.quality_from, cfg, ctx),
        poolCosts: cfg.simulated_user.pool_costs,
        pools: ctx.pools,
        lowQuality: cfg.simulated_user.low_quality,
        enoughQuality: cfg.simulated_user.enough_quality,
        minSamples: cfg.simulated_user.min_samples,
        scoreTable,
      });
    case 'auto':
      return new AutoEvaluator({
        mc_letter: build('mc_letter', cfg, ctx),
        numeric: build('numeric', cfg, ctx),
        exact_match: build('exact_match', cfg, ctx),
        score_table: build('score_table', cfg, ctx),
        // Free-form answers (no reference, no scores) go to the judge when one is configured.
        ...(cfg.llm_judge ? { llm_judge: judge(cfg, ctx) } : {}),
      });
    case 'none':
      return noneEvaluator;
  }
}

/** The judge's server and model: the block's base_url and model, or those of the pool it names. */
function judgeTarget(
  j: NonNullable<FeedbackConfig['llm_judge']>,
  ctx: EvaluatorContext,
): { url: string; model: string } {
  if (j.pool === undefined) return { url: j.base_url!, model: j.model! }; // the schema requires both then
  const pool = ctx.pools?.find((p) => p.name === j.pool);
  if (!pool?.url)
    throw new FeedbackConfigError([
      `feedback.llm_judge.pool: expected one of the pools ${(ctx.pools ?? []).map((p) => p.name).join(', ')}, got "${j.pool}"`,
    ]);
  return { url: pool.url, model: j.model ?? pool.model };
}

function judge(cfg: FeedbackConfig, ctx: EvaluatorContext): Evaluator {
  const j = cfg.llm_judge!; // presence checked by the schema
  const target = judgeTarget(j, ctx);
  let apiKey: string | undefined;
  if (j.api_key_env !== undefined) {
    apiKey = process.env[j.api_key_env];
    // Fail at start, not with one "judge failed (http_4xx)" per request.
    if (apiKey === undefined || apiKey === '') {
      throw new FeedbackConfigError([
        `feedback.llm_judge.api_key_env: expected environment variable ${j.api_key_env} to be set`,
      ]);
    }
  }
  return new LlmJudgeEvaluator({
    baseUrl: target.url,
    model: target.model,
    apiKey,
    rubric: j.rubric,
    system: j.system,
    scoreRange: j.score_range,
    maxTokens: j.max_tokens,
    temperature: j.temperature,
    timeoutMs: j.timeout_ms,
    headers: j.headers,
  });
}
