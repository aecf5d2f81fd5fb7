/**
 * A process's share of a load schedule (`--shard i/N`, or worker i of `--workers N`): the
 * sessions it sends (session k belongs to shard k mod N), its part of a closed-loop stage's
 * concurrency, and the request budget read over the whole schedule.
 *
 * The budget: with stop.requests R, a shared schedule is its first sessions, in session order,
 * whose planned turns add up to R (the last one cut short to fit), and each process sends all
 * the turns of its own ones. The set of request ids is then a function of the schedule alone,
 * whatever the shard count: 3 merged shards hold exactly the ids of 1. (One process without a
 * share counts requests as they are sent instead; with single-turn sessions the two agree.)
 */
import type { SessionPlan } from '../types.ts';
import { inShard, type Shard } from './shard.ts';

export interface SessionShare {
  /** Whether this process sends session `index`. */
  owns(index: number): boolean;
  /** Closed loop: this process's part of a stage's concurrency. */
  concurrency(total: number): number;
  /** With a budget: how many turns of session `index` the schedule holds, or 'end' past it (call for every index, in order). */
  turns?(index: number, session: SessionPlan): number | 'end';
}

/** Shard's part of `total`: the first (total mod N) shards take one more, so the parts add up. */
const partOf = (total: number, s: Shard) => Math.floor(total / s.count) + (s.index < total % s.count ? 1 : 0);

/**
 * `sub`: worker w of W within the shard (`--shard` with `--workers`): of the shard's sessions
 * k, k/N (rounded down) mod W picks the worker, so a shard's sessions are still k mod N.
 */
export function sessionShare(shard: Shard, requests?: number, sub?: Shard): SessionShare {
  const share: SessionShare = {
    owns: (index) => inShard(index, shard) && (!sub || inShard(Math.floor(index / shard.count), sub)),
    concurrency: (total) => (sub ? partOf(partOf(total, shard), sub) : partOf(total, shard)),
  };
  if (requests === undefined) return share;
  let planned = 0;
  let next = 0;
  share.turns = (index, session) => {
    if (index !== next)
      throw new Error(`session share: sessions must be shown in order (expected ${next}, got ${index})`);
    next++;
    if (planned >= requests) return 'end';
    const n = Math.min(session.turns.length, requests - planned);
    planned += n;
    return n;
  };
  return share;
}

/** Whether session `index` can be passed over unbuilt (not ours, and no budget needs its plan). */
export const passesOver = (s: SessionShare, index: number): boolean => !s.turns && !s.owns(index);

/** Session `index` as this process sends it: another share's ('skip'), past the budget ('end'), or cut to the budget. */
export function claimSession(s: SessionShare, index: number, session: SessionPlan): SessionPlan | 'skip' | 'end' {
  const n = s.turns ? s.turns(index, session) : session.turns.length;
  if (n === 'end') return 'end';
  if (!s.owns(index) || n === 0) return 'skip';
  return n < session.turns.length ? { ...session, turns: session.turns.slice(0, n) } : session;
}
