/**
 * Quality-aware cascade (FrugalGPT / AutoMix style): models ordered small -> large; a
 * request starts at the level `plan` picks, and after each answer `afterAnswer` accepts it or
 * escalates to the next level. Every model called is paid for.
 *
 * What is learned, per (category, level, confidence bin): a Beta posterior of the answer's
 * quality (fractional updates, so graded and 0/1 quality both work), shrunk toward the
 * level's overall posterior; and how often each confidence bin occurs. Utility is
 * quality - lambda * cost / maxCost with lambda = w / (1 - w), w = costQualityTradeoff in
 * [0, 1) (0: quality only). Backward induction gives U_i = value of being about to call
 * level i; plan starts at argmax U (exploring: level 0 anyway at probeRate, exact propensity);
 * accept at level i iff P(good | bin) >= U_{i+1} (exploring: a Thompson draw of P). The lowest
 * accepting bin edge is the learned threshold the Semantic Router's `confidence` block takes.
 */
import type { Decision, RoutingContext } from '../../harness/types.ts';
import type { Learner, PolicyFile } from '../types.ts';
import type {
  AnswerFeatures,
  CascadeAction,
  CascadeLevel,
  CascadeOptions,
  ConfidenceAlgorithm,
  LevelStats,
} from './cascade-types.ts';
import { z } from 'zod';
import { Rng, rngStateSchema } from '../../core/rng.ts';
import { PolicyFileError } from '../../core/errors.ts';

export type {
  AnswerFeatures,
  CascadeAction,
  CascadeLevel,
  CascadeOptions,
  ConfidenceAlgorithm,
} from './cascade-types.ts';

export {
  simulateCascade,
  type CascadeRow,
  type CascadeSimResult,
  type CascadeTrace,
  type SimulateOptions,
} from './cascade-sim.ts';
import { parsePolicyPart, POLICY_FILE_VERSION } from '../policy-file.ts';

const cascadeHyperSchema = z.object({
  costQualityTradeoff: z.number().min(0).lt(1),
  bins: z.number().int().positive(),
  shrinkage: z.number().min(0),
  explore: z.boolean(),
  probeRate: z.number().min(0).max(1),
  seed: z.number().int(),
  confidenceMethod: z.string().min(1),
  expectedOutputTokens: z.number().positive(),
  /** -1: no cost per call given for that level. */
  costPerCall: z.array(z.number().min(-1)),
  escalationThreshold: z.number().optional(),
});

const levelStatsSchema = z.strictObject({
  binN: z.array(z.number().min(0)),
  binGood: z.array(z.number().min(0)),
  binBad: z.array(z.number().min(0)),
  good: z.number().min(0),
  bad: z.number().min(0),
});

const cascadeParamsSchema = z.object({
  name: z.string(),
  rng: rngStateSchema,
  stats: z.record(z.string(), z.array(levelStatsSchema)),
});

/** The router drops a zero threshold (omitempty) and uses its default: export this instead. */
const MIN_EXPORTED_THRESHOLD = 1e-6;

export class CascadePolicy implements Learner {
  readonly name: string;
  readonly levels: CascadeLevel[];
  readonly tradeoff: number;
  private readonly lambda: number;
  private readonly bins: number;
  private readonly shrinkage: number;
  private readonly explore: boolean;
  private readonly probeRate: number;
  private readonly seed: number;
  private readonly method: string;
  private readonly outTokens: number;
  /** The operating point a budget set (cascade-types.ts); undefined: decide by utility alone. */
  escalationThreshold: number | undefined;
  private rng: Rng;
  private readonly stats = new Map<string, LevelStats[]>();
  /** Confidence seen in afterAnswer, keyed `${request id}#${level}`, for the later quality feedback. */
  private readonly seenConfidence = new Map<string, number>();
  readonly counters = { planned: 0, accepted: 0, escalated: 0, observed: 0 };

  constructor(opts: CascadeOptions) {
    if (opts.levels.length < 1) throw new Error('a cascade needs at least one level');
    if (!(opts.costQualityTradeoff >= 0 && opts.costQualityTradeoff < 1))
      throw new Error('costQualityTradeoff must be in [0, 1)');
    this.name = opts.name ?? 'cascade';
    this.levels = opts.levels.map((l) => ({ ...l }));
    this.tradeoff = opts.costQualityTradeoff;
    this.lambda = this.tradeoff / (1 - this.tradeoff);
    this.bins = opts.bins ?? 10;
    this.shrinkage = opts.shrinkage ?? 2;
    this.explore = opts.explore ?? true;
    this.probeRate = this.explore ? (opts.probeRate ?? 0.05) : 0;
    this.seed = opts.seed ?? 1;
    this.method = opts.confidenceMethod ?? 'hybrid';
    this.outTokens = opts.expectedOutputTokens ?? 256;
    this.escalationThreshold = opts.escalationThreshold;
    this.rng = new Rng(this.seed);
  }

  private cell(category: string): LevelStats[] {
    let s = this.stats.get(category);
    if (!s) {
      const zeros = () => new Array<number>(this.bins).fill(0);
      s = this.levels.map(() => ({ binN: zeros(), binGood: zeros(), binBad: zeros(), good: 0, bad: 0 }));
      this.stats.set(category, s);
    }
    return s;
  }

  private bin(confidence: number): number {
    return Math.min(this.bins - 1, Math.max(0, Math.floor(confidence * this.bins)));
  }

  /** Beta posterior (alpha, beta) of quality at a level, in a bin or overall. */
  private posterior(s: LevelStats, bin: number | undefined): [number, number] {
    const level: [number, number] = [1 + s.good, 1 + s.bad];
    if (bin === undefined) return level;
    const m = level[0] / (level[0] + level[1]);
    return [s.binGood[bin]! + this.shrinkage * m, s.binBad[bin]! + this.shrinkage * (1 - m)];
  }

  private quality(s: LevelStats, bin: number | undefined, sample: boolean): number {
    const [a, b] = this.posterior(s, bin);
    return sample ? this.rng.beta(a, b) : a / (a + b);
  }

  /** Costs of one call per level for this request, normalised by the largest. */
  private normCosts(costs: number[]): number[] {
    const max = Math.max(...costs);
    return costs.map((c) => (max > 0 ? c / max : 0));
  }

  /** U_i for every level (posterior means): expected utility of being about to call level i. */
  values(category: string, costs: number[]): number[] {
    const s = this.cell(category);
    const c = this.normCosts(costs);
    const L = this.levels.length;
    const u = new Array<number>(L);
    u[L - 1] = this.quality(s[L - 1]!, undefined, false) - this.lambda * c[L - 1]!;
    for (let i = L - 2; i >= 0; i--) {
      const st = s[i]!;
      const total = st.binN.reduce((a, b) => a + b, 0) + this.bins * 0.5; // Dirichlet(0.5) over bins
      let expect = 0;
      for (let b = 0; b < this.bins; b++)
        expect += ((st.binN[b]! + 0.5) / total) * Math.max(this.quality(st, b, false), u[i + 1]!);
      u[i] = expect - this.lambda * c[i]!;
    }
    return u;
  }

  /**
   * Level to call first: the best U_i by posterior means, values compared as float32 so ties
   * (0.49999999999999994 vs 0.5) go to the smaller model here, in policy.onnx's float32 scores
   * and in the exported router config alike.
   */
  bestStart(category: string, costs: number[]): number {
    const u = this.values(category, costs);
    let best = 0;
    for (let i = 1; i < u.length; i++) if (Math.fround(u[i]!) > Math.fround(u[best]!)) best = i;
    return best;
  }

  /**
   * The first level and its exact propensity. Exploring, a request whose best start is above
   * level 0 still starts at level 0 with probability probeRate: otherwise a category where
   * the small model was written off early would never be seen again.
   */
  planDecision(category: string, costs: number[]): { level: number; propensity: number } {
    this.counters.planned++;
    if (this.operatingPoint() !== undefined) return { level: 0, propensity: 1 };
    const best = this.bestStart(category, costs);
    if (best === 0 || this.probeRate === 0) return { level: best, propensity: 1 };
    return this.rng.next() < this.probeRate
      ? { level: 0, propensity: this.probeRate }
      : { level: best, propensity: 1 - this.probeRate };
  }

  planFor(category: string, costs: number[]): number {
    return this.planDecision(category, costs).level;
  }

  decideFor(category: string, level: number, confidence: number | undefined, costs: number[]): CascadeAction {
    if (level >= this.levels.length - 1) {
      this.counters.accepted++;
      return 'accept';
    }
    const next = this.values(category, costs)[level + 1]!;
    const bin = confidence === undefined ? undefined : this.bin(confidence);
    const q = this.quality(this.cell(category)[level]!, bin, this.explore);
    const tau = this.operatingPoint();
    const action: CascadeAction = (tau === undefined ? q >= next : next - q <= tau) ? 'accept' : 'escalate';
    this.counters[action === 'accept' ? 'accepted' : 'escalated']++;
    return action;
  }

  /** The budget's threshold, when set and acting on posterior means (exploring training ignores it). */
  private operatingPoint(): number | undefined {
    return this.explore ? undefined : this.escalationThreshold;
  }

  /**
   * Value of escalating `level`'s answer: U_{level+1} - P(good | its confidence bin), posterior
   * means; higher = more worth the next model (ranks requests for the two-level PGR curve).
   */
  escalationValue(category: string, level: number, confidence: number | undefined, costs: number[]): number {
    if (level < 0 || level >= this.levels.length - 1)
      throw new RangeError(`escalationValue: expected a level below ${this.levels.length - 1}, got ${level}`);
    const bin = confidence === undefined ? undefined : this.bin(confidence);
    return this.values(category, costs)[level + 1]! - this.quality(this.cell(category)[level]!, bin, false);
  }

  /** Quality feedback (0..1) for an answer of `level`, with the confidence it came with. */
  observeFor(category: string, level: number, quality: number, confidence: number | undefined): void {
    if (!Number.isFinite(quality) || level < 0 || level >= this.levels.length) return;
    const q = Math.min(1, Math.max(0, quality));
    const s = this.cell(category)[level]!;
    s.good += q;
    s.bad += 1 - q;
    if (confidence !== undefined) {
      const b = this.bin(confidence);
      s.binN[b]!++;
      s.binGood[b]! += q;
      s.binBad[b]! += 1 - q;
    }
    this.counters.observed++;
  }

  /** Per-call cost of each level for a request. */
  costs(ctx: RoutingContext): number[] {
    return this.levels.map((l) => {
      if (l.costPerCall !== undefined) return l.costPerCall;
      const p = ctx.pools.find((o) => o.name === l.pool)?.pricing;
      return p ? (ctx.promptTokensEstimate * p.inputPer1M + this.outTokens * p.outputPer1M) / 1e6 : 0;
    });
  }

  plan(ctx: RoutingContext): number {
    return this.planFor(ctx.labels.category, this.costs(ctx));
  }

  afterAnswer(ctx: RoutingContext, level: number, answer: AnswerFeatures): CascadeAction {
    if (answer.confidence !== undefined) this.seenConfidence.set(`${ctx.labels.id}#${level}`, answer.confidence);
    if (this.seenConfidence.size > 50_000) this.seenConfidence.delete(this.seenConfidence.keys().next().value!);
    return this.decideFor(ctx.labels.category, level, answer.confidence, this.costs(ctx));
  }

  /** Quality feedback; the confidence defaults to the one afterAnswer saw for this request and level. */
  observe(ctx: RoutingContext, level: number, quality: number, confidence?: number): void {
    const key = `${ctx.labels.id}#${level}`;
    this.observeFor(ctx.labels.category, level, quality, confidence ?? this.seenConfidence.get(key));
    this.seenConfidence.delete(key);
  }

  /** The first call of the cascade (the runner makes one call per request for now). */
  choose(ctx: RoutingContext): Decision {
    const { level, propensity } = this.planDecision(ctx.labels.category, this.costs(ctx));
    return { action: this.levels[level]!.pool, propensity };
  }

  /** Runner feedback: the reward is read as the answer's quality (clamped to 0..1). */
  update(ctx: RoutingContext, action: string, reward: number): void {
    const level = this.levels.findIndex((l) => l.pool === action);
    if (level >= 0) this.observe(ctx, level, reward);
  }

  /** Per level: expected utility of starting there (posterior means). */
  scores(ctx: RoutingContext): number[] {
    return this.values(ctx.labels.category, this.costs(ctx));
  }

  /** Per level below the last: the lowest confidence from which answers are accepted (1: only a confidence of 1). */
  thresholds(category: string, costs: number[]): number[] {
    const u = this.values(category, costs);
    const s = this.cell(category);
    return this.levels.slice(0, -1).map((_, i) => {
      let t = this.bins;
      while (t > 0 && this.quality(s[i]!, t - 1, false) >= u[i + 1]!) t--;
      return t / this.bins;
    });
  }

  /** A Semantic Router `algorithm` block for the category's decision (the level-0 threshold). */
  toConfidenceAlgorithm(
    category: string,
    costs: number[] = this.levels.map((l) => l.costPerCall ?? 1),
  ): ConfidenceAlgorithm {
    const t = this.levels.length > 1 ? this.thresholds(category, costs)[0]! : 0;
    return {
      type: 'confidence',
      confidence: {
        confidence_method: this.method,
        threshold: Math.max(t, MIN_EXPORTED_THRESHOLD),
        escalation_order: 'small_to_large',
        cost_quality_tradeoff: this.tradeoff,
      },
    };
  }

  get categories(): string[] {
    return [...this.stats.keys()].sort();
  }

  save(): PolicyFile {
    const cats = this.categories;
    return {
      version: POLICY_FILE_VERSION,
      learner: 'cascade',
      hyperparameters: {
        costQualityTradeoff: this.tradeoff,
        bins: this.bins,
        shrinkage: this.shrinkage,
        explore: this.explore,
        probeRate: this.probeRate,
        seed: this.seed,
        confidenceMethod: this.method,
        expectedOutputTokens: this.outTokens,
        costPerCall: this.levels.map((l) => l.costPerCall ?? -1),
        ...(this.escalationThreshold !== undefined ? { escalationThreshold: this.escalationThreshold } : {}),
      },
      features: { blocks: [{ kind: 'category_onehot', categories: cats, dim: cats.length + 1 }], dim: cats.length + 1 }, // + the "other" slot, as every layout
      actions: this.levels.map((l) => ({ pool: l.pool, model: l.model })),
      parameters: {
        name: this.name,
        rng: this.rng.state(),
        stats: Object.fromEntries(cats.map((c) => [c, this.stats.get(c)])),
      },
      training: { ...this.counters },
    };
  }

  /** Rebuilds a saved cascade; every field is checked first (PolicyFileError naming `source` and the field). */
  static load(file: PolicyFile, source = 'policy.json'): CascadePolicy {
    if (file.learner !== 'cascade') throw new PolicyFileError(source, `learner: expected cascade, got ${file.learner}`);
    const h = parsePolicyPart(cascadeHyperSchema, file.hyperparameters, source, 'hyperparameters');
    const p = parsePolicyPart(cascadeParamsSchema, file.parameters, source, 'parameters');
    const costs = h.costPerCall;
    const levels = file.actions.length;
    if (costs.length !== levels)
      throw new PolicyFileError(source, `hyperparameters.costPerCall: expected ${levels} values (one per level)`);
    for (const [c, s] of Object.entries(p.stats))
      s.forEach((l, i) => {
        if (
          s.length !== levels ||
          l.binN.length !== h.bins ||
          l.binGood.length !== h.bins ||
          l.binBad.length !== h.bins
        )
          throw new PolicyFileError(
            source,
            `parameters.stats.${c}[${i}]: expected ${levels} levels of ${h.bins} bins (hyperparameters.bins)`,
          );
      });
    const policy = new CascadePolicy({
      levels: file.actions.map((a, i) => ({ ...a, ...(costs[i]! >= 0 ? { costPerCall: costs[i]! } : {}) })),
      costQualityTradeoff: h.costQualityTradeoff,
      bins: h.bins,
      shrinkage: h.shrinkage,
      explore: h.explore,
      probeRate: h.probeRate,
      seed: h.seed,
      confidenceMethod: h.confidenceMethod as CascadeOptions['confidenceMethod'],
      expectedOutputTokens: h.expectedOutputTokens,
      ...(h.escalationThreshold !== undefined ? { escalationThreshold: h.escalationThreshold } : {}),
      name: p.name,
    });
    policy.rng = Rng.fromState(p.rng);
    for (const [c, s] of Object.entries(p.stats)) policy.stats.set(c, structuredClone(s));
    Object.assign(policy.counters, file.training);
    return policy;
  }
}
