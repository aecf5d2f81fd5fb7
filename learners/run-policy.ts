/**
 * What a `wrp run` learned: the policy state in its checkpoint.json (written every
 * `router.checkpoint_every` updates and at the end), as a policy file that `wrp export`,
 * `wrp eval` and `router: {type: policy_file}` read like one from `wrp train`. A split run
 * holds one state per sub-policy; the learners among them are found by name.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputFileError, UsageError } from '../core/errors.ts';
import { CHECKPOINT_FILE, readCheckpoint } from '../harness/runner/checkpoint.ts';
import { upgradePolicyFile } from './policy-file.ts';
import type { PolicyFile } from './types.ts';

/** A run folder with a checkpoint and no policy.json of its own. */
export function isRunWithPolicy(path: string): boolean {
  return (
    existsSync(path) &&
    statSync(path).isDirectory() &&
    existsSync(join(path, CHECKPOINT_FILE)) &&
    !existsSync(join(path, 'policy.json'))
  );
}

/** The file a policy's bytes come from: a run's checkpoint.json, else the path itself. */
export function policySourceFile(path: string): string {
  return isRunWithPolicy(path) ? join(path, CHECKPOINT_FILE) : path;
}

const isPolicyFile = (s: unknown): s is { learner: string } =>
  s !== null && typeof s === 'object' && typeof (s as { learner?: unknown }).learner === 'string';

/**
 * The learned policy of the run in `dir`; `name` picks one learner of a split run (by its
 * learner name, e.g. beta_thompson), needed only when the split holds more than one.
 */
export function policyFromRun(dir: string, name?: string): PolicyFile {
  const checkpoint = readCheckpoint(dir);
  if (!checkpoint) throw new InputFileError(dir, `no ${CHECKPOINT_FILE}: the run's router learned nothing to export`);
  const source = join(dir, CHECKPOINT_FILE);
  const state: unknown = checkpoint.state;
  const split = (state as { split?: unknown } | null)?.split;
  const candidates: { learner: string }[] = (Array.isArray(split) ? split : [state]).filter(isPolicyFile);
  const chosen = name === undefined ? candidates : candidates.filter((c) => c.learner === name);
  const names = candidates.map((c) => c.learner).join(', ') || 'none';
  if (chosen.length === 0)
    throw new UsageError(
      `${source}: ${name === undefined ? 'holds no learned policy' : `no learner named ${name}`} (learners in the run: ${names})`,
    );
  if (chosen.length > 1)
    throw new UsageError(`${source}: the run holds several learners (${names}); name one with --policy-name`);
  return upgradePolicyFile(chosen[0], source);
}
