/**
 * `wrp merge DIR... --out DIR`: combines the shard folders of one schedule (`--shard i/N` on
 * several machines, e.g. the pods of deploy/k8s's Indexed Job) into one result, after checking
 * the accounting: the folders are shards 0..N-1 of one schedule, each once and finished; no id
 * is recorded twice, none is missing, each sits in the shard that owns it; every problem is
 * named (WRP_MERGE, exit 2). Learning-suite shards give runs.jsonl in serial order and the
 * leaderboard; run shards one run folder (requests merged by completion time, the summary and
 * report computed over all of them: harness/scale/merge-runs.ts).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Argv, CommandModule } from 'yargs';
import { InputFileError, UsageError } from '../../core/errors.ts';
import { readManifest } from '../../harness/scale/manifest.ts';
import { mergeRunShards } from '../../harness/scale/merge-runs.ts';
import { printRunSummary } from '../../harness/runner/print-summary.ts';
import { writeReport } from '../../harness/report/write-report.ts';
import { mergeSuiteShards } from '../../learners/protocol/shards.ts';
import { publish } from './bench-learners.ts';
import { printNext, shown } from '../next.ts';

interface MergeArgs {
  dirs: string[];
  out: string;
}

async function merge(a: MergeArgs): Promise<void> {
  for (const d of a.dirs) if (!existsSync(d)) throw new InputFileError(d, 'no such folder (expected a shard folder)');
  if (a.dirs.some((d) => resolve(d) === resolve(a.out)))
    throw new UsageError(`--out ${a.out}: one of the shard folders; name a new folder for the merged result`);
  const kind = readManifest(a.dirs[0]!).kind;
  mkdirSync(a.out, { recursive: true });
  const t0 = performance.now();
  if (kind === 'bench-learners') {
    const records = await mergeSuiteShards(a.dirs, a.out, (line) => console.error(`wrp merge: ${line}`));
    const seconds = (performance.now() - t0) / 1000;
    console.error(`wrp merge: ${a.dirs.length} shards, ${records.length} runs, accounting checked -> ${a.out}`);
    publish(
      records,
      a.out,
      `${records.length} runs merged from ${a.dirs.length} shards: ${a.dirs.join(', ')}.`,
      seconds,
    );
    return;
  }
  const merged = await mergeRunShards(a.dirs, a.out, (line) => console.error(`wrp merge: ${line}`));
  console.error(`wrp merge: ${a.dirs.length} shards, ${merged.recorded} requests, accounting checked -> ${a.out}`);
  printRunSummary(merged.summary, console.log);
  console.log(`results: ${merged.runDir}`);
  console.log(`report: ${await writeReport(merged.runDir)}`);
  printNext(`open ${shown(merged.runDir)}/report.html`);
}

export const mergeCommand: CommandModule<object, MergeArgs> = {
  command: 'merge <dirs..>',
  describe:
    'Merge the shard folders of one schedule (--shard i/N) into one result, the accounting checked (no id twice, none missing)',
  builder: (y: Argv) =>
    y
      .positional('dirs', { type: 'string', array: true, demandOption: true, describe: 'the shard folders' })
      .option('out', { type: 'string', demandOption: true, describe: 'folder for the merged result' }),
  handler: (a) => merge(a),
};
