/**
 * Off-policy evaluation from logs with propensities (shared/REFERENCE.md section 3;
 * Dudik, Langford & Li 2011 for DR; Swaminathan & Joachims 2015 for SNIPS).
 *
 * Logs (x_i, a_i, p_i, r_i), i = 1..n: context, logged action, the logging policy's
 * probability of that action, reward. Target policy pi: deterministic (pi(x) = an action)
 * or stochastic (pi(a|x) probabilities). Importance weight w_i = pi(a_i|x_i) / p_i; for a
 * deterministic pi that is 1{pi(x_i) = a_i} / p_i.
 * - IPS   = (1/n) sum w_i r_i
 * - SNIPS = sum w_i r_i / sum w_i (undefined when every weight is 0)
 * - DR    = (1/n) sum [ rhat(x_i, pi) + w_i (r_i - rhat(x_i, a_i)) ], with a supplied
 *   reward model rhat and rhat(x, pi) = rhat(x, pi(x)) (deterministic) or
 *   sum_a pi(a|x) rhat(x, a) (stochastic).
 * - ESS (Kish effective sample size) = (sum w_i)^2 / sum w_i^2 (0 when every weight is 0).
 *
 * A propensity must lie in (0, 1]: 0 (the logged action was impossible), > 1, negative or
 * non-finite is invalid, as is a non-finite reward. No valid row at all is an OpeError. Invalid rows are counted by kind; by
 * default any of them throws an OpeError carrying the counts; with `skipInvalid` they are
 * left out (n counts only the valid rows) and the counts come back in the result.
 */
import { WrpError } from '../../core/errors.ts';

export interface LoggedSample<C> {
  context: C;
  action: string;
  propensity: number;
  reward: number;
}

export type TargetPolicy<C> =
  | { kind: 'deterministic'; choose: (context: C) => string }
  | { kind: 'stochastic'; probs: (context: C) => Readonly<Record<string, number>> };

/** rhat(x, a): a model of the expected reward of action a on context x. */
export type RewardModel<C> = (context: C, action: string) => number;

export interface OpeOptions<C> {
  /** Needed for DR. */
  rewardModel?: RewardModel<C>;
  /** Leave invalid rows out (and report them) instead of throwing. */
  skipInvalid?: boolean;
  /** Allowed |sum_a pi(a|x) - 1| for stochastic targets; default 1e-6. */
  probTolerance?: number;
}

export interface InvalidCounts {
  zeroPropensity: number;
  negativePropensity: number;
  propensityAboveOne: number;
  nonFinitePropensity: number;
  nonFiniteReward: number;
  /** Row indices of the first invalid rows (up to 20). */
  examples: number[];
}

export interface OpeResult {
  /** Rows given. */
  logged: number;
  /** Valid rows the estimates average over. */
  n: number;
  ips: number;
  snips: number | undefined;
  dr: number | undefined;
  ess: number;
  weightSum: number;
  maxWeight: number;
  /** Rows with weight > 0 (the target policy could have taken the logged action). */
  matched: number;
  invalid: InvalidCounts;
  /** Per valid row: w_i, w_i r_i, and the DR term (for bootstrap CIs). */
  weights: number[];
  ipsTerms: number[];
  drTerms?: number[];
}

export class OpeError extends WrpError {
  override name = 'OpeError';
  constructor(
    message: string,
    readonly invalid: InvalidCounts,
  ) {
    super('WRP_OPE', message);
  }
}

const totalInvalid = (c: InvalidCounts): number =>
  c.zeroPropensity + c.negativePropensity + c.propensityAboveOne + c.nonFinitePropensity + c.nonFiniteReward;

/** Which invalid kind a row is, if any. */
function invalidKind(s: LoggedSample<unknown>): keyof Omit<InvalidCounts, 'examples'> | undefined {
  const p = s.propensity;
  if (!Number.isFinite(p)) return 'nonFinitePropensity';
  if (p === 0) return 'zeroPropensity';
  if (p < 0) return 'negativePropensity';
  if (p > 1) return 'propensityAboveOne';
  if (!Number.isFinite(s.reward)) return 'nonFiniteReward';
  return undefined;
}

/** pi(.|x) as a checked probability table. */
function targetProbs<C>(pi: TargetPolicy<C>, x: C, row: number, tol: number): Readonly<Record<string, number>> {
  if (pi.kind === 'deterministic') return { [pi.choose(x)]: 1 };
  const probs = pi.probs(x);
  let total = 0;
  for (const [a, q] of Object.entries(probs)) {
    if (!Number.isFinite(q) || q < 0 || q > 1)
      throw new RangeError(`ope: target policy gives action "${a}" probability ${q} on row ${row}; expected [0, 1]`);
    total += q;
  }
  if (Math.abs(total - 1) > tol)
    throw new RangeError(`ope: target policy probabilities sum to ${total} on row ${row}; expected 1`);
  return probs;
}

/** IPS, SNIPS, DR (when a reward model is given) and ESS of `pi` on `logs`. */
export function offPolicyEstimate<C>(
  logs: readonly LoggedSample<C>[],
  pi: TargetPolicy<C>,
  opts: OpeOptions<C> = {},
): OpeResult {
  const invalid: InvalidCounts = {
    zeroPropensity: 0,
    negativePropensity: 0,
    propensityAboveOne: 0,
    nonFinitePropensity: 0,
    nonFiniteReward: 0,
    examples: [],
  };
  logs.forEach((s, i) => {
    const kind = invalidKind(s);
    if (kind === undefined) return;
    invalid[kind]++;
    if (invalid.examples.length < 20) invalid.examples.push(i);
  });
  const bad = totalInvalid(invalid);
  if (bad > 0 && !opts.skipInvalid) {
    const kinds = Object.entries(invalid)
      .filter(([k, v]) => k !== 'examples' && v > 0)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
    throw new OpeError(
      `ope: ${bad} of ${logs.length} logged rows are invalid (${kinds}); first rows ${invalid.examples.join(', ')}. Propensities must lie in (0, 1]; pass skipInvalid to leave them out`,
      invalid,
    );
  }
  const tol = opts.probTolerance ?? 1e-6;
  const rhat = opts.rewardModel;
  const weights: number[] = [];
  const ipsTerms: number[] = [];
  const drTerms: number[] = [];
  logs.forEach((s, i) => {
    if (invalidKind(s) !== undefined) return;
    const probs = targetProbs(pi, s.context, i, tol);
    const w = (probs[s.action] ?? 0) / s.propensity;
    weights.push(w);
    ipsTerms.push(w * s.reward);
    if (rhat) {
      let direct = 0;
      for (const [a, q] of Object.entries(probs)) if (q > 0) direct += q * rhat(s.context, a);
      drTerms.push(direct + w * (s.reward - rhat(s.context, s.action)));
    }
  });
  const n = weights.length;
  if (n === 0)
    throw new OpeError(`ope: no valid logged rows to estimate from (${logs.length} given, ${bad} invalid)`, invalid);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const weightSq = weights.reduce((a, b) => a + b * b, 0);
  const rewardSum = ipsTerms.reduce((a, b) => a + b, 0);
  const result: OpeResult = {
    logged: logs.length,
    n,
    ips: mean(ipsTerms),
    // Every weight 0: the target never agrees with the log, so no self-normalised estimate.
    snips: weightSum > 0 ? rewardSum / weightSum : undefined,
    dr: rhat ? mean(drTerms) : undefined,
    ess: weightSq > 0 ? (weightSum * weightSum) / weightSq : 0,
    weightSum,
    maxWeight: weights.reduce((a, b) => Math.max(a, b), 0),
    matched: weights.filter((w) => w > 0).length,
    invalid,
    weights,
    ipsTerms,
  };
  if (rhat) result.drTerms = drTerms;
  return result;
}

/** IPS alone (throws on invalid propensities, see offPolicyEstimate). */
export function ips<C>(logs: readonly LoggedSample<C>[], pi: TargetPolicy<C>): number {
  return offPolicyEstimate(logs, pi).ips;
}

/** SNIPS alone; undefined when no logged action agrees with the target. */
export function snips<C>(logs: readonly LoggedSample<C>[], pi: TargetPolicy<C>): number | undefined {
  return offPolicyEstimate(logs, pi).snips;
}

/** DR alone. */
export function doublyRobust<C>(
  logs: readonly LoggedSample<C>[],
  pi: TargetPolicy<C>,
  rewardModel: RewardModel<C>,
): number {
  return offPolicyEstimate(logs, pi, { rewardModel }).dr!;
}

/** Kish effective sample size of importance weights. */
export function effectiveSampleSize(weights: readonly number[]): number {
  const s = weights.reduce((a, b) => a + b, 0);
  const s2 = weights.reduce((a, b) => a + b * b, 0);
  return s2 > 0 ? (s * s) / s2 : 0;
}
