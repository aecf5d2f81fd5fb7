/**
 * What the parent of `wrp run --workers N` (run-workers.ts) and its workers (load-worker.ts)
 * say to each other over IPC ('advanced' serialization: structured clone).
 */
import type { ExperimentConfig } from '../runner/config.ts';
import type { OpenLoad } from '../runner/load-loop.ts';
import type { StopReason } from '../runner/stop-reason.ts';
import type { SerializedError } from './fork-pool.ts';
import type { PolicySnapshot, PolicyUpdate } from './policy-sync.ts';
import type { Shard } from './shard.ts';

export interface RunWorkerInit {
  /** The experiment as the worker runs it: simulated pools already point at the parent's servers. */
  config: ExperimentConfig;
  configFile: string;
  /** Pools that are wrp's simulator (x-wrp-* label headers go to them, as in one process). */
  simPools: string[];
  runId: string;
  /** The worker's own folder (its requests.jsonl). */
  dir: string;
  /** The run's shard (whole run: 0/1) and this worker's part of it. */
  shard: Shard;
  worker: Shard;
  /** The router is the parent's policy (a replica here, snapshots every syncMs); else the worker builds its own. */
  shared: boolean;
  syncMs: number;
}

/** The pools' state as the parent's scraper last saw it. */
export interface PoolView {
  running?: number;
  waiting?: number;
  kvCacheUsage?: number;
  joulesPerToken?: number;
}

export interface WorkerProgress {
  sent: number;
  completed: number;
  errors: number;
  inFlight: number;
}

export interface WorkerDone {
  recorded: number;
  sent: number;
  stop: StopReason;
  load?: OpenLoad;
}

export type ToRunWorker =
  | { type: 'init'; init: RunWorkerInit }
  /** Every worker is ready: the epoch ms all of them start the schedule at. */
  | { type: 'start'; startAtMs: number }
  | { type: 'snapshot'; snapshot: PolicySnapshot }
  | { type: 'observe'; pools: Record<string, PoolView> }
  /** Stop sending (the error budget over all workers, or a signal the parent received): in-flight requests get grace_s. */
  | { type: 'stop'; reason: StopReason }
  /** A second signal: cancel what is in flight now (each still recorded). */
  | { type: 'cancel' };

export type FromRunWorker =
  | { type: 'ready' }
  | { type: 'progress'; progress: WorkerProgress }
  | { type: 'updates'; batch: PolicyUpdate[] }
  | { type: 'done'; done: WorkerDone }
  | { type: 'error'; error: SerializedError };
