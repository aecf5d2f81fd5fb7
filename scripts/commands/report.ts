/** `wrp report DIR`: recompute a run's summary from its files (a finished or a killed run). */
import type { CommandModule } from 'yargs';
import { printRunSummary } from '../../harness/runner/print-summary.ts';
import { reportRun } from '../../harness/runner/report.ts';

interface ReportArgs {
  dir: string;
}

async function report(args: ReportArgs): Promise<void> {
  const fin = await reportRun(args.dir, (line) => console.error(line));
  printRunSummary(fin.summary, console.log);
  console.log(`summary: ${args.dir}/summary.json, ${args.dir}/summary.md`);
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <dir>',
  describe:
    "Recompute a run's summary.json and summary.md from its requests.jsonl and telemetry.jsonl (finished or killed runs)",
  builder: (y) =>
    y.positional('dir', { type: 'string', describe: 'a run directory (results/<name>/<run-id>)', demandOption: true }),
  handler: (a) => report(a),
};
