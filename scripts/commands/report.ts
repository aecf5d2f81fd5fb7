/**
 * `wrp report DIR`: a run's summary recomputed from its files (a finished or a killed run)
 * and report.html beside it; for a training, evaluation, capacity or repeat folder, its
 * report.html.
 */
import type { CommandModule } from 'yargs';
import { printRunSummary } from '../../harness/runner/print-summary.ts';
import { reportKind, summariseRun, writeReport } from '../../harness/report/write-report.ts';
import { printJson, printNext, shown } from '../next.ts';

interface ReportArgs {
  dir: string;
  json?: boolean;
}

async function report(args: ReportArgs): Promise<void> {
  const run = reportKind(args.dir) === 'run' ? await summariseRun(args.dir, (line) => console.error(line)) : undefined;
  const summary = run?.summary;
  const html = run?.html ?? (await writeReport(args.dir));
  if (args.json) return printJson({ dir: args.dir, report: html, ...(summary ? { summary } : {}) });
  if (summary) {
    printRunSummary(summary, console.log);
    console.log(`summary: ${args.dir}/summary.json, ${args.dir}/summary.md`);
  }
  console.log(`report: ${html}`);
  printNext(`open ${shown(html)}`, `npx wrp compare ${shown(args.dir)} <another run>`);
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <dir>',
  describe:
    'Write DIR/report.html (a run, sweep, training, evaluation, capacity or repeat folder); for a run, recompute summary.json and summary.md first',
  builder: (y) =>
    y
      .positional('dir', {
        type: 'string',
        describe: 'a run directory (results/<name>/<run-id>), a policy folder, a capacity or repeat folder',
        demandOption: true,
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON (for scripts)' }),
  handler: (a) => report(a),
};
