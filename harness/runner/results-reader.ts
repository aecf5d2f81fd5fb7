/**
 * Reads a run's JSONL files back (the end of a run, `wrp report`, `wrp run --resume`) one
 * line at a time: two fixed read buffers, the next chunk read while one is parsed (a line
 * longer than a chunk is assembled in a buffer grown only for it), one value
 * handed to the caller at a time, so memory does not grow with the file and multi-GB files
 * work. The writer only appends whole lines, so the damage a kill -9 can do is a torn last
 * line: it is detected, dropped and reported, never a crash. A bad line before the last
 * one is corruption: skipped and reported by line number.
 */
import { existsSync, truncateSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { RequestResult } from '../types.ts';

export interface JsonlReport {
  file: string;
  /** Valid lines read. */
  lines: number;
  /** Bytes after the last valid line that do not form a valid line: a torn write (0: none). */
  tornBytes: number;
  /** 1-based numbers of the first invalid lines (not JSON objects, or failing the record check) before the tail. */
  invalidLines: number[];
  /** How many invalid lines there were before the tail (invalidLines lists at most MAX_LISTED of them). */
  invalidCount: number;
  /** File length up to the end of its last valid line: where an append may continue. */
  validBytes: number;
}

/** Where a value's line lies in the file (to read it again later without keeping it). */
export interface LineSpan {
  offset: number;
  length: number;
}

export type JsonlVisitor<T> = (value: T, line: LineSpan) => void;

const NL = 0x0a;
const CHUNK_BYTES = 1 << 20;
const MAX_LISTED = 100;

/**
 * Streams `file` (missing: empty) and calls `visit` with every valid line, in file order.
 * `accept` checks each parsed object (default: any object).
 */
export async function scanJsonl<T>(
  file: string,
  visit: JsonlVisitor<T>,
  accept: (v: Record<string, unknown>) => boolean = () => true,
  chunkBytes = CHUNK_BYTES,
): Promise<JsonlReport> {
  const report: JsonlReport = { file, lines: 0, tornBytes: 0, invalidLines: [], invalidCount: 0, validBytes: 0 };
  if (!existsSync(file)) return report;
  // Invalid lines since the last valid one: corruption if a valid line follows, else the torn tail.
  const pending: number[] = [];
  let pendingCount = 0;
  let lineNo = 0;
  const line = (text: string, offset: number, end: number) => {
    lineNo++;
    if (isBlank(text)) return;
    const v = parse(text);
    if (v !== undefined && accept(v)) {
      report.lines++;
      report.validBytes = end + 1;
      for (const n of pending) if (report.invalidLines.length < MAX_LISTED) report.invalidLines.push(n);
      report.invalidCount += pendingCount;
      pending.length = 0;
      pendingCount = 0;
      visit(v as T, { offset, length: end - offset });
    } else {
      if (pending.length < MAX_LISTED) pending.push(lineNo);
      pendingCount++;
    }
  };

  const fh = await open(file, 'r');
  const size = Math.max(1, chunkBytes);
  // Two read buffers: the next chunk is read while this one is parsed (the disk and the parser overlap).
  const chunks = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
  /** The unfinished line at the end of the chunks so far, and the file offset it starts at. */
  let carry = Buffer.allocUnsafe(size);
  let carryLen = 0;
  let carryAt = 0;
  const keep = (from: Buffer, start: number, end: number) => {
    if (carryLen + end - start > carry.length) {
      // A line longer than the buffer: grow it (the only growth, bounded by the longest line).
      const bigger = Buffer.allocUnsafe(Math.max(carry.length * 2, carryLen + end - start));
      carry.copy(bigger, 0, 0, carryLen);
      carry = bigger;
    }
    from.copy(carry, carryLen, start, end);
    carryLen += end - start;
  };
  let readAt = 0;
  let slot = 0;
  let next = fh.read(chunks[0]!, 0, size, 0);
  try {
    for (;;) {
      const { bytesRead } = await next;
      if (bytesRead === 0) break;
      const cur = chunks[slot]!.subarray(0, bytesRead);
      const curAt = readAt;
      readAt += bytesRead;
      slot ^= 1;
      next = fh.read(chunks[slot]!, 0, size, readAt);
      let start = 0;
      let nl = cur.indexOf(NL);
      if (carryLen > 0 && nl !== -1) {
        // Only a line ended by its newline is complete: the writer always ends what it writes with one.
        keep(cur, 0, nl);
        line(carry.toString('utf8', 0, carryLen), carryAt, curAt + nl);
        carryLen = 0;
        start = nl + 1;
        nl = cur.indexOf(NL, start);
      }
      for (; nl !== -1; nl = cur.indexOf(NL, start)) {
        line(cur.toString('utf8', start, nl), curAt + start, curAt + nl);
        start = nl + 1;
      }
      if (start < cur.length) {
        if (carryLen === 0) carryAt = curAt + start;
        keep(cur, start, cur.length);
      }
    }
  } finally {
    await next.catch(() => undefined);
    await fh.close();
  }
  // Everything after the last valid line (bad lines, an unterminated fragment) is the torn tail.
  const fragmentDirty = carryLen > 0 && !isBlank(carry.toString('utf8', 0, carryLen));
  if (pendingCount > 0 || fragmentDirty) report.tornBytes = readAt - report.validBytes;
  return report;
}

function isBlank(text: string): boolean {
  // Records start with "{": no need to trim those.
  return text.charCodeAt(0) !== 0x7b && text.trim() === '';
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export interface JsonlRead<T> {
  values: T[];
  report: JsonlReport;
}

/** Every valid value of a file in an array: for small files and tests only (memory grows with the file). */
export async function readJsonlAll<T>(
  file: string,
  accept: (v: Record<string, unknown>) => boolean = () => true,
): Promise<JsonlRead<T>> {
  const values: T[] = [];
  const report = await scanJsonl<T>(file, (v) => values.push(v), accept);
  return { values, report };
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

/** Streams a requests.jsonl file, one valid RequestResult at a time. */
export function scanRequests(file: string, visit: JsonlVisitor<RequestResult>): Promise<JsonlReport> {
  return scanJsonl<RequestResult>(file, visit, isRequestResult);
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
  if (r.invalidCount > 0)
    parts.push(`${r.invalidCount} invalid line(s) skipped (first: ${r.invalidLines.slice(0, 5).join(', ')})`);
  return parts.length ? `${r.file}: ${r.lines} valid lines; ${parts.join('; ')}` : '';
}

/** Every record of a run directory's requests.jsonl in an array: for tests and small runs only. */
export async function readRunRecords(runDir: string): Promise<RequestResult[]> {
  return (await readJsonlAll<RequestResult>(join(runDir, 'requests.jsonl'), isRequestResult)).values;
}
