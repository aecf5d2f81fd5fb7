/** The run summary as the CLI prints it: the overall and per-pool tables. */
import type { RunSummary } from './summary.ts';
import { tableMarkdown } from './summary.ts';

export function printRunSummary(s: RunSummary, log: (line: string) => void): void {
  log(
    `\n${s.experiment}: ${s.sent} requests, ${s.ok} ok, ${s.failed} failed, ${s.cancelled} cancelled in ${s.durationS} s (stopped by ${s.stoppedBy})`,
  );
  for (const n of s.notes ?? []) log(`note: ${n}`);
  for (const name of ['overall', 'pool', 'stage', 'policy']) {
    const rows = s.tables[name];
    if (rows) log(`\n${name}\n${tableMarkdown(rows)}`);
  }
}
