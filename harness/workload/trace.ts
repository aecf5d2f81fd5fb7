/**
 * Arrival traces: send times read from a JSONL file (`{"t": 1.25}` per line, any key) or a
 * CSV file (a named column). Values are numbers (seconds, or milliseconds with unit `ms`) or
 * date-time strings (e.g. Azure LLM traces' `2023-11-16 18:15:46.6805900`, read as UTC).
 * Times are sorted, rebased so the first is 0 (unless `rebase: false`) and multiplied by
 * `scale` (0.5 replays twice as fast).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { requireFile } from '../../datasets/paths.ts';
import { DatasetError } from '../../core/errors.ts';

export interface TraceOptions {
  /** JSONL key or CSV column; default `t`. */
  column?: string;
  unit?: 's' | 'ms';
  scale?: number;
  rebase?: boolean;
}

export interface Trace {
  /** Seconds from run start, ascending. */
  times: number[];
  rowsRead: number;
  /** Rows without a usable time (skipped). */
  invalid: number;
  /** Rows that were earlier than the row before (the trace was sorted). */
  outOfOrder: number;
}

const NAIVE_DATETIME = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d(?::\d\d)?)(?:\.(\d+))?$/;

/** Seconds from a cell, or undefined when it is not a time. */
export function timeValue(v: unknown, unit: 's' | 'ms'): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? (unit === 'ms' ? v / 1000 : v) : undefined;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const s = v.trim();
  const n = Number(s);
  if (Number.isFinite(n)) return unit === 'ms' ? n / 1000 : n;
  // A date-time without a zone is taken as UTC, so replays do not shift across DST.
  const m = NAIVE_DATETIME.exec(s);
  const ms = m ? Date.parse(`${m[1]}T${m[2]}${m[3] ? `.${m[3].slice(0, 3).padEnd(3, '0')}` : ''}Z`) : Date.parse(s);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

function rawValues(file: string, column: string): unknown[] {
  const text = readFileSync(file, 'utf8');
  if (/\.csv$/i.test(file)) {
    const rows = parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
    if (rows.length > 0 && !(column in rows[0]!)) {
      throw new DatasetError(file, `no column "${column}"; expected one of ${Object.keys(rows[0]!).join(', ')}`);
    }
    return rows.map((r) => r[column]);
  }
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        const obj: unknown = JSON.parse(l);
        if (typeof obj === 'number') return obj;
        return typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>)[column] : undefined;
      } catch {
        return undefined;
      }
    });
}

export function loadTrace(file: string, opts: TraceOptions = {}): Trace {
  requireFile(file);
  const column = opts.column ?? 't';
  const raw = rawValues(file, column);
  const times: number[] = [];
  let outOfOrder = 0;
  for (const v of raw) {
    const t = timeValue(v, opts.unit ?? 's');
    if (t === undefined) continue;
    if (times.length > 0 && t < times[times.length - 1]!) outOfOrder++;
    times.push(t);
  }
  if (times.length === 0) throw new DatasetError(file, `no usable "${column}" times in ${raw.length} rows`);
  times.sort((a, b) => a - b);
  const origin = opts.rebase === false ? 0 : times[0]!;
  const scale = opts.scale ?? 1;
  if (times[0]! < 0 && opts.rebase === false) throw new DatasetError(file, 'negative times need `rebase: true`');
  return {
    times: times.map((t) => (t - origin) * scale),
    rowsRead: raw.length,
    invalid: raw.length - times.length,
    outOfOrder,
  };
}
