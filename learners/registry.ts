/**
 * The learner registry: router `type` -> how to build a learner from the experiment's
 * `router:` block (zod-validated; errors name `router.<key>`) and how to load one from
 * policy.json. learnerPolicyFactories() plugs them into `wrp run`, plus `policy_file`, which
 * runs a saved policy (optionally frozen). The cascades (rl/cascade-entry.ts) load here too,
 * but their factories refuse `wrp run`: a cascade may make several calls per request.
 */
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { checkActions, type PolicyBuildContext, type PolicyFactory } from '../harness/router/policies.ts';
import { parseOrThrow } from '../core/validate.ts';
import type { Decision, RoutingContext } from '../harness/types.ts';
import type { Action } from './bandits/base.ts';
import { BetaThompson, betaThompsonHyperSchema, qualitySeedsSchema } from './bandits/beta-thompson.ts';
import { EpsilonGreedy, epsilonGreedyHyperSchema } from './bandits/epsilon-greedy.ts';
import { LinThompson, linThompsonHyperSchema } from './bandits/lin-thompson.ts';
import { LinUcb, linucbHyperSchema } from './bandits/linucb.ts';
import { Ucb1, ucb1HyperSchema } from './bandits/ucb1.ts';
import {
  BestSingleLearner,
  OracleLearner,
  oracleModelsSchema,
  RandomLearner,
  RoundRobinLearner,
  StaticLearner,
} from './baselines.ts';
import type { FeaturizerOptions } from './features/featurizer.ts';
import { buildLayout, featureSpecSchema, type FeatureSpec } from './features/spec.ts';
import { isReplayLearner, ONE_CALL_PER_REQUEST, REPLAY_LEARNERS } from './rl/cascade-entry.ts';
import { NEURAL_ENTRY } from './rl/neural-entry.ts';
import type { FeatureLayout, Learner, PolicyFile } from './types.ts';
import { SignalRoutedLearner } from './export/routed-learner.ts';
import { KnnPolicy, knnHyperSchema } from './export/knn-policy.ts';
import { loadSignalMap, parseSignalMap, SignalRouter } from './export/signal-map.ts';
import { ConfigError } from '../core/errors.ts';
import { loadPolicyFile } from './policy-file.ts';

export interface LearnerBuildContext extends PolicyBuildContext {
  /** The learner's actions (a subset of ctx.pools), with the model each pool serves. */
  actions: Action[];
}

export interface LearnerEntry {
  /** Schema of the `router:` block for this learner. */
  schema: z.ZodType;
  create(spec: Record<string, unknown>, ctx: LearnerBuildContext): Learner;
  load(file: PolicyFile, source?: string): Learner;
}

/** Keys every learner's router block accepts besides its hyperparameters. */
const common = {
  /** Pools this learner routes over (default: every pool of the experiment). */
  actions: z.array(z.string().min(1)).min(1).optional(),
  /** RNG seed (default: the experiment's seed). */
  seed: z.number().int().optional(),
  /**
   * Decide on the categories vLLM Semantic Router computes from the request text: a signal
   * map file (relative to the experiment) or builtin:NAME (learners/export/signal-map.ts).
   */
  signals: z.string().min(1).optional(),
};
const features = featureSpecSchema.prefault({});

const schemas = {
  epsilon_greedy: epsilonGreedyHyperSchema.extend({ type: z.literal('epsilon_greedy'), ...common }),
  ucb1: ucb1HyperSchema.extend({ type: z.literal('ucb1'), ...common }),
  beta_thompson: betaThompsonHyperSchema.extend({
    type: z.literal('beta_thompson'),
    quality_seeds: qualitySeedsSchema.default({}),
    ...common,
  }),
  linucb: linucbHyperSchema.extend({ type: z.literal('linucb'), features, ...common }),
  lin_thompson: linThompsonHyperSchema.extend({ type: z.literal('lin_thompson'), features, ...common }),
  static: z.strictObject({
    type: z.literal('static'),
    map: z.record(z.string(), z.string()).default({}),
    default: z.string().min(1),
    ...common,
  }),
  random: z.strictObject({ type: z.literal('random'), ...common }),
  round_robin: z.strictObject({ type: z.literal('round_robin'), ...common }),
  best_single: z.strictObject({ type: z.literal('best_single'), ...common }),
  oracle: z.strictObject({ type: z.literal('oracle'), models: oracleModelsSchema.default({}), ...common }),
  knn: knnHyperSchema.extend({ type: z.literal('knn'), features, ...common }),
};

/** Validates the block; `seed` falls back to the experiment's. */
function parse<S extends z.ZodType>(
  schema: S,
  spec: Record<string, unknown>,
  ctx: LearnerBuildContext,
): z.infer<S> & { seed: number } {
  const s = parseOrThrow(schema, spec, ctx.file, ['router']) as z.infer<S> & { seed?: number };
  return { ...s, seed: s.seed ?? ctx.seed };
}

/** Pools a block names (map values, seed keys, ...) must be among the learner's actions. */
function checkNamed(pools: Iterable<string>, ctx: LearnerBuildContext, where: string): void {
  checkActions(pools, { ...ctx, pools: ctx.actions.map((a) => a.pool) }, where);
}

function linearSetup(
  features: FeatureSpec,
  ctx: LearnerBuildContext,
): { layout: FeatureLayout; fopts: FeaturizerOptions } {
  const layout = buildLayout(
    features,
    ctx.actions.map((a) => a.pool),
  );
  const endpoint = features.embedding || features.router;
  return { layout, fopts: endpoint ? { embedding: endpoint } : {} };
}

/** Just the hyperparameters of a parsed block (what the learner stores in policy.json). */
const only = <S extends z.ZodObject>(schema: S, parsed: object): z.infer<S> =>
  z.object(schema.shape).parse(parsed) as z.infer<S>;

export const LEARNERS: Record<string, LearnerEntry> = {
  neural: NEURAL_ENTRY,
  epsilon_greedy: {
    schema: schemas.epsilon_greedy,
    create: (spec, ctx) =>
      new EpsilonGreedy(ctx.actions, only(epsilonGreedyHyperSchema, parse(schemas.epsilon_greedy, spec, ctx))),
    load: (f, src) => EpsilonGreedy.load(f, src),
  },
  ucb1: {
    schema: schemas.ucb1,
    create: (spec, ctx) => new Ucb1(ctx.actions, only(ucb1HyperSchema, parse(schemas.ucb1, spec, ctx))),
    load: (f, src) => Ucb1.load(f, src),
  },
  beta_thompson: {
    schema: schemas.beta_thompson,
    create: (spec, ctx) => {
      const s = parse(schemas.beta_thompson, spec, ctx);
      Object.entries(s.quality_seeds).forEach(([key, bySeed]) =>
        checkNamed(Object.keys(bySeed), ctx, `router.quality_seeds.${key}`),
      );
      return new BetaThompson(ctx.actions, only(betaThompsonHyperSchema, s), s.quality_seeds);
    },
    load: (f, src) => BetaThompson.load(f, src),
  },
  linucb: {
    schema: schemas.linucb,
    create: (spec, ctx) => {
      const s = parse(schemas.linucb, spec, ctx);
      const { layout, fopts } = linearSetup(s.features, ctx);
      return new LinUcb(ctx.actions, layout, only(linucbHyperSchema, s), fopts);
    },
    load: (f, src) => LinUcb.load(f, src),
  },
  lin_thompson: {
    schema: schemas.lin_thompson,
    create: (spec, ctx) => {
      const s = parse(schemas.lin_thompson, spec, ctx);
      const { layout, fopts } = linearSetup(s.features, ctx);
      return new LinThompson(ctx.actions, layout, only(linThompsonHyperSchema, s), fopts);
    },
    load: (f, src) => LinThompson.load(f, src),
  },
  knn: {
    schema: schemas.knn,
    create: (spec, ctx) => {
      const s = parse(schemas.knn, spec, ctx);
      const { layout, fopts } = linearSetup(s.features, ctx);
      return new KnnPolicy(ctx.actions, layout, only(knnHyperSchema, s), fopts);
    },
    load: (f, src) => KnnPolicy.load(f, src),
  },
  static: {
    schema: schemas.static,
    create: (spec, ctx) => {
      const s = parse(schemas.static, spec, ctx);
      checkNamed(Object.values(s.map), ctx, 'router.map');
      checkNamed([s.default], ctx, 'router.default');
      return new StaticLearner(ctx.actions, s.map, s.default);
    },
    load: (f, src) => StaticLearner.load(f, src),
  },
  random: {
    schema: schemas.random,
    create: (spec, ctx) => new RandomLearner(ctx.actions, parse(schemas.random, spec, ctx).seed),
    load: (f, src) => RandomLearner.load(f, src),
  },
  round_robin: {
    schema: schemas.round_robin,
    create: (spec, ctx) => (parse(schemas.round_robin, spec, ctx), new RoundRobinLearner(ctx.actions)),
    load: (f, src) => RoundRobinLearner.load(f, src),
  },
  best_single: {
    schema: schemas.best_single,
    create: (spec, ctx) => (parse(schemas.best_single, spec, ctx), new BestSingleLearner(ctx.actions)),
    load: (f, src) => BestSingleLearner.load(f, src),
  },
  oracle: {
    schema: schemas.oracle,
    create: (spec, ctx) => {
      const s = parse(schemas.oracle, spec, ctx);
      checkNamed(Object.keys(s.models), ctx, 'router.models');
      return new OracleLearner(ctx.actions, s.models);
    },
    load: (f, src) => OracleLearner.load(f, src),
  },
};

/** Every learner `wrp train` knows: the one-call learners, then the cascades (offline only). */
export const TRAINABLE = [...Object.keys(LEARNERS), ...Object.keys(REPLAY_LEARNERS)];

/** Rebuilds the learner a policy file describes (a cascade too: wrp eval replays it). */
export function loadLearner(file: PolicyFile, source = 'policy.json'): Learner {
  const entry = LEARNERS[file.learner] ?? (isReplayLearner(file.learner) ? REPLAY_LEARNERS[file.learner] : undefined);
  if (!entry)
    throw new ConfigError(source, [`learner: expected one of ${TRAINABLE.join(', ')}, got "${file.learner}"`]);
  const learner = entry.load(file, source);
  // A policy trained on signal-map categories keeps deciding on them (learners/export/signal-map.ts).
  if (file.signals === undefined || isReplayLearner(file.learner)) return learner;
  return new SignalRoutedLearner(learner, new SignalRouter(parseSignalMap(file.signals, source)));
}

/** A loaded policy that acts but no longer learns (evaluation runs). */
export class FrozenLearner implements Learner {
  readonly name: string;
  constructor(private readonly inner: Learner) {
    this.name = `${inner.name}-frozen`;
  }
  prepare(ctx: RoutingContext): Promise<void> {
    return this.inner.prepare?.(ctx) ?? Promise.resolve();
  }
  choose(ctx: RoutingContext): Decision {
    return this.inner.choose(ctx);
  }
  update(): void {}
  scores(ctx: RoutingContext): number[] {
    if (!this.inner.scores) throw new Error(`${this.inner.name} has no scores()`);
    return this.inner.scores(ctx);
  }
  save(): PolicyFile {
    return this.inner.save();
  }
}

const policyFileSpec = z.strictObject({
  type: z.literal('policy_file'),
  /** policy.json, relative to the experiment file. */
  path: z.string().min(1),
  /** Act without learning. */
  freeze: z.boolean().default(false),
});

/**
 * Factories for `wrp run`. Actions name pools; their model comes from ctx.models (when the
 * harness passes one, aligned with ctx.pools), else `poolModels`, else the pool name.
 */
export function learnerPolicyFactories(poolModels: Record<string, string> = {}): Record<string, PolicyFactory> {
  const out: Record<string, PolicyFactory> = {};
  for (const [type, entry] of Object.entries(LEARNERS)) {
    out[type] = (spec, ctx) => {
      const listed = parseOrThrow(z.looseObject({ actions: common.actions }), spec, ctx.file, ['router']).actions;
      if (listed) checkActions(listed, ctx, 'router.actions');
      const given = (ctx as PolicyBuildContext & { models?: unknown }).models;
      const models = Array.isArray(given) ? (given as string[]) : undefined;
      const modelOf = (pool: string) => models?.[ctx.pools.indexOf(pool)] ?? poolModels[pool] ?? pool;
      const learner = entry.create(spec, {
        ...ctx,
        actions: (listed ?? ctx.pools).map((pool) => ({ pool, model: modelOf(pool) })),
      });
      const signals = typeof spec.signals === 'string' ? spec.signals : undefined;
      if (signals === undefined) return learner;
      const where = signals.startsWith('builtin:') ? signals : resolve(dirname(ctx.file), signals);
      return new SignalRoutedLearner(learner, new SignalRouter(loadSignalMap(where)));
    };
  }
  for (const type of Object.keys(REPLAY_LEARNERS)) {
    out[type] = (_spec, ctx) => {
      throw new ConfigError(ctx.file, [`router.type: ${type}: ${ONE_CALL_PER_REQUEST}`]);
    };
  }
  out.policy_file = (spec, ctx) => {
    const s = parseOrThrow(policyFileSpec, spec, ctx.file, ['router']);
    const path = resolve(dirname(ctx.file), s.path);
    const file = loadPolicyFile(path);
    if (isReplayLearner(file.learner))
      throw new ConfigError(ctx.file, [`router.path (${s.path}): a ${file.learner} policy: ${ONE_CALL_PER_REQUEST}`]);
    checkActions(
      file.actions.map((a) => a.pool),
      ctx,
      `router.path (${s.path}): actions`,
    );
    const learner = loadLearner(file, path);
    return s.freeze ? new FrozenLearner(learner) : learner;
  };
  return out;
}
