/**
 * Reads a run's requests.jsonl (one harness RequestResult per line) into the arrays
 * off-policy evaluation needs: context (the record itself), action (decision.pool),
 * propensity (decision.propensity) and reward (record.reward, or a supplied function).
 *
 * Tolerated and counted, never a crash:
 * - a torn last line (invalid JSON on the final non-empty line: a run killed mid-write);
 * - invalid JSON on an earlier line (reported separately: that is corruption, not a tear);
 * - records without a string decision.pool or a numeric decision.propensity (`malformed`);
 * - records without a finite reward (`noReward`: failed requests, unjudged answers).
 * Blank lines are ignored. Propensities are passed through unchecked: ope.ts counts and
 * reports the invalid ones.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestResult } from '../../harness/types.ts';
import type { LoggedSample } from './ope.ts';
import { InputFileError } from '../../core/errors.ts';

export interface LoggedRunReport {
  file: string;
  /** Non-empty lines. */
  lines: number;
  /** Lines that parsed as JSON objects. */
  parsed: number;
  /** The final non-empty line was not valid JSON. */
  tornLastLine: boolean;
  /** 1-based numbers of invalid-JSON lines before the last one. */
  invalidLines: number[];
  /** 1-based numbers of parsed lines without decision.pool / decision.propensity. */
  malformed: number[];
  /** Records left out for lack of a finite reward. */
  noReward: number;
  /** Records kept (the length of `samples`). */
  used: number;
}

export interface LoggedRun {
  /** Every well-formed record, in file order (with or without a reward). */
  records: RequestResult[];
  /** The OPE input: records with a finite reward. */
  samples: LoggedSample<RequestResult>[];
  report: LoggedRunReport;
}

export interface LoggedOptions {
  /** The reward of a record; default `record.reward`. */
  reward?: (record: RequestResult) => number | undefined;
  /** Keep only the records this accepts (e.g. one sweep stage). */
  filter?: (record: RequestResult) => boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Enough of a RequestResult for OPE: a decision with a pool name and a numeric propensity. */
function hasDecision(v: Record<string, unknown>): boolean {
  const d = v.decision;
  return isRecord(d) && typeof d.pool === 'string' && typeof d.propensity === 'number';
}

/** Parses requests.jsonl text (the `file` name is only for the report). */
export function parseLoggedRun(text: string, file = '<text>', opts: LoggedOptions = {}): LoggedRun {
  const lines = text.split('\n');
  let lastNonEmpty = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]!.trim() !== '') {
      lastNonEmpty = i;
      break;
    }
  }
  const report: LoggedRunReport = {
    file,
    lines: 0,
    parsed: 0,
    tornLastLine: false,
    invalidLines: [],
    malformed: [],
    noReward: 0,
    used: 0,
  };
  const records: RequestResult[] = [];
  const samples: LoggedSample<RequestResult>[] = [];
  const rewardOf = opts.reward ?? ((r: RequestResult) => r.reward);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    report.lines++;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (i === lastNonEmpty) report.tornLastLine = true;
      else report.invalidLines.push(i + 1);
      return;
    }
    if (!isRecord(value)) {
      // Valid JSON but not an object: a torn tail can still parse (e.g. a cut-off number).
      if (i === lastNonEmpty) report.tornLastLine = true;
      else report.invalidLines.push(i + 1);
      return;
    }
    report.parsed++;
    if (!hasDecision(value)) return void report.malformed.push(i + 1);
    // Shape checked above for the fields OPE reads; the rest is the harness's own record.
    const rec = value as unknown as RequestResult;
    if (opts.filter && !opts.filter(rec)) return;
    records.push(rec);
    const reward = rewardOf(rec);
    if (reward === undefined || !Number.isFinite(reward)) return void report.noReward++;
    samples.push({ context: rec, action: rec.decision.pool, propensity: rec.decision.propensity, reward });
  });
  report.used = samples.length;
  return { records, samples, report };
}

/** Reads `path`: a requests.jsonl file, or a run directory holding one. */
export function readLoggedRun(path: string, opts: LoggedOptions = {}): LoggedRun {
  if (!existsSync(path)) throw new InputFileError(path, 'no such file or directory');
  const file = statSync(path).isDirectory() ? join(path, 'requests.jsonl') : path;
  if (!existsSync(file)) throw new InputFileError(file, "no such file (expected a run's requests.jsonl)");
  return parseLoggedRun(readFileSync(file, 'utf8'), file, opts);
}

/** One line for logs: what was read and what was left out. */
export function describeLoggedRun(r: LoggedRunReport): string {
  const parts = [`${r.file}: ${r.used} samples from ${r.lines} lines`];
  if (r.tornLastLine) parts.push('torn last line skipped');
  if (r.invalidLines.length > 0)
    parts.push(`${r.invalidLines.length} invalid JSON lines (first: ${r.invalidLines.slice(0, 5).join(', ')})`);
  if (r.malformed.length > 0) parts.push(`${r.malformed.length} records without decision.pool/propensity`);
  if (r.noReward > 0) parts.push(`${r.noReward} records without a reward`);
  return parts.join('; ');
}
