/**
 * `wrp report DIR` and the end of `wrp run` / `train` / `eval`: finds what kind of folder
 * DIR is (a run or sweep, a training or evaluation folder, a capacity search, repeated
 * trials), builds its page and writes DIR/report.html. Returns the file's path.
 */
import { RunDigester, type RunDigest } from './run-digest.ts';
import { scanCount } from './read-records.ts';
import { reportRun } from '../runner/report.ts';
import type { RunSummary } from '../runner/summary.ts';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputFileError } from '../../core/errors.ts';
import { renderPage, type ReportPage } from './page.ts';
import { capacityReport } from './capacity-report.ts';
import { policyReport } from './policy-report.ts';
import { repeatReport } from './repeat-report.ts';
import { runReport } from './run-report.ts';

export type ReportKind = 'run' | 'policy' | 'capacity' | 'repeat';

export function reportKind(dir: string): ReportKind | undefined {
  if (existsSync(join(dir, 'capacity.json'))) return 'capacity';
  if (existsSync(join(dir, 'repeat.json'))) return 'repeat';
  if (existsSync(join(dir, 'config.resolved.yaml'))) return 'run';
  if (existsSync(join(dir, 'policy.json')) || existsSync(join(dir, 'eval.json'))) return 'policy';
  return undefined;
}

/** `digest`: a run's digest already built (`wrp report` builds it in the summary's pass). */
export async function buildReport(dir: string, digest?: RunDigest): Promise<ReportPage> {
  if (!existsSync(dir))
    throw new InputFileError(dir, 'no such folder (expected a run, training, evaluation, capacity or repeat folder)');
  const kind = reportKind(dir);
  switch (kind) {
    case 'run':
      return runReport(dir, digest);
    case 'policy':
      return policyReport(dir);
    case 'capacity':
      return capacityReport(dir);
    case 'repeat':
      return repeatReport(dir);
    default:
      throw new InputFileError(
        dir,
        'expected a run folder (config.resolved.yaml), a training or evaluation folder (policy.json, eval.json), a capacity search (capacity.json) or repeated trials (repeat.json)',
      );
  }
}

export async function writeReport(dir: string, digest?: RunDigest): Promise<string> {
  const page = await buildReport(dir, digest);
  const file = join(dir, 'report.html');
  writeFileSync(file, renderPage(page));
  return file;
}

/**
 * A run folder: its summary recomputed from its files (harness/runner/report.ts) and its
 * report.html written, requests.jsonl read once for both (the digest sees each record of the
 * summary's pass).
 */
export async function summariseRun(
  dir: string,
  log: (line: string) => void,
): Promise<{ summary: RunSummary; html: string }> {
  let digester: RunDigester | undefined;
  const fin = await reportRun(dir, log, (config) => {
    const d = (digester = new RunDigester(config.slo));
    return (r) => d.add(r);
  });
  const html = await writeReport(dir, digester?.finish(scanCount(fin.requests)));
  return { summary: fin.summary, html };
}
