/**
 * The headline of a run with several routing policies (a `split` router): which policy won
 * on reward, and by how much on reward, quality and cost against each other, with 95%
 * intervals (Welch: the sessions of a split run are independent samples per policy); then
 * the same reward over the second half of the run, where a learner has had time to learn. A
 * person reads it in ten seconds; the full tables stay in summary.md. Lines fit 100 columns.
 */
import { addMoment, emptyMoments, meanInterval, welchDifference, type Moments } from '../metrics/intervals.ts';
import type { RequestResult } from '../types.ts';
import { forEachRequest } from './read-records.ts';

export interface PolicyStanding {
  policy: string;
  requests: number;
  reward: Moments;
  quality: Moments;
  /** USD per request. */
  cost: Moments;
}

/** Per-policy moments of reward, quality and cost over a run's records sent from `fromMs` on (one streamed pass). */
export async function policyStandings(requestsFile: string, fromMs = 0): Promise<PolicyStanding[]> {
  const by = new Map<string, PolicyStanding>();
  await forEachRequest(requestsFile, (r: RequestResult) => {
    if (r.timing.sentMs < fromMs) return;
    const policy = r.decision.policy;
    let s = by.get(policy);
    if (!s) {
      s = { policy, requests: 0, reward: emptyMoments(), quality: emptyMoments(), cost: emptyMoments() };
      by.set(policy, s);
    }
    s.requests++;
    if (r.reward !== undefined) addMoment(s.reward, r.reward);
    if (r.quality !== undefined) addMoment(s.quality, r.quality);
    addMoment(s.cost, r.costUsd);
  });
  return [...by.values()].sort((a, b) => meanOf(b.reward) - meanOf(a.reward));
}

const meanOf = (m: Moments): number => (m.n > 0 ? meanInterval(m).estimate : Number.NEGATIVE_INFINITY);
const num = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const signed = (x: number, digits = 3): string => (x >= 0 ? `+${num(x, digits)}` : num(x, digits));

/** mean(a) - mean(b) with its Welch interval. */
function diff(a: Moments, b: Moments, scale = 1, digits = 3): string {
  if (a.n < 2 || b.n < 2) return '-';
  const d = welchDifference(b, a);
  return `${signed(d.estimate * scale, digits)} [${signed(d.lower * scale, digits)}, ${signed(d.upper * scale, digits)}]`;
}

/**
 * A few lines: the winner on mean reward per request with its interval, then for each other
 * policy the winner's difference in reward, quality and cost (USD per 1k requests), each
 * with a 95% interval; an interval that spans 0 says the run cannot tell them apart.
 */
export function headlineLines(standings: readonly PolicyStanding[]): string[] {
  const ranked = standings.filter((s) => s.reward.n > 0);
  if (ranked.length === 0) return ['headline: no request has a reward to compare policies on'];
  const [best, ...rest] = ranked as [PolicyStanding, ...PolicyStanding[]];
  const r = meanInterval(best.reward);
  const lines = [
    `headline: ${best.policy} earned the most reward per request, ${num(r.estimate)} ` +
      `[95% CI ${num(r.lower)}, ${num(r.upper)}] over ${best.reward.n} requests`,
  ];
  for (const o of rest) {
    const rewardDiff = diff(best.reward, o.reward);
    const tells = best.reward.n >= 2 && o.reward.n >= 2 && welchDifference(o.reward, best.reward).lower > 0;
    lines.push(
      `  vs ${o.policy}: reward ${rewardDiff}${tells ? '' : ' (not distinguishable in this run)'}`,
      `    quality ${diff(best.quality, o.quality)}, cost per 1k requests ${diff(best.cost, o.cost, 1000, 2)} USD`,
    );
  }
  return lines;
}

/** When the run's sends reached half their span: where "after learning" starts. */
export async function midpointMs(requestsFile: string): Promise<number> {
  let last = 0;
  await forEachRequest(requestsFile, (r) => void (last = Math.max(last, r.timing.sentMs)));
  return last / 2;
}

/** Each policy's mean reward over the second half, best first, with its interval. */
export function secondHalfLines(standings: readonly PolicyStanding[], fromMs: number): string[] {
  const lines = [`second half of the run (sent after ${(fromMs / 1000).toFixed(0)} s, when learners have learned):`];
  for (const s of standings.filter((x) => x.reward.n > 0)) {
    const r = meanInterval(s.reward);
    lines.push(
      `  ${s.policy} ${num(r.estimate)} [95% CI ${num(r.lower)}, ${num(r.upper)}] over ${s.reward.n} requests`,
    );
  }
  return lines;
}
