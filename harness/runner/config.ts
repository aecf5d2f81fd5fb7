/**
 * The experiment config (`experiments/*.yaml`), validated with zod. Unknown keys are
 * errors; every error names its path and the expected value (core/validate.ts). Command-line
 * flags that set a config value (`--requests`, `--duration`) go through the same schema,
 * and a bad one is named as the flag: `--requests: expected a number > 0, got -5`.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { feedbackSchema } from '../feedback/config.ts';
import { faultSpecSchema } from '../pool/sim/fault-spec.ts';
import { GPU_PROFILES, MODEL_PROFILES } from '../pool/sim/profiles.ts';
import { energySchema } from '../telemetry/energy-config.ts';
import { workloadSchema } from '../workload/mix.ts';
import { ConfigError, UsageError } from '../../core/errors.ts';
import { formatPath, zodProblems } from '../../core/validate.ts';
import { DEFAULT_JUDGE_AGREEMENT } from '../pool/sim/judge.ts';

const names = (table: Record<string, unknown>) => Object.keys(table) as [string, ...string[]];
const positiveInt = z.number().int().positive();

const simSchema = z.strictObject({
  model: z.enum(names(MODEL_PROFILES)),
  gpu: z.enum(names(GPU_PROFILES)).default('H100-80GB'),
  tp: positiveInt.default(1),
  replicas: positiveInt.default(1),
  max_num_seqs: positiveInt.default(256),
  max_num_batched_tokens: positiveInt.default(8192),
  gpu_memory_utilization: z.number().gt(0).max(1).default(0.9),
  seed: z.number().int().optional(),
  disaggregation: z
    .strictObject({
      prefill_replicas: positiveInt,
      decode_replicas: positiveInt,
      link_gbps: z.number().positive().default(50),
      link_latency_ms: z.number().min(0).default(0.5),
    })
    .optional(),
  /** Fault injection (harness/pool/sim/fault-spec.ts): e.g. {http_500: 0.1, stall: {rate: 0.1, seconds: 2}}. */
  faults: faultSpecSchema.optional(),
  /** Asked to judge an answer (llm_judge), how often the pool agrees with the simulator's truth (judge.ts). */
  judge_agreement: z.number().min(0).max(1).default(DEFAULT_JUDGE_AGREEMENT),
});

const poolSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a name of letters, digits, _ . -'),
    /** The model name clients send (the served model name). */
    model: z.string().min(1),
    endpoint: z.url().optional(),
    api_key_env: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name')
      .optional(),
    sim: simSchema.optional(),
    pricing: z.strictObject({ input_per_1m: z.number().min(0), output_per_1m: z.number().min(0) }),
    /** none (default) | sim | nvml | {type: dcgm, url} | {type: nvml, gpus}: see harness/telemetry/energy-config.ts. */
    energy: energySchema,
  })
  .refine((p) => (p.endpoint === undefined) !== (p.sim === undefined), {
    message: 'expected exactly one of `endpoint` (a live vLLM server) or `sim` (a simulated pool)',
  });

const routerSchema = z.looseObject({
  /** static | random | round_robin | external | a learner registered by the CLI. */
  type: z.string().min(1),
  /** Policy updates between checkpoints of a policy that has them (learners; default 100). */
  checkpoint_every: positiveInt.optional(),
});

export const experimentSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a name of letters, digits, _ . -'),
  description: z.string().optional(),
  seed: z.number().int().default(0),
  pools: z.array(poolSchema).min(1, 'expected at least one pool'),
  /** sources + drift (harness/workload/mix.ts) and the arrival process (harness/workload/arrivals.ts). */
  workload: workloadSchema,
  router: routerSchema,
  feedback: feedbackSchema.prefault({}),
  stop: z
    .strictObject({
      requests: positiveInt.optional(),
      duration_s: z.number().positive().optional(),
      max_error_rate: z.number().min(0).max(1).default(1),
      /** Errors are judged only after this many requests completed. */
      min_requests_for_error_rate: positiveInt.default(20),
      /** Seconds in-flight requests may finish after the stop before they are cancelled. */
      grace_s: z.number().min(0).default(30),
    })
    .refine((s) => s.requests !== undefined || s.duration_s !== undefined, {
      message: 'expected `requests` and/or `duration_s`',
    }),
  /**
   * Requests sent before the schedule's clock starts, so that the first scheduled sends do not
   * pay for a cold process (connections, compiled code): see harness/runner/warm-up.ts.
   */
  warmup: z
    .strictObject({
      requests: z.number().int().min(0).default(0),
      concurrency: positiveInt.default(8),
    })
    .default({ requests: 0, concurrency: 8 }),
  slo: z
    .strictObject({
      ttft_ms: z.number().positive().optional(),
      tpot_ms: z.number().positive().optional(),
      e2e_ms: z.number().positive().optional(),
    })
    .default({}),
  client: z
    .strictObject({
      connect_timeout_ms: z.number().min(0).default(10_000),
      first_byte_timeout_ms: z.number().min(0).default(60_000),
      idle_timeout_ms: z.number().min(0).default(30_000),
      total_timeout_ms: z.number().min(0).default(600_000),
      /** Send workload labels as x-wrp-* headers: `auto` = to simulated pools only. */
      label_headers: z.enum(['auto', 'always', 'never']).default('auto'),
    })
    .default({
      connect_timeout_ms: 10_000,
      first_byte_timeout_ms: 60_000,
      idle_timeout_ms: 30_000,
      total_timeout_ms: 600_000,
      label_headers: 'auto',
    }),
  telemetry: z.strictObject({ interval_ms: positiveInt.default(1000) }).default({ interval_ms: 1000 }),
  output: z.strictObject({ dir: z.string().default('results') }).default({ dir: 'results' }),
});

export type ExperimentConfig = z.infer<typeof experimentSchema>;
export type PoolConfig = ExperimentConfig['pools'][number];
export type RouterConfig = ExperimentConfig['router'];

/** Flags of `wrp run` that set a config value, and the value they set. */
export const CONFIG_FLAGS = { requests: ['stop', 'requests'], duration: ['stop', 'duration_s'] } as const;
/** The flags as given on the command line (text: the schema decides what is a number). */
export type ConfigFlags = Partial<Record<keyof typeof CONFIG_FLAGS, string | number>>;

/** `"12"` -> 12; anything not a plain number stays text, so the message can quote it. */
function flagValue(v: string | number): unknown {
  if (typeof v === 'number') return v;
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) ? n : v;
}

/** The raw config with the flags written in (a copy). */
function withFlags(raw: unknown, flags: ConfigFlags): unknown {
  const given = Object.entries(flags).filter(([, v]) => v !== undefined);
  if (given.length === 0 || raw === null || typeof raw !== 'object') return raw;
  const out = structuredClone(raw) as Record<string, unknown>;
  for (const [flag, v] of given) {
    const [section, key] = CONFIG_FLAGS[flag as keyof typeof CONFIG_FLAGS];
    const block = out[section];
    out[section] = { ...(block !== null && typeof block === 'object' ? block : {}), [key]: flagValue(v!) };
  }
  return out;
}

/** Reads and validates an experiment file (and the flags that override it); ConfigError (UsageError for a flag) on any problem. */
export function loadExperiment(file: string, flags: ConfigFlags = {}): ExperimentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [`cannot read: ${(e as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new ConfigError(file, [`invalid YAML: ${(e as Error).message.split('\n')[0]}`]);
  }
  return parseExperiment(raw, file, flags);
}

export function parseExperiment(raw: unknown, file = '<config>', flags: ConfigFlags = {}): ExperimentConfig {
  const merged = withFlags(raw, flags);
  const r = experimentSchema.safeParse(merged);
  if (!r.success) {
    // A problem with a value a flag set is the flag's: name it as the user typed it.
    for (const issue of r.error.issues) {
      const path = formatPath(issue.path);
      for (const [flag, at] of Object.entries(CONFIG_FLAGS)) {
        const given = flags[flag as keyof ConfigFlags];
        if (given !== undefined && path === at.join('.'))
          throw new UsageError(`--${flag}: ${issue.message}, got ${JSON.stringify(String(given))} (it sets ${path})`);
      }
    }
    throw new ConfigError(file, zodProblems(r.error, merged));
  }
  const config = r.data;
  const seen = new Set<string>();
  for (const [i, p] of config.pools.entries()) {
    if (seen.has(p.name))
      throw new ConfigError(file, [`pools[${i}].name: expected a unique pool name, got "${p.name}" twice`]);
    seen.add(p.name);
  }
  const judgePool = config.feedback.llm_judge?.pool;
  if (judgePool !== undefined && !seen.has(judgePool))
    throw new ConfigError(file, [
      `feedback.llm_judge.pool: expected one of the pools ${[...seen].join(', ')}, got "${judgePool}"`,
    ]);
  return config;
}
