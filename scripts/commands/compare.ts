/** `wrp compare DIR DIR...`: runs, repeated trials or evaluated policies side by side (harness/report/compare-report.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { buildComparison } from '../../harness/report/compare-report.ts';
import { renderPage } from '../../harness/report/page.ts';
import { newRunId } from '../../harness/runner/results-writer.ts';
import { printNext, shown } from '../next.ts';

interface CompareArgs {
  dirs: string[];
  out?: string;
}

async function compare(a: CompareArgs): Promise<void> {
  const { page, markdown, comparisons } = await buildComparison(a.dirs);
  const out = a.out ?? join('results', 'compare', newRunId());
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'compare.md'), markdown);
  writeFileSync(join(out, 'compare.json'), JSON.stringify({ dirs: a.dirs, comparisons }, null, 2) + '\n');
  writeFileSync(join(out, 'report.html'), renderPage(page));
  console.log(markdown);
  console.log(`comparison: ${join(out, 'compare.md')}, ${join(out, 'compare.json')}`);
  console.log(`report: ${join(out, 'report.html')}`);
  printNext(`open ${shown(join(out, 'report.html'))}`);
}

export const compareCommand: CommandModule<object, CompareArgs> = {
  command: 'compare <dirs..>',
  describe:
    'Compare runs, repeated trials or evaluated policies with the first: differences with 95% intervals (paired by request when runs share seed and schedule), charts overlaid',
  builder: (y) =>
    y
      .positional('dirs', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'two or more folders of one kind; the first is the baseline',
      })
      .option('out', {
        type: 'string',
        describe: 'folder for compare.md, compare.json and report.html (default results/compare/<id>)',
      }),
  handler: (a) => compare(a),
};
