/**
 * Response-aware cascade (FrugalGPT / AutoMix style): models ordered small -> large; every
 * request is answered by level 0 first, and after each answer the policy reads it (option
 * letter, clean letter or not, among the question's options, hedging, length, hashed
 * n-grams; answer-features.ts) together with the answers of optional cheap "peer" models
 * called alongside level 0 (answer consistency), and accepts it or escalates to the next
 * level. Every model called, peers included, is paid for.
 *
 * Learned per level i below the last, from quality feedback, on the answer vector x:
 * - accept_i: quality of level i's answer (updated when the answer was served; with
 *   `feedback: 'called'` also when it was escalated and graded anyway);
 * - escalate_i: quality finally served after escalating from i (updated when it escalated).
 * Both are Bayesian ridge regressions. Accept iff accept_i(x) >= escalate_i(x) - lambda *
 * cost_{i+1} / max cost, lambda = w / (1 - w). Only the served answer's quality is needed:
 * the accept side keeps learning through Thompson draws (width v) and a probe share where
 * the action is drawn at random (exact propensity given the draw), without which an answer
 * kind once written off would never be accepted, and so never observed, again.
 *
 * escalationValue() = escalate_i(x) - accept_i(x) (posterior means) ranks requests for the
 * two-model PGR curve: a threshold on it sets the share sent to the strong model.
 */
import { z } from 'zod';
import type { Decision, RoutingContext } from '../../harness/types.ts';
import type { Learner, PolicyFile } from '../types.ts';
import {
  answerDim,
  answerSignals,
  answerVector,
  questionOptions,
  type AnswerLayout,
  type AnswerSignals,
  type QuestionOptions,
} from './answer-features.ts';
import { BayesRidge, type BayesRidgeState } from './bayes-ridge.ts';
import type { CascadeAction, CascadeLevel } from './cascade-types.ts';
import { Rng, rngStateSchema } from '../../core/rng.ts';
import { POLICY_FILE_VERSION, parsePolicyPart } from '../policy-file.ts';
import { PolicyFileError } from '../../core/errors.ts';

export interface ResponseCascadeOptions {
  /** Ordered small -> large; each level's `costPerCall` is required (any unit shared by all). */
  levels: CascadeLevel[];
  /** Cheap models called with level 0 whose answers are features only (never served). */
  peers?: CascadeLevel[];
  /** Categories with their own weights (others share an "other" slot). */
  categories: string[];
  /** w in [0, 1): weight of cost against quality. 0 (default): quality only. */
  costQualityTradeoff?: number;
  /** Hashed n-grams of the answer text (0: none). */
  hashDim?: number;
  /** Ridge prior precision. */
  lambda?: number;
  /** Thompson width while exploring (0: posterior means). */
  v?: number;
  /** Exploring: share of decisions drawn at random between accept and escalate. */
  probeRate?: number;
  /** Exploring (false: posterior means, no probes: what evaluation uses). */
  explore?: boolean;
  /**
   * What quality feedback arrives: `served` (default): the served answer's grade only;
   * `inferred`: that grade, plus what it implies for an escalated letter answer (served
   * answer right: the escalated one was right iff it gave the same letter; served answer
   * wrong and the same letter: wrong too); `called`: every called answer is graded.
   */
  feedback?: CascadeFeedback;
  seed?: number;
  name?: string;
  /**
   * Operating point (set from a budget, learners/train/cascade-budget.ts): not exploring, an
   * answer is escalated iff its escalation value exceeds this (instead of the cost trade-off).
   */
  escalationThreshold?: number;
}

/** One request as the cascade sees it. */
export interface CascadeQuery {
  id: string;
  category: string;
  /** The prompt (its options are read from the question it ends with). */
  prompt: string;
}

export type CascadeFeedback = 'served' | 'inferred' | 'called';

interface Pending {
  options: QuestionOptions;
  /** Per level that decided: its vector, action and the letter its answer gave. */
  steps: { level: number; x: number[]; action: CascadeAction; letter?: string }[];
}

const ridgeState = z.strictObject({
  dim: z.number().int().min(1),
  r: z.array(z.number()),
  f: z.array(z.number()),
  n: z.number().int().min(0),
});
const paramsSchema = z.strictObject({
  name: z.string(),
  rng: rngStateSchema,
  accept: z.array(ridgeState),
  escalate: z.array(ridgeState),
});
const hyperSchema = z.looseObject({
  categories: z.array(z.string()),
  peerPools: z.array(z.string()),
  peerModels: z.array(z.string()),
  peerCosts: z.array(z.number()),
  levelCosts: z.array(z.number()),
  costQualityTradeoff: z.number().min(0).lt(1),
  hashDim: z.number().int().min(0),
  lambda: z.number().positive(),
  v: z.number().min(0),
  probeRate: z.number().min(0).max(1),
  explore: z.boolean(),
  feedback: z.enum(['served', 'inferred', 'called']),
  seed: z.number().int(),
  escalationThreshold: z.number().optional(),
});

/** Pending decisions kept for later feedback (oldest dropped first). */
const MAX_PENDING = 50_000;

export class ResponseCascadePolicy implements Learner {
  readonly name: string;
  readonly levels: CascadeLevel[];
  readonly peers: CascadeLevel[];
  readonly layout: AnswerLayout;
  private readonly opts: Required<
    Omit<ResponseCascadeOptions, 'levels' | 'peers' | 'categories' | 'name' | 'escalationThreshold'>
  >;
  /** The budget's operating point, when set (used only when not exploring). */
  escalationThreshold: number | undefined;
  private readonly lambdaCost: number;
  private readonly accept: BayesRidge[];
  private readonly escalate: BayesRidge[];
  private rng: Rng;
  private readonly pending = new Map<string, Pending>();
  readonly counters = { decisions: 0, accepted: 0, escalated: 0, probes: 0, observed: 0 };

  constructor(o: ResponseCascadeOptions) {
    if (o.levels.length < 2) throw new Error('a response cascade needs at least two levels');
    for (const l of [...o.levels, ...(o.peers ?? [])]) {
      if (!(l.costPerCall !== undefined && l.costPerCall >= 0))
        throw new Error(`cascade level ${l.pool}: costPerCall (>= 0) is required`);
    }
    const w = o.costQualityTradeoff ?? 0;
    if (!(w >= 0 && w < 1)) throw new Error('costQualityTradeoff must be in [0, 1)');
    this.name = o.name ?? 'response_cascade';
    this.levels = o.levels.map((l) => ({ ...l }));
    this.peers = (o.peers ?? []).map((l) => ({ ...l }));
    this.opts = {
      costQualityTradeoff: w,
      hashDim: o.hashDim ?? 0,
      lambda: o.lambda ?? 1,
      v: o.v ?? 0.3,
      probeRate: o.probeRate ?? 0.05,
      explore: o.explore ?? true,
      feedback: o.feedback ?? 'served',
      seed: o.seed ?? 1,
    };
    this.lambdaCost = w / (1 - w);
    this.escalationThreshold = o.escalationThreshold;
    this.layout = { categories: [...o.categories], peers: this.peers.length, hashDim: this.opts.hashDim };
    const d = answerDim(this.layout);
    this.accept = this.levels.slice(0, -1).map(() => new BayesRidge(d, this.opts.lambda));
    this.escalate = this.levels.slice(0, -1).map(() => new BayesRidge(d, this.opts.lambda));
    this.rng = new Rng(this.opts.seed);
  }

  get feedback(): CascadeFeedback {
    return this.opts.feedback;
  }

  /** The answer vector of `answer` (from `level`'s model) with the peers' answers. */
  vector(q: CascadeQuery, answer: string, peerAnswers: readonly (string | undefined)[] = []): Float64Array {
    const options = questionOptions(q.prompt);
    const peers: (AnswerSignals | undefined)[] = this.peers.map((_, k) =>
      peerAnswers[k] === undefined ? undefined : answerSignals(peerAnswers[k]!, options),
    );
    return answerVector(this.layout, q.category, answerSignals(answer, options), answer, peers);
  }

  /** Normalised cost of calling the level after `level`. */
  private nextCost(level: number): number {
    const max = Math.max(...this.levels.map((l) => l.costPerCall!));
    return max > 0 ? this.levels[level + 1]!.costPerCall! / max : 0;
  }

  /** escalate - accept (posterior means, cost not included): higher = more worth the next model. */
  escalationValue(
    q: CascadeQuery,
    level: number,
    answer: string,
    peerAnswers: readonly (string | undefined)[] = [],
  ): number {
    const x = this.vector(q, answer, peerAnswers);
    return this.escalate[level]!.mean(x) - this.accept[level]!.mean(x);
  }

  /**
   * Accept or escalate `level`'s answer, with the propensity of that action given the
   * posterior draw. The last level always accepts. Remembered for observe().
   */
  decide(
    q: CascadeQuery,
    level: number,
    answer: string,
    peerAnswers: readonly (string | undefined)[] = [],
  ): { action: CascadeAction; propensity: number } {
    if (level < 0 || level >= this.levels.length) throw new RangeError(`no cascade level ${level}`);
    if (level === this.levels.length - 1) return { action: 'accept', propensity: 1 };
    this.counters.decisions++;
    const options = questionOptions(q.prompt);
    const own = answerSignals(answer, options);
    const x = answerVector(
      this.layout,
      q.category,
      own,
      answer,
      this.peers.map((_, k) => (peerAnswers[k] === undefined ? undefined : answerSignals(peerAnswers[k]!, options))),
    );
    const v = this.opts.explore ? this.opts.v : 0;
    const qa = this.accept[level]!.sample(x, v, this.rng);
    const qe = this.escalate[level]!.sample(x, v, this.rng) - this.lambdaCost * this.nextCost(level);
    const tau = this.opts.explore ? undefined : this.escalationThreshold;
    const greedy: CascadeAction =
      tau === undefined
        ? qa >= qe
          ? 'accept'
          : 'escalate'
        : this.escalate[level]!.mean(x) - this.accept[level]!.mean(x) > tau
          ? 'escalate'
          : 'accept';
    // Probe: with probability p the action is a fair coin, so P(greedy) = 1 - p/2, P(other) = p/2.
    const p = this.opts.explore ? this.opts.probeRate : 0;
    const probe = p > 0 && this.rng.next() < p;
    const action: CascadeAction = probe ? (this.rng.next() < 0.5 ? 'accept' : 'escalate') : greedy;
    if (probe) this.counters.probes++;
    const propensity = action === greedy ? 1 - p / 2 : p / 2;
    this.counters[action === 'accept' ? 'accepted' : 'escalated']++;
    const pend = this.pending.get(q.id) ?? { options, steps: [] };
    pend.steps = pend.steps.filter((s) => s.level !== level);
    pend.steps.push({ level, x: [...x], action, ...(own.letter !== undefined ? { letter: own.letter } : {}) });
    this.pending.set(q.id, pend);
    if (this.pending.size > MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    return { action, propensity };
  }

  /**
   * Quality feedback for a request: the served level's quality (with its answer text, for
   * `inferred`), and (feedback `called`) the qualities of other called levels. Updates the
   * models of every decision made for the request.
   */
  observe(
    id: string,
    served: { level: number; quality: number; answer?: string },
    called: readonly { level: number; quality: number }[] = [],
  ): void {
    const pend = this.pending.get(id);
    if (!pend || !Number.isFinite(served.quality)) return;
    this.pending.delete(id);
    const clamp = (v: number) => Math.min(1, Math.max(0, v));
    for (const s of pend.steps) {
      const x = Float64Array.from(s.x);
      if (s.action === 'accept') {
        if (s.level === served.level) this.accept[s.level]!.update(x, clamp(served.quality));
      } else {
        this.escalate[s.level]!.update(x, clamp(served.quality));
        const own = this.ownGrade(s, served, called, pend.options);
        if (own !== undefined) this.accept[s.level]!.update(x, clamp(own));
      }
    }
    this.counters.observed++;
  }

  /** The grade of an escalated answer, where the feedback mode gives or implies one. */
  private ownGrade(
    step: Pending['steps'][number],
    served: { quality: number; answer?: string },
    called: readonly { level: number; quality: number }[],
    options: QuestionOptions,
  ): number | undefined {
    if (this.opts.feedback === 'called') {
      const q = called.find((c) => c.level === step.level)?.quality;
      return q !== undefined && Number.isFinite(q) ? q : undefined;
    }
    if (this.opts.feedback !== 'inferred' || step.letter === undefined || served.answer === undefined) return undefined;
    const servedLetter = answerSignals(served.answer, options).letter;
    if (servedLetter === undefined) return undefined;
    if (served.quality === 1) return step.letter === servedLetter ? 1 : 0;
    if (served.quality === 0 && step.letter === servedLetter) return 0;
    return undefined;
  }

  /** The first call: level 0 (the runner makes one call per request; replay runs the rest). */
  choose(_ctx: RoutingContext): Decision {
    return { action: this.levels[0]!.pool, propensity: 1 };
  }

  /** Runner feedback: the reward is read as the quality of the answer of `action`'s level. */
  update(ctx: RoutingContext, action: string, reward: number): void {
    const level = this.levels.findIndex((l) => l.pool === action);
    if (level >= 0) this.observe(ctx.labels.id, { level, quality: reward });
  }

  /** Frozen copy acting on posterior means (what evaluation uses). */
  frozen(): ResponseCascadePolicy {
    const f = this.save();
    return ResponseCascadePolicy.load({ ...f, hyperparameters: { ...f.hyperparameters, explore: false } });
  }

  save(): PolicyFile {
    const cats = this.layout.categories;
    const o = this.opts;
    return {
      version: POLICY_FILE_VERSION,
      learner: 'response_cascade',
      hyperparameters: {
        categories: cats,
        peerPools: this.peers.map((p) => p.pool),
        peerModels: this.peers.map((p) => p.model),
        peerCosts: this.peers.map((p) => p.costPerCall!),
        levelCosts: this.levels.map((l) => l.costPerCall!),
        costQualityTradeoff: o.costQualityTradeoff,
        hashDim: o.hashDim,
        lambda: o.lambda,
        v: o.v,
        probeRate: o.probeRate,
        explore: o.explore,
        feedback: o.feedback,
        seed: o.seed,
        ...(this.escalationThreshold !== undefined ? { escalationThreshold: this.escalationThreshold } : {}),
      },
      // The answer vector is not a prompt feature layout; the category block records the categories.
      features: { blocks: [{ kind: 'category_onehot', categories: cats, dim: cats.length + 1 }], dim: cats.length + 1 },
      actions: this.levels.map((l) => ({ pool: l.pool, model: l.model })),
      parameters: {
        name: this.name,
        rng: this.rng.state(),
        accept: this.accept.map((m) => m.save()),
        escalate: this.escalate.map((m) => m.save()),
      },
      training: { ...this.counters },
    };
  }

  static load(file: PolicyFile, source = 'policy.json'): ResponseCascadePolicy {
    if (file.learner !== 'response_cascade')
      throw new PolicyFileError(source, `learner: expected response_cascade, got ${file.learner}`);
    const h = parsePolicyPart(hyperSchema, file.hyperparameters, source, 'hyperparameters');
    const p = parsePolicyPart(paramsSchema, file.parameters, source, 'parameters');
    if (h.levelCosts.length !== file.actions.length)
      throw new PolicyFileError(source, `hyperparameters.levelCosts: expected ${file.actions.length} values`);
    const policy = new ResponseCascadePolicy({
      levels: file.actions.map((a, i) => ({ ...a, costPerCall: h.levelCosts[i]! })),
      peers: h.peerPools.map((pool, k) => ({ pool, model: h.peerModels[k]!, costPerCall: h.peerCosts[k]! })),
      categories: h.categories,
      costQualityTradeoff: h.costQualityTradeoff,
      hashDim: h.hashDim,
      lambda: h.lambda,
      v: h.v,
      probeRate: h.probeRate,
      explore: h.explore,
      feedback: h.feedback,
      seed: h.seed,
      ...(h.escalationThreshold !== undefined ? { escalationThreshold: h.escalationThreshold } : {}),
      name: p.name,
    });
    const d = answerDim(policy.layout);
    const restore = (states: BayesRidgeState[], into: BayesRidge[], what: string) => {
      if (states.length !== into.length || states.some((s) => s.dim !== d))
        throw new PolicyFileError(source, `parameters.${what}: expected ${into.length} models of dimension ${d}`);
      states.forEach((s, i) => {
        if (s.r.length !== (d * (d + 1)) / 2 || s.f.length !== d)
          throw new PolicyFileError(
            source,
            `parameters.${what}[${i}]: expected f of ${d} values and r of ${(d * (d + 1)) / 2} (the upper triangle)`,
          );
        into[i] = BayesRidge.load(s);
      });
    };
    restore(p.accept, policy.accept, 'accept');
    restore(p.escalate, policy.escalate, 'escalate');
    policy.rng = Rng.fromState(p.rng);
    Object.assign(policy.counters, file.training);
    return policy;
  }
}
