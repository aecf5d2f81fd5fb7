/**
 * A `wrp run` that is one shard of a schedule (`--shard i/N`, one pod of an Indexed Job): its
 * folder is the one named (`--out`), it starts on the common start time (`--start-at`) so every
 * shard sends on the same timeline, and it writes shard.json at its start and end (what `wrp
 * merge` checks). The schedule hash covers the resolved config (but where results go), the
 * shard count and the start time: shards of one hash are shards of one schedule.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../../core/errors.ts';
import type { ExperimentConfig } from '../runner/config.ts';
import type { StopReason } from '../runner/stop-reason.ts';
import type { SummaryMeta } from '../runner/summary.ts';
import { MANIFEST_FILE, readManifest, scheduleHash, writeManifest, type ShardManifest } from './manifest.ts';
import type { Shard } from './shard.ts';

export interface RunShard {
  shard: Shard;
  /** Epoch ms every shard starts its schedule at (the shards' clocks are assumed in sync, e.g. NTP). */
  startAtMs?: number;
  /** The shard's folder (created; must not hold a run already). */
  dir: string;
}

/** What a finished run shard adds to its shard.json: the merge sums and combines these. */
export interface RunShardOutcome {
  /** Why the shard stopped (typed) and in words. */
  stop: StopReason;
  stoppedBy: string;
  load?: SummaryMeta['load'];
}

/** "2026-01-01T12:00:00Z" or epoch ms; a usage error names the flag otherwise. */
export function parseStartAt(text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms))
    throw new UsageError(
      `--start-at: expected an ISO time (2026-01-01T12:00:00Z) or epoch milliseconds, got "${text}"`,
    );
  return ms;
}

/**
 * The shard's folder: new or empty, or left by an attempt of this shard that never finished
 * (a retried Kubernetes pod), which starts over; a finished shard or other files are refused.
 */
export function prepareShardDir(dir: string, log: (line: string) => void = () => {}): string {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    const earlier = existsSync(join(dir, MANIFEST_FILE)) ? readManifest(dir) : undefined;
    if (!earlier || earlier.finished)
      throw new UsageError(
        `--out ${dir}: ${earlier ? 'holds a finished shard' : 'not empty'}; a shard writes its own folder (name a new one per shard and run)`,
      );
    log(
      `shard: ${dir} holds an attempt of shard ${earlier.shard.index}/${earlier.shard.count} that never finished: starting it over`,
    );
    for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function runSchedule(config: ExperimentConfig, s: RunShard): string {
  const { output: _output, ...rest } = config;
  return scheduleHash({ config: rest, shards: s.shard.count, startAtMs: s.startAtMs ?? null });
}

export function runManifest(config: ExperimentConfig, s: RunShard): ShardManifest {
  return {
    version: 1,
    kind: 'run',
    shard: s.shard,
    schedule: runSchedule(config, s),
    startedAt: new Date().toISOString(),
    finished: false,
    ...(s.startAtMs !== undefined ? { startAtMs: s.startAtMs } : {}),
  };
}

export function finishRunManifest(dir: string, m: ShardManifest, recorded: number, outcome: RunShardOutcome): void {
  writeManifest(dir, { ...m, finished: true, finishedAt: new Date().toISOString(), recorded, ...outcome });
}

/**
 * The run's t0 (performance.now() time base) on the common timeline: waits for the start time,
 * or, when this shard starts late, puts t0 in the past so its schedule is due already (the
 * lateness is in every record's send lag) and says so.
 */
export async function commonT0(startAtMs: number | undefined, log: (line: string) => void): Promise<number> {
  if (startAtMs === undefined) return performance.now();
  const wait = startAtMs - Date.now();
  if (wait > 0) {
    log(`shard: waiting ${(wait / 1000).toFixed(1)} s for the common start ${new Date(startAtMs).toISOString()}`);
    await sleep(wait);
  } else if (wait < -1000)
    log(`shard: started ${(-wait / 1000).toFixed(1)} s after the common start: its first sends are late by as much`);
  return performance.now() - (Date.now() - startAtMs);
}
