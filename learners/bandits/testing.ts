/**
 * Test helpers (no test runner imports): routing contexts and stationary synthetic problems
 * for regret curves. Used by the learners' tests only.
 */
import type { PoolObservation, RoutingContext } from '../../harness/types.ts';
import type { Learner } from '../types.ts';
import { Rng } from '../../core/rng.ts';

export interface CtxInput {
  category?: string;
  archetype?: string;
  text?: string;
  turn?: number;
  tokens?: number;
  pools?: PoolObservation[];
  previousPool?: string;
  id?: string;
  scores?: Record<string, number>;
  costs?: Record<string, number>;
}

export function makeCtx(c: CtxInput = {}): RoutingContext {
  const text = c.text ?? 'What is 2 + 2?';
  return {
    labels: {
      id: c.id ?? 's/0',
      source: 'synthetic',
      category: c.category ?? 'math',
      archetype: c.archetype ?? 'chat',
      sessionId: 's',
      turn: c.turn ?? 0,
      warm: false,
      lengthClass: 'balanced',
      ...(c.scores ? { scores: c.scores } : {}),
      ...(c.costs ? { costs: c.costs } : {}),
    },
    text,
    messages: [{ role: 'user', content: text }],
    promptTokensEstimate: c.tokens ?? Math.ceil(text.length / 4),
    pools: c.pools ?? [],
    ...(c.previousPool ? { previousPool: c.previousPool } : {}),
  };
}

export const ACTIONS = [
  { pool: 'small', model: 'm-small' },
  { pool: 'medium', model: 'm-medium' },
  { pool: 'large', model: 'm-large' },
];

/** A stationary problem: contexts in a fixed seeded order, mean reward per (context, arm). */
export interface Problem {
  context(t: number): RoutingContext;
  /** Expected reward of arm i in this context. */
  mean(ctx: RoutingContext, arm: number): number;
  /** A noisy observed reward. */
  reward(ctx: RoutingContext, arm: number, rng: Rng): number;
}

/** Per-category Bernoulli arms. */
export function bernoulliProblem(means: Record<string, number[]>): Problem {
  const cats = Object.keys(means);
  return {
    context: (t) => makeCtx({ category: cats[t % cats.length]!, id: `s${t}/0` }),
    mean: (ctx, arm) => means[ctx.labels.category]![arm]!,
    reward: (ctx, arm, rng) => (rng.next() < means[ctx.labels.category]![arm]! ? 1 : 0),
  };
}

/** Cumulative pseudo-regret (sum of best mean - chosen mean) after each step. */
export function runRegret(learner: Learner, problem: Problem, steps: number, seed: number, k: number): number[] {
  const rng = new Rng(seed);
  const curve: number[] = [];
  let total = 0;
  for (let t = 0; t < steps; t++) {
    const ctx = problem.context(t);
    const d = learner.choose(ctx);
    const arm = ACTIONS.findIndex((a) => a.pool === d.action);
    let best = -Infinity;
    for (let i = 0; i < k; i++) best = Math.max(best, problem.mean(ctx, i));
    total += best - problem.mean(ctx, arm);
    curve.push(total);
    learner.update(ctx, d.action, problem.reward(ctx, arm, rng));
  }
  return curve;
}

/** Regret added in the first and in the last quarter of the run. */
export function quarterIncrements(curve: number[]): { first: number; last: number } {
  const q = Math.floor(curve.length / 4);
  const n = curve.length;
  return { first: curve[q - 1]!, last: curve[n - 1]! - curve[n - 1 - q]! };
}

const LIN_CATS = ['math', 'code', 'chitchat', 'summarize'];
/** Per-arm intercept by category and slope on ln(1 + tokens) / 10: the best arm flips with length. */
const LIN_BASE = [
  [0.8, 0.7, 0.9, 0.6],
  [0.55, 0.5, 0.6, 0.55],
  [0.25, 0.35, 0.2, 0.3],
];
const LIN_SLOPE = [-0.7, 0, 0.7];

/** Mean reward linear in [bias, category one-hot, ln(1 + tokens) / 10]; Gaussian noise 0.1. */
export function linearProblem(): Problem {
  return {
    context: (t) => {
      const r = new Rng(t * 7919 + 17);
      const tokens = Math.round(Math.exp(Math.log(10) + r.next() * Math.log(1000)));
      return makeCtx({ category: LIN_CATS[r.int(LIN_CATS.length)]!, tokens, text: 'x', id: `s${t}/0` });
    },
    mean: (ctx, arm) =>
      LIN_BASE[arm]![LIN_CATS.indexOf(ctx.labels.category)]! +
      LIN_SLOPE[arm]! * (Math.log1p(ctx.promptTokensEstimate) / 10),
    reward(ctx, arm, rng) {
      return this.mean(ctx, arm) + 0.1 * rng.normal();
    },
  };
}

/** The layout linearProblem is realisable in. */
export const LINEAR_FEATURES = {
  bias: true,
  categories: LIN_CATS,
  archetypes: false,
  length: true,
  turn: false,
  text: false,
} as const;
