/**
 * `wrp report DIR`: recomputes summary.json and summary.md of a run from its requests.jsonl
 * and telemetry.jsonl, finished or not (a killed run has no summary, maybe a torn last
 * line: dropped and reported). The raw files are left as they are; they are read a line at
 * a time (finalize.ts), so a report's memory does not grow with the run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadExperiment } from './config.ts';
import { finalizeRun, type Finalized } from './finalize.ts';
import { datasetNotes, readRunMeta } from './run-dir.ts';
import { InputFileError } from '../../core/errors.ts';
import type { LoadSummary, SummaryMeta } from './summary.ts';

export const INTERRUPTED = 'interrupted (no summary: the run did not finish)';

export async function reportRun(dir: string, log: (line: string) => void): Promise<Finalized> {
  const resolved = join(dir, 'config.resolved.yaml');
  if (!existsSync(resolved)) throw new InputFileError(dir, 'expected a run directory holding config.resolved.yaml');
  if (!existsSync(join(dir, 'requests.jsonl')))
    throw new InputFileError(dir, 'no requests.jsonl (no request was recorded)');
  const config = loadExperiment(resolved);
  const meta = readRunMeta(dir);
  // A finished run keeps why it stopped; a killed one never wrote a summary.
  // So does what only its load loop knew (offered vs achieved open-loop rate).
  let stoppedBy = INTERRUPTED;
  let load: SummaryMeta['load'];
  const summaryFile = join(dir, 'summary.json');
  if (existsSync(summaryFile)) {
    const s = JSON.parse(readFileSync(summaryFile, 'utf8')) as { stoppedBy?: unknown; load?: Partial<LoadSummary> };
    if (typeof s.stoppedBy === 'string') stoppedBy = s.stoppedBy;
    const l = s.load;
    if (typeof l?.offeredPerS === 'number' && typeof l.achievedPerS === 'number')
      load = { offeredPerS: l.offeredPerS, achievedPerS: l.achievedPerS, behindAtStop: l.behindAtStop ?? 0 };
  }
  return finalizeRun({
    runDir: dir,
    runId: meta?.runId ?? basename(dir),
    config,
    stoppedBy,
    log,
    rewriteRequests: false,
    notes: datasetNotes(meta?.datasets ?? []),
    load,
  });
}
