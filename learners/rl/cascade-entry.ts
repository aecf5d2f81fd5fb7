/**
 * The cascade learners as registry entries: `cascade` (cascade-policy.ts, per-category
 * answer-or-escalate) and `response_cascade` (response-cascade.ts, reads the weak model's
 * answer). Both may call several models for one request, every call paid; `wrp run` makes
 * one call per request, so they are trained and evaluated by replaying full-information
 * datasets (learners/train/cascade.ts) and the registry refuses them in experiments.
 */
import { z } from 'zod';
import type { Learner, PolicyFile } from '../types.ts';
import { CascadePolicy } from './cascade-policy.ts';
import { ResponseCascadePolicy } from './response-cascade.ts';

/** Why `wrp run` cannot use a cascade (the error an experiment's `router.type: cascade` gets). */
export const ONE_CALL_PER_REQUEST =
  'a cascade may call several models per request (answer, then escalate; every call paid) and wrp run makes one call per request; ' +
  'train and evaluate it offline: wrp train --learner cascade|response_cascade --data routerbench:train --models SMALL,LARGE --out DIR, then wrp eval --policy DIR --data routerbench:test';

/** `--params` of `wrp train --learner cascade`. */
/** The operating point as a budget: mean USD per request, every call counted (learners/train/cascade-budget.ts). */
const budget = z.number().positive().optional();

export const cascadeParamsSchema = z.strictObject({
  /** w in [0, 1): weight of cost against quality (0: quality only). */
  cost_quality_tradeoff: z.number().min(0).lt(1).default(0),
  /** Instead of a trade-off: the escalation threshold that spends at most this on the training rows (two levels). */
  budget_usd: budget,
  bins: z.number().int().min(1).default(10),
  shrinkage: z.number().min(0).default(2),
  explore: z.boolean().default(true),
  probe_rate: z.number().min(0).max(1).default(0.05),
  confidence_method: z.enum(['hybrid', 'margin', 'avg_logprob', 'self_verify']).default('hybrid'),
  /**
   * The datasets carry no self-confidence. Absent: none (per-category decisions). Set: a
   * proxy clamp(score + N(0, sd)) of the true score, an optimistic bound, not a deployable signal.
   */
  confidence_noise: z.number().min(0).optional(),
  /** Grade every level's answer, called or not (full information); default: only the called ones. */
  observe_all: z.boolean().default(false),
  seed: z.number().int().optional(),
});

/** `--params` of `wrp train --learner response_cascade`. */
export const responseCascadeParamsSchema = z.strictObject({
  /** Cheap dataset models called alongside level 0 whose answers are features (paid, never served). */
  peers: z.array(z.string().min(1)).default([]),
  cost_quality_tradeoff: z.number().min(0).lt(1).default(0),
  budget_usd: budget,
  hash_dim: z.number().int().min(0).default(0),
  lambda: z.number().positive().default(1),
  v: z.number().min(0).default(0.3),
  probe_rate: z.number().min(0).max(1).default(0.05),
  feedback: z.enum(['served', 'inferred', 'called']).default('served'),
  seed: z.number().int().optional(),
});

export interface ReplayLearnerEntry {
  /** Schema of the learner's `--params` with its `type`. */
  schema: z.ZodType;
  load(file: PolicyFile, source?: string): Learner;
}

export const REPLAY_LEARNERS: Record<'cascade' | 'response_cascade', ReplayLearnerEntry> = {
  cascade: {
    schema: cascadeParamsSchema.extend({ type: z.literal('cascade') }),
    load: (f, src) => CascadePolicy.load(f, src),
  },
  response_cascade: {
    schema: responseCascadeParamsSchema.extend({ type: z.literal('response_cascade') }),
    load: (f, src) => ResponseCascadePolicy.load(f, src),
  },
};

export type ReplayLearnerName = keyof typeof REPLAY_LEARNERS;

export const isReplayLearner = (name: string): name is ReplayLearnerName => Object.hasOwn(REPLAY_LEARNERS, name);
