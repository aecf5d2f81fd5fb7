/**
 * The one place the report reads requests.jsonl: the runner's streaming reader
 * (results-reader.ts scanRequests), so memory stays flat however long the run. Lines that are
 * not a request record (a torn last line, corruption) are skipped and counted; finalize
 * reports them.
 */
import { scanRequests, type JsonlReport } from '../runner/results-reader.ts';
import type { RequestResult } from '../types.ts';

export interface ScanCount {
  records: number;
  skipped: number;
}

export async function forEachRequest(file: string, visit: (r: RequestResult) => void): Promise<ScanCount> {
  return scanCount(await scanRequests(file, (r) => visit(r)));
}

/** What a scan of requests.jsonl read, as the report counts it. */
export function scanCount(report: JsonlReport): ScanCount {
  return { records: report.lines, skipped: report.invalidCount + (report.tornBytes > 0 ? 1 : 0) };
}
