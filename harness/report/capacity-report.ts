/** The report of a capacity search folder (capacity.json): the answer, every trial's evidence, the chart. */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CapacityResult } from '../trials/capacity.ts';
import { capacityChart } from './charts/capacity.ts';
import type { ReportPage } from './page.ts';
import { sloText } from './run-report.ts';

export function capacityReport(dir: string): ReportPage {
  const c = JSON.parse(readFileSync(join(dir, 'capacity.json'), 'utf8')) as CapacityResult;
  return {
    title: `${c.experiment}: capacity under SLO`,
    subtitle: dir,
    sections: [
      {
        heading: 'Capacity',
        text: [
          `${c.conclusion}.`,
          `Target: a goodput share of at least ${c.target}. ${sloText(c.slo)}`,
          `Each trial is a whole run of ${c.trialRequests} requests at one ${c.process} rate, same seed (the same sessions); a trial stops early once more requests missed an SLO than the target allows ("saturated").`,
        ],
        tables: [
          {
            title: 'trials (in the order tried)',
            rows: c.trials.map((t) => ({ ...t, share: Number(t.share.toFixed(4)), runDir: relative(dir, t.runDir) })),
            columns: [
              'trial',
              'rate',
              'sent',
              'meeting',
              'share',
              'goodputReqPerS',
              'reqPerS',
              'ttftP99Ms',
              'verdict',
              'runDir',
            ],
          },
        ],
        charts: [
          capacityChart(
            c.trials.map((t) => ({
              trial: t.trial,
              rate: t.rate,
              share: t.share,
              ttftP99: t.ttftP99Ms,
              verdict: t.verdict,
            })),
            c.target,
            c.capacity,
            c.slo.ttft_ms,
          ),
        ],
      },
    ],
  };
}
