/**
 * `wrp report DIR`: a run's summary recomputed from its files (a finished or a killed run)
 * and report.html beside it; for a training, evaluation, capacity or repeat folder, its
 * report.html.
 */
import type { CommandModule } from 'yargs';
import { printRunSummary } from '../../harness/runner/print-summary.ts';
import { reportRun } from '../../harness/runner/report.ts';
import { reportKind, writeReport } from '../../harness/report/write-report.ts';
import { RunDigester, type RunDigest } from '../../harness/report/run-digest.ts';
import { scanCount } from '../../harness/report/read-records.ts';
import type { RunSummary } from '../../harness/runner/summary.ts';
import { printJson, printNext, shown } from '../next.ts';

interface ReportArgs {
  dir: string;
  json?: boolean;
}

async function report(args: ReportArgs): Promise<void> {
  let summary: RunSummary | undefined;
  let digest: RunDigest | undefined;
  if (reportKind(args.dir) === 'run') {
    // One pass over requests.jsonl: the summary and the report's digest see each record in turn.
    let digester: RunDigester | undefined;
    const fin = await reportRun(
      args.dir,
      (line) => console.error(line),
      (config) => {
        const d = (digester = new RunDigester(config.slo));
        return (r) => d.add(r);
      },
    );
    summary = fin.summary;
    digest = digester?.finish(scanCount(fin.requests));
  }
  const html = await writeReport(args.dir, digest);
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
