/**
 * Multi-turn routing: stay on the pool that served the previous turn (its prefix cache holds
 * the conversation) or switch and pay for re-prefilling it. One Thompson-sampling bandit per
 * (category, previous pool) over the pools ("stay" is the previous pool's arm). Each arm is a
 * Bayesian linear model reward = base + slope * s, with s = re-prefilled tokens / 1000 when
 * the arm switches away (ctx.promptTokensEstimate) and 0 when it stays; the slope's prior is
 * -switchCostPer1k, so a fresh cell already prefers staying on long conversations, and the
 * data then say how much a switch really costs at that length.
 */
import type { Decision, RoutingContext } from '../../harness/types.ts';
import type { Learner, PolicyFile } from '../types.ts';
import { argmax } from './sampling.ts';
import { z } from 'zod';
import { Rng, rngStateSchema } from '../../core/rng.ts';
import { PolicyFileError } from '../../core/errors.ts';
import { parsePolicyPart, POLICY_FILE_VERSION } from '../policy-file.ts';

export interface MultiTurnOptions {
  actions: { pool: string; model: string }[];
  /** Prior mean switching cost, reward units per 1k re-prefilled tokens. */
  switchCostPer1k?: number;
  /** Prior sd of that cost. */
  switchCostSd?: number;
  /** Prior sd of an arm's base reward (prior mean 0). */
  baseSd?: number;
  /** Reward noise sd assumed by the posterior. */
  noiseSd?: number;
  /** false: act on posterior means (propensity 1). */
  explore?: boolean;
  /** Extra posterior draws used to estimate a Thompson decision's propensity. */
  propensitySamples?: number;
  seed?: number;
  name?: string;
}

/** Natural parameters of a 2-d Gaussian posterior: precision [p00, p01, p11] and precision * mean. */
interface Arm {
  p: [number, number, number];
  h: [number, number];
  n: number;
}

interface Cell {
  category: string;
  previous: string;
  arms: Arm[];
}

type Hp = Required<Omit<MultiTurnOptions, 'actions' | 'name'>>;

const hpSchema = z.object({
  switchCostPer1k: z.number(),
  switchCostSd: z.number().positive(),
  baseSd: z.number().positive(),
  noiseSd: z.number().positive(),
  explore: z.boolean(),
  propensitySamples: z.number().int().positive(),
  seed: z.number().int(),
}) satisfies z.ZodType<Hp>;

const paramsSchema = z.object({
  name: z.string(),
  rng: rngStateSchema,
  cells: z.array(
    z.strictObject({
      category: z.string(),
      previous: z.string(),
      arms: z.array(
        z.strictObject({
          p: z.tuple([z.number(), z.number(), z.number()]),
          h: z.tuple([z.number(), z.number()]),
          n: z.number().int().min(0),
        }),
      ),
    }),
  ),
}) satisfies z.ZodType<{ name: string; cells: Cell[] }>;

const DEFAULTS: Hp = {
  switchCostPer1k: 0.05,
  switchCostSd: 0.05,
  baseSd: 1,
  noiseSd: 0.2,
  explore: true,
  propensitySamples: 64,
  seed: 1,
};

export class MultiTurnPolicy implements Learner {
  readonly name: string;
  readonly actions: { pool: string; model: string }[];
  readonly hp: Hp;
  private rng: Rng;
  private readonly cells = new Map<string, Cell>();
  /** turns: decisions with a previous pool; unnecessary: switches the posterior means say staying would have beaten. */
  readonly counters = { updates: 0, turnsWithPrevious: 0, switches: 0, unnecessarySwitches: 0 };

  constructor(opts: MultiTurnOptions) {
    if (opts.actions.length < 2) throw new Error('multi-turn routing needs at least two pools');
    this.name = opts.name ?? 'multiturn';
    this.actions = opts.actions.map((a) => ({ ...a }));
    const hp: Hp = { ...DEFAULTS };
    for (const key of Object.keys(DEFAULTS) as (keyof Hp)[])
      if (opts[key] !== undefined) Object.assign(hp, { [key]: opts[key] });
    this.hp = hp;
    this.rng = new Rng(hp.seed);
  }

  /** The previous pool when it is one of ours ('' on a first turn or an unknown pool). */
  private previous(ctx: RoutingContext): string {
    const p = ctx.previousPool;
    return p !== undefined && this.actions.some((a) => a.pool === p) ? p : '';
  }

  private cell(ctx: RoutingContext): Cell {
    const previous = this.previous(ctx);
    const key = `${ctx.labels.category}\u0000${previous}`;
    let c = this.cells.get(key);
    if (!c) {
      const pb = 1 / this.hp.baseSd ** 2;
      const ps = 1 / this.hp.switchCostSd ** 2;
      c = {
        category: ctx.labels.category,
        previous,
        arms: this.actions.map(() => ({ p: [pb, 0, ps], h: [0, -this.hp.switchCostPer1k * ps], n: 0 })),
      };
      this.cells.set(key, c);
    }
    return c;
  }

  /** Re-prefilled kilotokens per arm: the whole conversation when switching away, else 0. */
  private switchLoad(ctx: RoutingContext, previous: string): number[] {
    return this.actions.map((a) => (previous !== '' && a.pool !== previous ? ctx.promptTokensEstimate / 1000 : 0));
  }

  private static mean(arm: Arm): [number, number] {
    const [a, b, d] = arm.p;
    const det = a * d - b * b;
    return [(d * arm.h[0] - b * arm.h[1]) / det, (a * arm.h[1] - b * arm.h[0]) / det];
  }

  /** One posterior draw of (base, slope): mean + chol(P^-1) z. */
  private draw(arm: Arm): [number, number] {
    const [a, b, d] = arm.p;
    const det = a * d - b * b;
    const [c00, c01, c11] = [d / det, -b / det, a / det]; // covariance = P^-1
    const l00 = Math.sqrt(c00);
    const l10 = c01 / l00;
    const l11 = Math.sqrt(Math.max(c11 - l10 * l10, 0));
    const [m0, m1] = MultiTurnPolicy.mean(arm);
    const z0 = this.rng.normal();
    const z1 = this.rng.normal();
    return [m0 + l00 * z0, m1 + l10 * z0 + l11 * z1];
  }

  private sampledValues(cell: Cell, s: number[]): number[] {
    return cell.arms.map((arm, i) => {
      const [b0, b1] = this.draw(arm);
      return b0 + b1 * s[i]!;
    });
  }

  /** Posterior-mean reward of each pool for this turn, switching cost included. */
  scores(ctx: RoutingContext): number[] {
    const cell = this.cell(ctx);
    const s = this.switchLoad(ctx, cell.previous);
    return cell.arms.map((arm, i) => {
      const [b0, b1] = MultiTurnPolicy.mean(arm);
      return b0 + b1 * s[i]!;
    });
  }

  choose(ctx: RoutingContext): Decision {
    if (!this.hp.explore) return { action: this.actions[argmax(this.scores(ctx))]!.pool, propensity: 1 };
    const cell = this.cell(ctx);
    const s = this.switchLoad(ctx, cell.previous);
    const a = argmax(this.sampledValues(cell, s));
    // Thompson sampling has no closed-form propensity: estimate it from more draws (add-one smoothed, never 0).
    let wins = 1;
    for (let k = 0; k < this.hp.propensitySamples; k++) if (argmax(this.sampledValues(cell, s)) === a) wins++;
    return { action: this.actions[a]!.pool, propensity: wins / (this.hp.propensitySamples + 1) };
  }

  update(ctx: RoutingContext, action: string, reward: number): void {
    const i = this.actions.findIndex((a) => a.pool === action);
    if (i < 0 || !Number.isFinite(reward)) return;
    const cell = this.cell(ctx);
    const s = this.switchLoad(ctx, cell.previous)[i]!;
    const arm = cell.arms[i]!;
    const w = 1 / this.hp.noiseSd ** 2;
    arm.p = [arm.p[0] + w, arm.p[1] + w * s, arm.p[2] + w * s * s];
    arm.h = [arm.h[0] + w * reward, arm.h[1] + w * s * reward];
    arm.n++;
    this.counters.updates++;
    if (cell.previous === '') return;
    this.counters.turnsWithPrevious++;
    if (action === cell.previous) return;
    this.counters.switches++;
    const stay = cell.arms[this.actions.findIndex((a) => a.pool === cell.previous)]!;
    const [m0, m1] = MultiTurnPolicy.mean(arm);
    if (MultiTurnPolicy.mean(stay)[0] >= m0 + m1 * s) this.counters.unnecessarySwitches++;
  }

  /** Switches per turn that had a previous pool, and the unnecessary share of switches. */
  rates(): { switchRate: number; unnecessarySwitchRate: number } {
    const c = this.counters;
    return {
      switchRate: c.turnsWithPrevious ? c.switches / c.turnsWithPrevious : 0,
      unnecessarySwitchRate: c.switches ? c.unnecessarySwitches / c.switches : 0,
    };
  }

  save(): PolicyFile {
    const cats = [...new Set([...this.cells.values()].map((c) => c.category))].sort();
    return {
      version: POLICY_FILE_VERSION,
      learner: 'multiturn',
      hyperparameters: { ...this.hp },
      // + the "other" slot, as every layout (the envelope checks it on load).
      features: { blocks: [{ kind: 'category_onehot', categories: cats, dim: cats.length + 1 }], dim: cats.length + 1 },
      actions: this.actions.map((a) => ({ ...a })),
      parameters: { name: this.name, rng: this.rng.state(), cells: [...this.cells.values()] },
      training: { ...this.counters, ...this.rates() },
    };
  }

  /** Rebuilds a saved policy; every field is checked first (PolicyFileError naming `source` and the field). */
  static load(file: PolicyFile, source = 'policy.json'): MultiTurnPolicy {
    if (file.learner !== 'multiturn')
      throw new PolicyFileError(source, `learner: expected multiturn, got ${file.learner}`);
    const hp = parsePolicyPart(hpSchema, file.hyperparameters, source, 'hyperparameters');
    const p = parsePolicyPart(paramsSchema, file.parameters, source, 'parameters');
    const pools = new Set(file.actions.map((a) => a.pool));
    p.cells.forEach((c, i) => {
      if (c.arms.length !== file.actions.length || !pools.has(c.previous))
        throw new PolicyFileError(
          source,
          `parameters.cells[${i}]: expected ${file.actions.length} arms and a previous pool among the actions, got ${c.arms.length} arms after "${c.previous}"`,
        );
    });
    const policy = new MultiTurnPolicy({ ...hp, actions: file.actions, name: p.name });
    policy.rng = Rng.fromState(p.rng);
    for (const c of p.cells) policy.cells.set(`${c.category}\u0000${c.previous}`, structuredClone(c));
    const t = file.training as Partial<MultiTurnPolicy['counters']>;
    for (const key of Object.keys(policy.counters) as (keyof MultiTurnPolicy['counters'])[])
      if (typeof t[key] === 'number') policy.counters[key] = t[key];
    return policy;
  }
}
