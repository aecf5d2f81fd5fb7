/**
 * `wrp merge` for run shards (`wrp run --shard i/N`): one run folder holding every shard's
 * requests, as if one process had sent them, after the accounting is checked.
 *
 * - The folders must be shards 0..N-1 of one schedule, each once and finished (manifest.ts).
 * - requests.jsonl: the shards' files merged by completion time (jsonl-merge.ts), each id
 *   checked (ledger.ts): none twice, none in a shard that does not own its session, and none
 *   missing, where missing means a turn before a recorded turn of its session, or turn 0 of a
 *   session its shard owns below the last one it started (shards start their sessions in
 *   order and record every request they send), or fewer records than the shard's shard.json
 *   says it recorded. Every problem is named (WRP_MERGE) and nothing is left in --out.
 * - telemetry.jsonl: shard 0's (every shard scraped the same pools; energy is then attributed
 *   again over all the requests, not each shard's share).
 * - summary: computed over the merged file by the same finalize as a run (percentiles from HDR
 *   histograms of every record, never averaged); stop reasons combined, offered and achieved
 *   rates added up.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { WrpError, UsageError } from '../../core/errors.ts';
import { loadExperiment } from '../runner/config.ts';
import { finalizeRun } from '../runner/finalize.ts';
import { isRequestResult } from '../runner/results-reader.ts';
import { newRunId, writeText } from '../runner/results-writer.ts';
import { readRunMeta, writeRunMeta } from '../runner/run-dir.ts';
import { combineStops, stopReasonOf, type StopReason } from '../runner/stop-reason.ts';
import type { RunSummary, SummaryMeta } from '../runner/summary.ts';
import type { RequestResult } from '../types.ts';
import { mergeJsonl } from './jsonl-merge.ts';
import { describeProblems, IdLedger } from './ledger.ts';
import { checkShardSet, readManifest, type ShardFolder } from './manifest.ts';
import type { RunShardOutcome } from './run-shard.ts';

export interface MergedRun {
  runId: string;
  runDir: string;
  summary: RunSummary;
  recorded: number;
}

const FILES = ['requests.jsonl', 'telemetry.jsonl', 'config.resolved.yaml', 'run.json'];

/** Completion time on the run's timeline: the order a process appends records in. */
const completion = (r: RequestResult) => r.timing.sentMs + (r.timing.e2eMs ?? 0);

/** What a finished run shard wrote into its shard.json beside the common fields. */
function outcomeOf(f: ShardFolder): { stop: StopReason; load?: SummaryMeta['load'] } {
  const { stop, stoppedBy, load } = f.manifest as ShardFolder['manifest'] & Partial<RunShardOutcome>;
  return { stop: stopReasonOf({ stop, stoppedBy }), ...(load ? { load } : {}) };
}

export async function mergeRunShards(dirs: string[], out: string, log: (line: string) => void): Promise<MergedRun> {
  const folders = checkShardSet(dirs.map((dir) => ({ dir, manifest: readManifest(dir) })));
  if (existsSync(out) && readdirSync(out).length > 0)
    throw new UsageError(`--out ${out}: not empty; name a new folder for the merged run`);
  mkdirSync(out, { recursive: true });
  try {
    return await merge(folders, out, log);
  } catch (e) {
    for (const f of FILES) rmSync(join(out, f), { force: true });
    throw e;
  }
}

/** Record files to merge: `sessionsOf(i)` lists, in order, the first session input i owns and the step to its next. */
export interface RecordInputs {
  names: string[];
  files: string[];
  /** Records each input says it holds (shard.json, or a worker's count); undefined: not known. */
  recorded: (number | undefined)[];
  owner(session: number): number;
  sessionsOf(input: number): { first: number; step: number };
}

/** Merges the inputs into `out` by completion time; WRP_MERGE naming every id twice, misplaced or missing. */
export async function mergeRecords(inputs: RecordInputs, out: string): Promise<{ kept: number[]; invalid: number[] }> {
  const { names } = inputs;
  const ledger = new IdLedger({ folders: names, owner: inputs.owner, name: (u, p) => `s${u}/${p}` });
  const lastSession = names.map(() => -1);
  const outside: string[] = [];
  const counts = await mergeJsonl<RequestResult>(inputs.files, out, completion, isRequestResult, (r, i) => {
    const m = /^s(\d+)\/(\d+)$/.exec(r.id);
    if (!m) {
      outside.push(`${r.id} (in ${names[i]})`);
      return;
    }
    const session = Number(m[1]);
    ledger.see(session, Number(m[2]), i);
    lastSession[i] = Math.max(lastSession[i]!, session);
  });
  names.forEach((_, i) => {
    const { first, step } = inputs.sessionsOf(i);
    for (let session = first; session <= lastSession[i]!; session += step)
      for (let turn = 0; turn <= Math.max(0, ledger.maxPart(session)); turn++) ledger.expect(session, turn);
  });
  const problems = describeProblems(ledger.report());
  if (outside.length > 0)
    problems.push(`${outside.length} id(s) not of a schedule (s<session>/<turn>): ${outside.slice(0, 20).join(', ')}`);
  inputs.recorded.forEach((said, i) => {
    if (said !== undefined && said !== counts.kept[i])
      problems.push(`${names[i]}: ${counts.kept[i]} records in requests.jsonl, but ${said} were recorded`);
  });
  if (problems.length > 0)
    throw new WrpError('WRP_MERGE', `${names.length} part(s) do not add up to one run: ${problems.join('; ')}`);
  return counts;
}

async function merge(folders: ShardFolder[], out: string, log: (line: string) => void): Promise<MergedRun> {
  const n = folders.length;
  const names = folders.map((f) => f.dir);
  const counts = await mergeRecords(
    {
      names,
      files: folders.map((f) => join(f.dir, 'requests.jsonl')),
      recorded: folders.map((f) => f.manifest.recorded),
      owner: (u) => u % n,
      sessionsOf: (i) => ({ first: i, step: n }),
    },
    join(out, 'requests.jsonl'),
  );
  const first = folders[0]!;
  const config = loadExperiment(join(first.dir, 'config.resolved.yaml'));
  copyFileSync(join(first.dir, 'config.resolved.yaml'), join(out, 'config.resolved.yaml'));
  if (existsSync(join(first.dir, 'telemetry.jsonl')))
    copyFileSync(join(first.dir, 'telemetry.jsonl'), join(out, 'telemetry.jsonl'));
  const runId = newRunId();
  const meta = readRunMeta(first.dir);
  if (meta)
    writeRunMeta(out, {
      ...meta,
      runId,
      startedAt: folders.map((f) => f.manifest.startedAt).sort()[0]!,
      resumedAt: [],
    });
  const recorded = counts.kept.reduce((a, b) => a + b, 0);
  const invalid = counts.invalid.reduce((a, b) => a + b, 0);
  const notes = [
    `merged from ${n} shards (${names.join(', ')}): ${recorded} requests, every id checked (none twice, none missing)`,
    `telemetry: shard 0's (${first.dir}); energy attributed over the requests of every shard`,
    ...(invalid > 0
      ? [`${invalid} invalid line(s) left out (torn or corrupt): ${counts.invalid.join(' + ')} by shard`]
      : []),
  ];
  const fin = await finalizeRun({
    runDir: out,
    runId,
    config,
    stop: combineStops(folders.map((f) => outcomeOf(f).stop)),
    log,
    rewriteRequests: true,
    notes,
    load: sumLoad(folders.map((f) => outcomeOf(f).load)),
  });
  writeText(
    out,
    'merge.json',
    JSON.stringify({ runId, shards: folders.map((f) => ({ dir: f.dir, ...f.manifest })), recorded }, null, 2) + '\n',
  );
  return { runId, runDir: out, summary: fin.summary, recorded: fin.recorded };
}

/** Shards share one timeline: their offered and achieved rates add up. */
function sumLoad(loads: (SummaryMeta['load'] | undefined)[]): SummaryMeta['load'] {
  const present = loads.filter((l): l is NonNullable<typeof l> => l !== undefined);
  if (present.length === 0) return undefined;
  const sum = (k: 'offeredPerS' | 'achievedPerS' | 'behindAtStop') => present.reduce((a, l) => a + (l[k] ?? 0), 0);
  return { offeredPerS: sum('offeredPerS'), achievedPerS: sum('achievedPerS'), behindAtStop: sum('behindAtStop') };
}
