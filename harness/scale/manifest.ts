/**
 * shard.json: what a shard folder says about itself, so `wrp merge` can tell whether folders
 * are the shards of one schedule. Written when the shard starts (`finished: false`) and again
 * when it ends; a folder whose shard never finished (a killed pod) is refused by name.
 *
 * `schedule` is a hash of everything that decides the work (config, seed, plan, shard count,
 * common start): equal hashes mean the same schedule. `plan` is the kind's own data (the
 * learning suite's scenarios, seeds and lineups). checkShardSet promises: given folders that
 * are shards 0..N-1 of one schedule, each once and finished, it returns them in shard order;
 * otherwise a WRP_MERGE error that names every folder at fault.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { InputFileError, WrpError } from '../../core/errors.ts';
import { parseOrThrow } from '../../core/validate.ts';
import { formatShard } from './shard.ts';

export const MANIFEST_FILE = 'shard.json';

const manifestSchema = z.looseObject({
  version: z.literal(1),
  kind: z.enum(['run', 'bench-learners']),
  shard: z.strictObject({ index: z.number().int().min(0), count: z.number().int().min(1) }),
  schedule: z.string().min(1),
  startedAt: z.string(),
  finished: z.boolean(),
  finishedAt: z.string().optional(),
  /** Ids recorded in the folder (set when finished). */
  recorded: z.number().int().min(0).optional(),
  plan: z.unknown().optional(),
});

export type ShardManifest = z.infer<typeof manifestSchema>;

/** A stable hash of JSON data (object keys sorted), 16 hex digits. */
export function scheduleHash(data: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([, x]) => x !== undefined)
              .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(data)))
    .digest('hex')
    .slice(0, 16);
}

/** Written atomically (a merge never reads half a manifest). */
export function writeManifest(dir: string, m: ShardManifest): void {
  const file = join(dir, MANIFEST_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(m, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function readManifest(dir: string): ShardManifest {
  const file = join(dir, MANIFEST_FILE);
  if (!existsSync(file))
    throw new InputFileError(
      dir,
      `no ${MANIFEST_FILE}: not a shard folder (made by wrp run or wrp bench-learners with --shard)`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputFileError(file, `not JSON (${(e as Error).message})`);
  }
  return parseOrThrow(manifestSchema, raw, file);
}

export interface ShardFolder {
  dir: string;
  manifest: ShardManifest;
}

/** The folders in shard order, or WRP_MERGE naming every folder that does not fit. */
export function checkShardSet(folders: ShardFolder[]): ShardFolder[] {
  if (folders.length === 0) throw new WrpError('WRP_MERGE', 'no shard folders given');
  const first = folders[0]!;
  const problems: string[] = [];
  for (const f of folders.slice(1)) {
    const m = f.manifest;
    if (m.kind !== first.manifest.kind)
      problems.push(`${f.dir} is a ${m.kind} shard, ${first.dir} a ${first.manifest.kind} shard`);
    else if (m.shard.count !== first.manifest.shard.count)
      problems.push(
        `${f.dir} is shard ${formatShard(m.shard)}, ${first.dir} shard ${formatShard(first.manifest.shard)}`,
      );
    else if (m.schedule !== first.manifest.schedule)
      problems.push(
        `${f.dir} ran another schedule than ${first.dir} (schedule ${m.schedule} vs ${first.manifest.schedule})`,
      );
  }
  if (problems.length > 0) throw new WrpError('WRP_MERGE', `not shards of one schedule: ${problems.join('; ')}`);
  const count = first.manifest.shard.count;
  const byIndex = new Map<number, ShardFolder[]>();
  for (const f of folders) byIndex.set(f.manifest.shard.index, [...(byIndex.get(f.manifest.shard.index) ?? []), f]);
  for (const [i, fs] of [...byIndex].sort((a, b) => a[0] - b[0]))
    if (fs.length > 1)
      problems.push(`shard ${i}/${count} given ${fs.length} times (${fs.map((f) => f.dir).join(', ')})`);
  const absent = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (absent.length > 0)
    problems.push(`${absent.length} of ${count} shard(s) absent: ${absent.map((i) => `${i}/${count}`).join(', ')}`);
  const unfinished = folders.filter((f) => !f.manifest.finished);
  if (unfinished.length > 0)
    problems.push(
      `${unfinished.map((f) => `${f.dir} (shard ${formatShard(f.manifest.shard)})`).join(', ')} never finished (killed?): run that shard again`,
    );
  if (problems.length > 0) throw new WrpError('WRP_MERGE', problems.join('; '));
  return Array.from({ length: count }, (_, i) => byIndex.get(i)![0]!);
}
