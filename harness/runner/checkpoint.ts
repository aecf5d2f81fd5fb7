/**
 * Policy checkpoints of an online run: every `router.checkpoint_every` policy updates (and at
 * the end) the policy's `checkpoint()` state goes to the run's checkpoint.json, written to a
 * temporary file and renamed, so a kill leaves the previous checkpoint whole. `--resume`
 * hands it to the new policy's `restore()`. The harness only sees the Policy hooks; the CLI
 * supplies them for learners (their save()/load()), so harness/ never imports learners/.
 *
 * At most one save a second: serialising a learner's state is far costlier than an update,
 * and at thousands of requests a second a save every 100 updates took a twentieth of the
 * run's CPU. A resume then loses at most max(checkpoint_every, one second of) updates.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Policy, RequestResult } from '../types.ts';
import { updatesPolicy } from './turn.ts';

export const CHECKPOINT_FILE = 'checkpoint.json';
export const DEFAULT_CHECKPOINT_EVERY = 100;
/** The least time between two saves during a run (the final save is always made). */
export const MIN_CHECKPOINT_INTERVAL_MS = 1000;

export interface Checkpoint {
  version: 1;
  savedAt: string;
  policy: string;
  /** Policy updates the state includes. */
  updates: number;
  /** Records in requests.jsonl when it was taken. */
  records: number;
  state: unknown;
}

export function readCheckpoint(dir: string): Checkpoint | undefined {
  const file = join(dir, CHECKPOINT_FILE);
  if (!existsSync(file)) return undefined;
  const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const c = v as Partial<Checkpoint> | null;
  if (
    c === null ||
    typeof c !== 'object' ||
    c.version !== 1 ||
    typeof c.updates !== 'number' ||
    typeof c.records !== 'number' ||
    !('state' in c)
  ) {
    throw new Error(`${file}: expected a version-1 checkpoint ({version, policy, updates, records, state})`);
  }
  return c as Checkpoint;
}

export class PolicyCheckpointer {
  private sinceLast = 0;
  private lastSavedAt = -Infinity;

  constructor(
    private readonly dir: string,
    private readonly policy: Policy & { checkpoint(): unknown },
    private readonly every: number,
    /** Updates already in the policy (a resumed run counts on from its records). */
    private updates: number,
    /** Makes requests.jsonl hold every record the state has learned from before it is saved. */
    private readonly flush: () => void,
  ) {}

  /** After each record: saves every `every` policy updates, at most once a second. */
  onResult(r: RequestResult, records: number): void {
    if (!updatesPolicy(r)) return;
    this.updates++;
    if (++this.sinceLast >= this.every && performance.now() - this.lastSavedAt >= MIN_CHECKPOINT_INTERVAL_MS)
      this.save(records);
  }

  save(records: number): void {
    this.sinceLast = 0;
    this.lastSavedAt = performance.now();
    this.flush();
    const c: Checkpoint = {
      version: 1,
      savedAt: new Date().toISOString(),
      policy: this.policy.name,
      updates: this.updates,
      records,
      state: this.policy.checkpoint(),
    };
    const file = join(this.dir, CHECKPOINT_FILE);
    writeFileSync(`${file}.tmp`, JSON.stringify(c));
    renameSync(`${file}.tmp`, file);
  }
}
