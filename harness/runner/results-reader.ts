/**
 * Reads a run's JSONL files back (the end of a run, `wrp report`, `wrp run --resume`). The
 * writer only appends whole lines, so the damage a kill -9 can do is a torn last line: it
 * is detected, dropped and reported, never a crash. A bad line before the last one is
 * corruption: skipped and reported by line number.
 */
import { existsSync, readFileSync, truncateSync } from 'node:fs';
import type { RequestResult } from '../types.ts';

export interface JsonlReport {
  file: string;
  /** Valid lines read. */
  lines: number;
  /** Bytes after the last valid line that do not form a valid line: a torn write (0: none). */
  tornBytes: number;
  /** 1-based numbers of invalid lines (not JSON objects, or failing the record check) before the tail. */
  invalidLines: number[];
  /** File length up to the end of its last valid line: where an append may continue. */
  validBytes: number;
}

export interface JsonlRead<T> {
  values: T[];
  report: JsonlReport;
}

const NL = 0x0a;

/** Reads `file` (missing: empty). `accept` checks each parsed object (default: any object). */
export function readJsonl<T>(file: string, accept: (v: Record<string, unknown>) => boolean = () => true): JsonlRead<T> {
  const report: JsonlReport = { file, lines: 0, tornBytes: 0, invalidLines: [], validBytes: 0 };
  const values: T[] = [];
  if (!existsSync(file)) return { values, report };
  const buf = readFileSync(file);
  const bad: number[] = [];
  let start = 0;
  let lineNo = 0;
  while (start < buf.length) {
    const nl = buf.indexOf(NL, start);
    // Only a line ended by its newline is complete: the writer always ends what it writes with one.
    if (nl === -1) break;
    lineNo++;
    const text = buf.toString('utf8', start, nl);
    start = nl + 1;
    if (text.trim() === '') continue;
    const v = parse(text);
    if (v !== undefined && accept(v)) {
      values.push(v as T);
      report.lines++;
      report.validBytes = start;
      // Bad lines followed by a good one are corruption, not a torn tail.
      report.invalidLines.push(...bad);
      bad.length = 0;
    } else bad.push(lineNo);
  }
  // Everything after the last valid line (bad lines, an unterminated fragment) is the torn tail.
  report.tornBytes = buf.length - report.validBytes - whitespaceAfter(buf, report.validBytes);
  return { values, report };
}

function whitespaceAfter(buf: Buffer, from: number): number {
  const rest = buf.toString('utf8', from);
  return rest.trim() === '' ? buf.length - from : 0;
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Enough of a RequestResult for the summary, energy attribution and resume. */
export function isRequestResult(v: Record<string, unknown>): boolean {
  const d = v.decision;
  const t = v.timing;
  return (
    typeof v.id === 'string' &&
    (v.status === 'ok' || v.status === 'failed' || v.status === 'cancelled') &&
    isObj(v.labels) &&
    isObj(d) &&
    typeof d.pool === 'string' &&
    isObj(t) &&
    typeof t.sentMs === 'number' &&
    typeof t.scheduledMs === 'number' &&
    Array.isArray(t.itlMs) &&
    isObj(v.tokens) &&
    typeof v.costUsd === 'number'
  );
}

export function readRequests(file: string): JsonlRead<RequestResult> {
  return readJsonl<RequestResult>(file, isRequestResult);
}

/** Cuts a torn tail off so appends continue after the last valid line (resume). */
export function dropTornTail(report: JsonlReport): boolean {
  if (report.tornBytes === 0) return false;
  truncateSync(report.file, report.validBytes);
  return true;
}

/** One line for logs; empty when the file was clean. */
export function describeRead(r: JsonlReport): string {
  const parts: string[] = [];
  if (r.tornBytes > 0) parts.push(`torn last line dropped (${r.tornBytes} bytes)`);
  if (r.invalidLines.length > 0)
    parts.push(`${r.invalidLines.length} invalid line(s) skipped (first: ${r.invalidLines.slice(0, 5).join(', ')})`);
  return parts.length ? `${r.file}: ${r.lines} valid lines; ${parts.join('; ')}` : '';
}
