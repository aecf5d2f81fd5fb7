/**
 * `--shard i/N`: which share of a schedule one process (or one Kubernetes pod) runs. Units of
 * work (a session of a load schedule, a (scenario, seed) group of the learning suite) are
 * numbered in their serial order; unit k belongs to shard k mod N. Round robin keeps shards
 * the same size and the same mix over time, and any process can tell a unit's shard from its
 * number alone, without talking to the others.
 */
import { UsageError } from '../../core/errors.ts';

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

export const WHOLE: Shard = { index: 0, count: 1 };

/** "i/N" with 0 <= i < N (Kubernetes' JOB_COMPLETION_INDEX is 0-based too). */
export function parseShard(text: string, flag = '--shard'): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index >= count)
    throw new UsageError(
      `${flag}: expected i/N with 0 <= i < N (shard i of N, 0-based as a Job's completion index), got "${text}"`,
    );
  return { index, count };
}

export const inShard = (unit: number, s: Shard): boolean => unit % s.count === s.index;

export const formatShard = (s: Shard): string => `${s.index}/${s.count}`;
