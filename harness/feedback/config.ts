/**
 * The experiment's `feedback:` block: which evaluator judges answers, each evaluator's
 * options (side by side, so `auto` and `simulated_user` can use them too), and the reward
 * weights. Errors name the path and the expected value, e.g.
 * `feedback.numeric.rel_tol: expected a number >= 0, received string`.
 */
import { z } from 'zod';
import { rewardSchema } from './reward.ts';
import { FeedbackConfigError } from '../../core/errors.ts';

export const EVALUATOR_NAMES = [
  'auto',
  'mc_letter',
  'numeric',
  'exact_match',
  'regex',
  'score_table',
  'llm_judge',
  'simulated_user',
  'none',
] as const;
export type EvaluatorName = (typeof EVALUATOR_NAMES)[number];
/** Evaluators simulated_user can take its quality from. */
export const QUALITY_SOURCES = [
  'auto',
  'mc_letter',
  'numeric',
  'exact_match',
  'regex',
  'score_table',
  'llm_judge',
] as const;

const nonNegative = (what: string) =>
  z.number({ error: `expected a number >= 0 (${what})` }).min(0, { error: `expected a number >= 0 (${what})` });
const unit = (what: string) =>
  z
    .number({ error: `expected a number in [0, 1] (${what})` })
    .min(0, { error: 'expected a number in [0, 1]' })
    .max(1, { error: 'expected a number in [0, 1]' });

function compiles(pattern: string, flags: string): boolean {
  try {
    new RegExp(pattern, flags);
    return true;
  } catch {
    return false;
  }
}

const regexBlock = z
  .strictObject({
    pattern: z
      .string({ error: 'expected a regular expression string' })
      .min(1, { error: 'expected a non-empty regular expression' }),
    flags: z
      .string()
      .regex(/^[imsuy]*$/, { error: 'expected JavaScript regex flags from "imsuy"' })
      .default(''),
    /** Capture group (index or name) compared to the reference; absent: matching is the verdict. */
    group: z
      .union([z.number().int().min(0), z.string().min(1)], { error: 'expected a group index >= 0 or a group name' })
      .optional(),
  })
  .refine((r) => compiles(r.pattern, r.flags), {
    error: 'expected a valid JavaScript regular expression',
    path: ['pattern'],
  });

const judgeBlock = z
  .strictObject({
    /** An OpenAI-compatible server (with `model`), or `pool`: one of the experiment's pools serves as the judge. */
    base_url: z
      .url({ protocol: /^https?$/, error: 'expected an http(s) URL of an OpenAI-compatible server' })
      .optional(),
    model: z.string({ error: 'expected the judge model name (a string)' }).min(1).optional(),
    /** A pool of the experiment (its endpoint and model); a simulated pool judges as judge.ts says. */
    pool: z.string().min(1).optional(),
    /** Name of the environment variable holding the API key (the key itself never goes in config). */
    api_key_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name' })
      .optional(),
    /** Prompt template with {{question}}, {{answer}}, {{reference}}, {{category}}. */
    rubric: z.string().min(1).optional(),
    system: z.string().optional(),
    score_range: z
      .tuple([z.number(), z.number()], { error: 'expected [worst, best], e.g. [1, 10] or [0, 1]' })
      .refine(([lo, hi]) => lo < hi, { error: 'expected worst < best' })
      .default([1, 10]),
    max_tokens: z.number().int().positive().default(512),
    temperature: z.number().min(0).default(0),
    timeout_ms: z.number().int().positive().default(60_000),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .refine((j) => (j.pool === undefined) !== (j.base_url === undefined), {
    error: 'expected either base_url (with model) or pool, not both',
  })
  .refine((j) => j.base_url === undefined || j.model !== undefined, {
    error: 'expected the judge model name with base_url',
    path: ['model'],
  });

export const feedbackSchema = z
  .strictObject({
    evaluator: z.enum(EVALUATOR_NAMES).default('auto'),
    mc_letter: z
      .strictObject({
        letters: z
          .string()
          .regex(/^[A-Za-z]{2,26}$/, { error: 'expected the choice letters, e.g. "ABCDE"' })
          .default('ABCDE'),
      })
      .prefault({}),
    numeric: z
      .strictObject({
        rel_tol: nonNegative('relative tolerance').default(1e-6),
        abs_tol: nonNegative('absolute tolerance').default(1e-9),
      })
      .prefault({}),
    exact_match: z.strictObject({ contains: z.boolean().default(false) }).prefault({}),
    regex: regexBlock.optional(),
    score_table: z
      .strictObject({
        /** Pool model (or pool name) -> dataset model name in labels.scores. */
        model_map: z.record(z.string(), z.string()).default({}),
        score_max: z.number().positive({ error: 'expected a number > 0 (the perfect score)' }).default(1),
      })
      .prefault({}),
    llm_judge: judgeBlock.optional(),
    simulated_user: z
      .strictObject({
        quality_from: z.enum(QUALITY_SOURCES).default('auto'),
        low_quality: unit('below it: underpowered').default(0.5),
        enough_quality: unit('a cheaper pool averaging this is enough').default(0.8),
        min_samples: z.number().int().min(1).default(5),
        /** Pool name -> relative cost; default from the pools' pricing. */
        pool_costs: z.record(z.string(), nonNegative('relative cost')).optional(),
      })
      .prefault({}),
    reward: rewardSchema.prefault({}),
  })
  .superRefine((c, ctx) => {
    const uses = c.evaluator === 'simulated_user' ? c.simulated_user.quality_from : c.evaluator;
    if (uses === 'llm_judge' && c.llm_judge === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['llm_judge'],
        message: 'expected an llm_judge block {base_url, model} when llm_judge is used',
      });
    }
    if (uses === 'regex' && c.regex === undefined) {
      ctx.addIssue({ code: 'custom', path: ['regex'], message: 'expected a regex block {pattern} when regex is used' });
    }
  });

export type FeedbackConfig = z.infer<typeof feedbackSchema>;
export type FeedbackConfigInput = z.input<typeof feedbackSchema>;

/** One line per zod issue: `root.path.to.field: message`. */
export function formatIssues(error: z.ZodError, root: string): string[] {
  return error.issues.map((i) => {
    const path = [root, ...i.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))]
      .join('.')
      .replace(/\.\[/g, '[');
    return `${path}: ${i.message}`;
  });
}

/** Validates a `feedback:` block (undefined = all defaults); throws FeedbackConfigError. */
export function parseFeedbackConfig(raw: unknown, root = 'feedback'): FeedbackConfig {
  const r = feedbackSchema.safeParse(raw ?? {});
  if (!r.success) throw new FeedbackConfigError(formatIssues(r.error, root));
  return r.data;
}
