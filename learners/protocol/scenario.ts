/**
 * A learning scenario (experiments/learning/*.yaml), validated with zod: simulated pools, a
 * workload, the reward, what happens during the run (events) and what the learner is told
 * (feedback). Unknown keys are errors; every error names its path and the expected value.
 * Definitions of every field: experiments/learning/PROTOCOL.md.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.ts';
import { parseOrThrow } from '../../core/validate.ts';
import { rewardSchema } from '../../harness/feedback/reward.ts';
import { experimentSchema } from '../../harness/runner/config.ts';
import { mixSchema } from '../../harness/workload/mix.ts';

const positiveInt = z.number().int().positive();
const share = z.number().min(0).max(1);
const poolName = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a name of letters, digits, _ . -');

/** An experiment's `sim:` block, as it is there (one schema for both). */
const simSchema = experimentSchema.shape.pools.element.shape.sim.unwrap();

const pricingSchema = z.strictObject({
  input_per_1m: z.number().min(0),
  output_per_1m: z.number().min(0),
  /** Prompt tokens served from the prefix cache; default: the input price (no discount). */
  cached_input_per_1m: z.number().min(0).optional(),
});

const poolSchema = z.strictObject({
  name: poolName,
  /** The served model name (the quality table reads the sim model). */
  model: z.string().min(1),
  sim: simSchema,
  pricing: pricingSchema,
});

const driftSchema = z.strictObject({
  /** Decision index where the change starts. */
  at_request: z.number().int().min(0),
  /** 0: abrupt; else the mix moves linearly to the new weights over this many decisions. */
  over_requests: z.number().int().min(0).default(0),
  weights: mixSchema.shape.drift.unwrap().element.shape.weights,
});

const traceSchema = z.strictObject({
  /** mooncake: JSONL {timestamp (ms), input_length, output_length, hash_ids}; burstgpt: its CSV. */
  format: z.enum(['mooncake', 'burstgpt']),
  /** Relative to the scenario file. */
  path: z.string().min(1),
  /** Multiplies the gaps: 0.5 replays twice as fast. */
  scale: z.number().positive().default(1),
  /** Tokens per trace block (`hash_ids`); the Mooncake traces use 512. */
  block_tokens: positiveInt.default(512),
  /** BurstGPT: keep only rows of this `Model` (e.g. ChatGPT); default all. */
  model: z.string().optional(),
});

const arrivalSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('poisson'), rate: z.number().positive() }),
  z.strictObject({ type: z.literal('constant'), rate: z.number().positive() }),
  z.strictObject({ type: z.literal('gamma'), rate: z.number().positive(), cv: z.number().positive() }),
  z.strictObject({ type: z.literal('trace'), ...traceSchema.shape }),
]);

const workloadSchema = z.strictObject({
  sources: mixSchema.shape.sources,
  drift: z.array(driftSchema).default([]),
  /** first: each session's first turn only (single-turn routing); all: whole conversations. */
  turns: z.enum(['first', 'all']).default('first'),
  arrival: arrivalSchema,
});

const eventSchema = z.discriminatedUnion('kind', [
  /** The pool joins the candidate set at this decision (ineligible before). */
  z.strictObject({ kind: z.literal('add_pool'), pool: poolName, at_request: z.number().int().min(0) }),
  /** Requests sent to the pool in [from, to) fail at once (the router still lists it). */
  z.strictObject({
    kind: z.literal('outage'),
    pool: poolName,
    from_request: z.number().int().min(0),
    to_request: z.number().int().positive(),
  }),
  /** The pool's price list from this decision on. */
  z.strictObject({
    kind: z.literal('price'),
    pool: poolName,
    at_request: z.number().int().min(0),
    pricing: pricingSchema,
  }),
  /** Other tenants' traffic on the pool: Poisson at `rate`/s, `on_s` seconds on then `off_s` off (off_s 0: always on). */
  z.strictObject({
    kind: z.literal('load'),
    pool: poolName,
    rate: z.number().positive(),
    on_s: z.number().positive(),
    off_s: z.number().min(0).default(0),
    start_s: z.number().min(0).default(0),
    prompt_tokens: positiveInt.default(1000),
    output_tokens: positiveInt.default(200),
  }),
]);

const feedbackSchema = z.strictObject({
  /** A verdict reaches the learner this many decisions after its request completes. */
  delay_requests: z.number().int().min(0).default(0),
  /**
   * Verdicts reach the learner in batches, at every `batch_requests`-th decision (1: as they
   * come). Models a central policy that worker processes decide from between syncs (issue 17).
   */
  batch_requests: z.number().int().min(1).default(1),
  /** Share of verdicts flipped: random (either way) or adversarial (see PROTOCOL.md). */
  flip: z
    .strictObject({
      share,
      mode: z.enum(['random', 'adversarial']).default('random'),
      /** adversarial: the pool whose failures are reported as successes (others' successes as failures). */
      promote: poolName.optional(),
    })
    .refine((f) => f.mode !== 'adversarial' || f.promote !== undefined, {
      message: 'expected `promote` (the pool the attacker pushes) with mode: adversarial',
      path: ['promote'],
    })
    .optional(),
  /** Share of verdicts never delivered (sparse feedback). */
  drop: share.default(0),
});

const warmStartSchema = z.strictObject({
  /** Logged decisions replayed to every learner before the run. */
  requests: positiveInt,
  /** The logging policy: the static per-category rule, with this share of uniform exploration. */
  explore: share.default(0.1),
  /** logged: learners that weigh by propensity (neural) get them; missing: nobody does. */
  propensities: z.enum(['logged', 'missing']),
});

/** A lineup entry: a catalog name (lineup.ts) or a learner's router block with a display name. */
const learnerRefSchema = z.union([
  z.string().min(1),
  z.looseObject({ name: z.string().min(1), type: z.string().min(1) }),
]);

export const scenarioSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a name of letters, digits, _ . -'),
    description: z.string().optional(),
    /** Routing decisions per run (the default size); `--requests` overrides. */
    requests: positiveInt,
    pools: z.array(poolSchema).min(2, 'expected at least two pools (a router needs a choice)'),
    workload: workloadSchema,
    reward: rewardSchema,
    slo: z
      .strictObject({ ttft_ms: z.number().positive().optional(), e2e_ms: z.number().positive().optional() })
      .default({}),
    events: z.array(eventSchema).default([]),
    feedback: feedbackSchema.prefault({}),
    warm_start: warmStartSchema.optional(),
    /** Default: the standard lineup (lineup.ts). */
    learners: z.array(learnerRefSchema).min(1).optional(),
  })
  .superRefine((s, ctx) => {
    const names = s.pools.map((p) => p.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i)
        ctx.addIssue({
          code: 'custom',
          path: ['pools', i, 'name'],
          message: `expected a unique pool name ("${n}" twice)`,
        });
    });
    const known = (pool: string, path: PropertyKey[]) => {
      if (!names.includes(pool))
        ctx.addIssue({ code: 'custom', path, message: `expected one of the pools ${names.join(', ')}` });
    };
    s.events.forEach((e, i) => {
      known(e.pool, ['events', i, 'pool']);
      if (e.kind === 'outage' && e.to_request <= e.from_request)
        ctx.addIssue({
          code: 'custom',
          path: ['events', i, 'to_request'],
          message: 'expected to_request > from_request',
        });
    });
    if (s.feedback.flip?.promote !== undefined) known(s.feedback.flip.promote, ['feedback', 'flip', 'promote']);
    const added = s.events.filter((e) => e.kind === 'add_pool').map((e) => e.pool);
    if (names.every((n) => added.includes(n)))
      ctx.addIssue({ code: 'custom', path: ['events'], message: 'expected at least one pool present from the start' });
  });

export type Scenario = z.infer<typeof scenarioSchema> & {
  /** The file it came from (for messages) and its folder (relative trace paths). */
  file: string;
  baseDir: string;
};
export type ScenarioPool = Scenario['pools'][number];
export type ScenarioEvent = Scenario['events'][number];
export type LearnerRef = z.infer<typeof learnerRefSchema>;
export type TraceSpec = z.infer<typeof traceSchema>;

export function parseScenario(raw: unknown, file = '<scenario>', baseDir = process.cwd()): Scenario {
  return { ...parseOrThrow(scenarioSchema, raw, file), file, baseDir };
}

/** Reads and validates a scenario file; ConfigError naming the file on any problem. */
export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [`cannot read the scenario: ${(e as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new ConfigError(file, [`invalid YAML: ${(e as Error).message.split('\n')[0]}`]);
  }
  return parseScenario(raw, file, dirname(file));
}
