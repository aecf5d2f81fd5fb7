/**
 * Who runs in a scenario (PROTOCOL.md "Lineup"): the baselines and the learners, each built
 * fresh for every (scenario, seed) from the scenario, the seed's World and the seed alone.
 *
 * Baselines:
 * - random: uniform over the pools;
 * - static: the per-category rule an operator would write on paper at the start: for each
 *   category of the scenario, the pool with the best mean utility (utility.ts) over the
 *   World's requests of that category, at the initial pools and prices, no load, no cache;
 * - best_single: the one pool with the best mean utility over all the World's requests, same terms;
 * - oracle: per request, the candidate with the best utility at that decision (regret 0 by
 *   definition; it knows P(good) and prices, not the load).
 * Learners: the registry's learners (learners/registry.ts) with the hyperparameters below; a
 * scenario may list others as router blocks ({name, type, ...}). `poolAware`: the learner's
 * features include the pools' load (the neural learner appends it by default; linucb_pool has
 * a pool_state block); the congestion verdict compares those with the others.
 */
import { ConfigError } from '../../core/errors.ts';
import { builtinQualityTable, promptKeyOf } from '../../harness/pool/sim/quality.ts';
import type { Decision, RoutingContext } from '../../harness/types.ts';
import { deriveSeed } from '../../core/rng.ts';
import type { Action } from '../bandits/base.ts';
import { RandomLearner, StaticLearner } from '../baselines.ts';
import { LEARNERS } from '../registry.ts';
import { MultiTurnPolicy } from '../rl/multiturn-policy.ts';
import { withCategories } from '../train/dataset-context.ts';
import { PoolConditions, requestCost } from './conditions.ts';
import type { EnvView, ProtocolPolicy } from './environment.ts';
import type { LearnerRef, Scenario } from './scenario.ts';
import { bestOf, expectedUtility } from './utility.ts';
import type { World } from './world.ts';

export interface LineupContext {
  scenario: Scenario;
  world: World;
  seed: number;
  view: EnvView;
}

export interface LineupEntry {
  name: string;
  kind: 'baseline' | 'learner';
  /** Sees the pools' load in its features. */
  poolAware: boolean;
  /** Needs tfjs started (await initTf()) before make. */
  needsTf: boolean;
  make(c: LineupContext): ProtocolPolicy;
}

type Spec = Record<string, unknown>;

/** The default lineup, in report order. */
export const DEFAULT_LINEUP = [
  'random',
  'static',
  'best_single',
  'oracle',
  'epsilon_greedy',
  'ucb1',
  'beta_thompson',
  'linucb',
  'lin_thompson',
  'linucb_pool',
  'neural',
] as const;

/** Registry learners of the catalog: type and router block (features without the hashed text: d stays small). */
const REGISTRY_ENTRIES: Record<string, { type: string; spec: Spec; poolAware: boolean }> = {
  epsilon_greedy: { type: 'epsilon_greedy', spec: {}, poolAware: false },
  ucb1: { type: 'ucb1', spec: {}, poolAware: false },
  beta_thompson: { type: 'beta_thompson', spec: {}, poolAware: false },
  linucb: { type: 'linucb', spec: { features: { text: false } }, poolAware: false },
  lin_thompson: { type: 'lin_thompson', spec: { features: { text: false } }, poolAware: false },
  linucb_pool: { type: 'linucb', spec: { features: { text: false, pool_state: true } }, poolAware: true },
  neural: { type: 'neural', spec: { features: { text: false } }, poolAware: true },
};

const actionsOf = (s: Scenario): Action[] => s.pools.map((p) => ({ pool: p.name, model: p.model }));
/** Learners draw from their own stream, never the World's (PROTOCOL.md "Pairing"). */
const learnerSeed = (seed: number) => deriveSeed(seed, 'learner');

function registryEntry(name: string, type: string, spec: Spec, poolAware: boolean, where: string): LineupEntry {
  const entry = LEARNERS[type];
  if (!entry)
    throw new ConfigError(where, [`"${name}" has type "${type}"; expected one of ${Object.keys(LEARNERS).join(', ')}`]);
  return {
    name,
    kind: 'learner',
    poolAware,
    needsTf: type === 'neural',
    make: ({ scenario, world, seed }) => {
      const actions = actionsOf(scenario);
      return entry.create(
        { type, ...withCategories(entry, spec, world.categories) },
        { pools: actions.map((a) => a.pool), seed: learnerSeed(seed), file: scenario.file, actions },
      );
    },
  };
}

const QUALITY = builtinQualityTable();

/** Mean utility of each initial pool over the World's requests, overall and per category (on paper). */
export function onPaper(scenario: Scenario, world: World): { overall: number[]; byCategory: Map<string, number[]> } {
  const cond = new PoolConditions(scenario);
  const at0 = scenario.pools.map((p) => cond.at(p.name, 0));
  const sums = new Map<string, { n: number; s: number[] }>();
  const overall = { n: 0, s: scenario.pools.map(() => 0) };
  for (const session of world.sessions)
    for (const turn of session.turns) {
      const key = turn.labels.promptId ?? promptKeyOf(turn.text);
      const mu = scenario.pools.map((p, i) =>
        at0[i]!.eligible
          ? expectedUtility(
              scenario.reward,
              QUALITY.probabilityGood(p.sim.model, turn.labels.category, key),
              requestCost(at0[i]!.pricing, turn.promptTokens, 0, turn.outputTokens),
            )
          : NaN,
      );
      const c = sums.get(turn.labels.category) ?? { n: 0, s: scenario.pools.map(() => 0) };
      for (const acc of [c, overall]) {
        acc.n++;
        mu.forEach((v, i) => (acc.s[i]! += v));
      }
      sums.set(turn.labels.category, c);
    }
  const means = (a: { n: number; s: number[] }) => a.s.map((v) => v / Math.max(1, a.n));
  return { overall: means(overall), byCategory: new Map([...sums].map(([k, v]) => [k, means(v)])) };
}

/** Per request, the candidate with the best utility now. */
class OraclePolicy implements ProtocolPolicy {
  readonly name = 'oracle';
  constructor(
    private readonly view: EnvView,
    private readonly actions: Action[],
  ) {}
  scores(ctx: RoutingContext): number[] {
    return this.view.utilities(ctx).map((v) => (Number.isNaN(v) ? -Infinity : v));
  }
  choose(ctx: RoutingContext): Decision {
    return { action: this.actions[bestOf(this.view.utilities(ctx)).index]!.pool, propensity: 1 };
  }
  update(): void {}
}

const BASELINES: Record<string, (c: LineupContext) => ProtocolPolicy> = {
  random: ({ scenario, seed }) => new RandomLearner(actionsOf(scenario), learnerSeed(seed)),
  static: ({ scenario, world }) => {
    const paper = onPaper(scenario, world);
    const names = scenario.pools.map((p) => p.name);
    const map = Object.fromEntries([...paper.byCategory].map(([c, mu]) => [c, names[bestOf(mu).index]!]));
    return new StaticLearner(actionsOf(scenario), map, names[bestOf(paper.overall).index]!);
  },
  best_single: ({ scenario, world }) => {
    const names = scenario.pools.map((p) => p.name);
    return new StaticLearner(actionsOf(scenario), {}, names[bestOf(onPaper(scenario, world).overall).index]!);
  },
  oracle: ({ scenario, view }) => new OraclePolicy(view, actionsOf(scenario)),
};

/** The catalog entry for a name or a scenario's router block; `where` names it in errors (`x.yaml: learners[2]`, `--learners`). */
export function lineupEntry(ref: LearnerRef, where = 'learners'): LineupEntry {
  if (typeof ref !== 'string') {
    const { name, type, ...spec } = ref;
    const features = (spec.features ?? {}) as Spec;
    return registryEntry(name, type, spec, type === 'neural' || Boolean(features.pool_state), where);
  }
  const baseline = BASELINES[ref];
  if (baseline) return { name: ref, kind: 'baseline', poolAware: false, needsTf: false, make: baseline };
  const r = REGISTRY_ENTRIES[ref];
  if (r) return registryEntry(ref, r.type, r.spec, r.poolAware, where);
  if (ref === 'multiturn')
    return {
      name: ref,
      kind: 'learner',
      poolAware: false,
      needsTf: false,
      make: ({ scenario, seed }) => new MultiTurnPolicy({ actions: actionsOf(scenario), seed: learnerSeed(seed) }),
    };
  throw new ConfigError(where, [
    `unknown learner "${ref}"; expected one of ${[...DEFAULT_LINEUP, 'multiturn'].join(', ')} or a router block {name, type, ...}`,
  ]);
}

export function lineupOf(scenario: Scenario): LineupEntry[] {
  return (scenario.learners ?? [...DEFAULT_LINEUP]).map((ref, i) =>
    lineupEntry(ref, `${scenario.file}: learners[${i}]`),
  );
}

/** A scenario's lineup, or only the entries named by `only` (`--learners`), in that order. */
export function lineupWith(scenario: Scenario, only: string[] | undefined): LineupEntry[] {
  const all = lineupOf(scenario);
  if (!only) return all;
  return only.map((name) => all.find((e) => e.name === name) ?? lineupEntry(name, '--learners'));
}
