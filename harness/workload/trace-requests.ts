/**
 * Request traces with lengths, for arrival and prefix replay:
 * - Mooncake (kvcache-ai/Mooncake, FAST'25 traces): JSONL, one request per line,
 *   `{"timestamp": ms since the first request, "input_length": tokens, "output_length": tokens,
 *   "hash_ids": [block ids]}`; each id is one block of `block_tokens` (512 in the published
 *   traces) prompt tokens, and requests that share a leading run of ids share that prefix.
 * - BurstGPT (HPMLL/BurstGPT): CSV with `Timestamp` (seconds), `Model`, `Request tokens`,
 *   `Response tokens`, `Total tokens`, `Log Type`; no prefix information. Rows with 0 response
 *   tokens are failed requests in those logs: counted and skipped.
 * Rows are sorted by time and rebased to start at 0; bad rows are counted, never guessed.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { DatasetError } from '../../core/errors.ts';
import { requireFile } from '../../datasets/paths.ts';

export interface TraceRequest {
  /** Seconds from the first request. */
  atS: number;
  inputTokens: number;
  outputTokens: number;
  /** Mooncake prefix blocks, in prompt order. */
  hashIds?: number[];
}

export interface RequestTrace {
  requests: TraceRequest[];
  rowsRead: number;
  /** Rows skipped, by reason. */
  skipped: Record<string, number>;
}

export interface RequestTraceOptions {
  /** BurstGPT: keep only this `Model`. */
  model?: string;
  /** Multiplies the gaps (0.5 replays twice as fast). */
  scale?: number;
}

const count = (m: Record<string, number>, k: string) => void (m[k] = (m[k] ?? 0) + 1);
const nonNegInt = (v: unknown): number | undefined => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
};

function mooncakeRows(file: string, skipped: Record<string, number>): { rows: TraceRequest[]; read: number } {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  const rows: TraceRequest[] = [];
  let read = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    read++;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      count(skipped, 'not JSON');
      continue;
    }
    const t = typeof o.timestamp === 'number' && Number.isFinite(o.timestamp) ? o.timestamp : undefined;
    const input = nonNegInt(o.input_length);
    const output = nonNegInt(o.output_length);
    const ids = o.hash_ids;
    if (t === undefined) count(skipped, 'no timestamp');
    else if (input === undefined || input === 0) count(skipped, 'no input_length');
    else if (output === undefined || output === 0) count(skipped, 'no output_length');
    else if (ids !== undefined && !(Array.isArray(ids) && ids.every((x) => nonNegInt(x) !== undefined)))
      count(skipped, 'hash_ids not a list of non-negative integers');
    else
      rows.push({
        atS: t / 1000,
        inputTokens: input,
        outputTokens: output,
        ...(ids ? { hashIds: ids as number[] } : {}),
      });
  }
  return { rows, read };
}

const BURSTGPT_COLUMNS = ['Timestamp', 'Request tokens', 'Response tokens'];

function burstGptRows(
  file: string,
  model: string | undefined,
  skipped: Record<string, number>,
): { rows: TraceRequest[]; read: number } {
  const records = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, bom: true }) as Record<
    string,
    string
  >[];
  const missing = BURSTGPT_COLUMNS.filter((c) => records.length > 0 && !(c in records[0]!));
  if (missing.length > 0)
    throw new DatasetError(file, `not a BurstGPT CSV: no column ${missing.map((c) => `"${c}"`).join(', ')}`);
  const rows: TraceRequest[] = [];
  for (const r of records) {
    if (model !== undefined && r.Model !== model) {
      count(skipped, `Model is not ${model}`);
      continue;
    }
    const t = Number(r.Timestamp);
    const input = nonNegInt(r['Request tokens']);
    const output = nonNegInt(r['Response tokens']);
    if (r.Timestamp === undefined || r.Timestamp.trim() === '' || !Number.isFinite(t)) count(skipped, 'no Timestamp');
    else if (input === undefined || input === 0) count(skipped, 'no Request tokens');
    else if (output === 0) count(skipped, 'failed request (0 Response tokens)');
    else if (output === undefined) count(skipped, 'no Response tokens');
    else rows.push({ atS: t, inputTokens: input, outputTokens: output });
  }
  return { rows, read: records.length };
}

export function loadRequestTrace(
  file: string,
  format: 'mooncake' | 'burstgpt',
  opts: RequestTraceOptions = {},
): RequestTrace {
  requireFile(file);
  const skipped: Record<string, number> = {};
  const { rows, read } = format === 'mooncake' ? mooncakeRows(file, skipped) : burstGptRows(file, opts.model, skipped);
  if (rows.length === 0)
    throw new DatasetError(
      file,
      `no usable ${format} request in ${read} rows${Object.keys(skipped).length ? ` (${JSON.stringify(skipped)})` : ''}`,
    );
  rows.sort((a, b) => a.atS - b.atS);
  const origin = rows[0]!.atS;
  const scale = opts.scale ?? 1;
  return { requests: rows.map((r) => ({ ...r, atS: (r.atS - origin) * scale })), rowsRead: read, skipped };
}
