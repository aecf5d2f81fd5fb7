/**
 * `wrp report DIR`: recomputes summary.json and summary.md of a run from its requests.jsonl
 * and telemetry.jsonl, finished or not (a killed run has no summary, maybe a torn last
 * line: dropped and reported). The raw files are left as they are; they are read a line at
 * a time (finalize.ts), so a report's memory does not grow with the run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadExperiment, type ExperimentConfig } from './config.ts';
import type { RequestResult } from '../types.ts';
import { finalizeRun, type Finalized } from './finalize.ts';
import { datasetNotes, readRunMeta } from './run-dir.ts';
import { InputFileError } from '../../core/errors.ts';
import type { LoadSummary, SummaryMeta } from './summary.ts';
import { stopReasonOf, type StopReason } from './stop-reason.ts';

/** `visitor`, given the run's config, returns what sees every record of the pass (the report's digest is built in it). */
export async function reportRun(
  dir: string,
  log: (line: string) => void,
  visitor?: (config: ExperimentConfig) => (r: RequestResult) => void,
): Promise<Finalized> {
  const resolved = join(dir, 'config.resolved.yaml');
  if (!existsSync(resolved)) throw new InputFileError(dir, 'expected a run directory holding config.resolved.yaml');
  if (!existsSync(join(dir, 'requests.jsonl')))
    throw new InputFileError(dir, 'no requests.jsonl (no request was recorded)');
  const config = loadExperiment(resolved);
  const meta = readRunMeta(dir);
  // A finished run keeps why it stopped; a killed one never wrote a summary.
  // So does what only its load loop knew (offered vs achieved open-loop rate).
  let stop: StopReason = { kind: 'interrupted' };
  let load: SummaryMeta['load'];
  const summaryFile = join(dir, 'summary.json');
  if (existsSync(summaryFile)) {
    const s = JSON.parse(readFileSync(summaryFile, 'utf8')) as {
      stop?: unknown;
      stoppedBy?: unknown;
      load?: Partial<LoadSummary>;
    };
    stop = stopReasonOf(s);
    const l = s.load;
    if (typeof l?.offeredPerS === 'number' && typeof l.achievedPerS === 'number')
      load = { offeredPerS: l.offeredPerS, achievedPerS: l.achievedPerS, behindAtStop: l.behindAtStop ?? 0 };
  }
  return finalizeRun({
    runDir: dir,
    runId: meta?.runId ?? basename(dir),
    config,
    stop,
    log,
    rewriteRequests: false,
    notes: datasetNotes(meta?.datasets ?? []),
    load,
    ...(visitor ? { onRecord: visitor(config) } : {}),
  });
}
