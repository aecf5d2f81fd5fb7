/**
 * The one place the report reads requests.jsonl: a line at a time (node:readline over a
 * file stream), so memory stays flat however long the run. Lines that are not a request
 * record (a torn last line, corruption) are skipped and counted; finalize reports them.
 * When the runner's own streaming reader lands (issue 11), this becomes a call to it.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { isRequestResult } from '../runner/results-reader.ts';
import type { RequestResult } from '../types.ts';

export interface ScanCount {
  records: number;
  skipped: number;
}

export async function forEachRequest(file: string, visit: (r: RequestResult) => void): Promise<ScanCount> {
  const count: ScanCount = { records: 0, skipped: 0 };
  if (!existsSync(file)) return count;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      count.skipped++;
      continue;
    }
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && isRequestResult(v as Record<string, unknown>)) {
      count.records++;
      visit(v as RequestResult);
    } else count.skipped++;
  }
  return count;
}
