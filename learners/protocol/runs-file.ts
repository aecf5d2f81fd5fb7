/**
 * runs.jsonl, the learning suite's record of runs (one RunRecord per line, written as each run
 * finishes): read back line by line, a torn last line (a killed run) dropped and said.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { InputFileError } from '../../core/errors.ts';
import type { RunRecord } from './run.ts';

export const RUNS_FILE = 'runs.jsonl';

/** Calls `each` for every record of `file`, in file order; returns the count of lines that were not JSON. */
export async function forEachRun(file: string, each: (r: RunRecord) => void): Promise<number> {
  if (!existsSync(file)) throw new InputFileError(file, `no such file (expected a ${RUNS_FILE})`);
  let torn = 0;
  for await (const line of createInterface({ input: createReadStream(file) })) {
    if (line.trim() === '') continue;
    let r: RunRecord;
    try {
      r = JSON.parse(line) as RunRecord;
    } catch {
      torn++;
      continue;
    }
    each(r);
  }
  return torn;
}

/** Every record of a runs.jsonl (records are small: a suite's fit in memory); `warn` hears of torn lines. */
export async function readRuns(file: string, warn: (line: string) => void): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  const torn = await forEachRun(file, (r) => out.push(r));
  if (torn > 0) warn(`${file}: ${torn} line(s) not JSON (a torn last line?), left out`);
  return out;
}
