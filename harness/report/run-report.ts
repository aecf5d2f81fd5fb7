/**
 * The report of one run (a plain run or a sweep): its summary tables, then the charts its
 * data supports: latency CDFs per pool, latency and goodput against offered load (sweeps),
 * throughput and goodput over time with errors by class, energy per token, quality / cost
 * / reward per category and pool with intervals, learning curves and traffic shares, and
 * the cost-quality plane. A chart whose data the run lacks is left out and says why.
 * Reads the files `wrp run` and `wrp report` leave: config.resolved.yaml, summary.json,
 * requests.jsonl (streamed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadExperiment } from '../runner/config.ts';
import type { RunSummary } from '../runner/summary.ts';
import { InputFileError } from '../../core/errors.ts';
import type { Chart } from './charts/chart.ts';
import { energyChart } from './charts/energy.ts';
import { costQualityPlane } from './charts/frontier.ts';
import { latencyCdf, loadCurves } from './charts/latency.ts';
import { learningCurves, trafficShare } from './charts/learning.ts';
import { categoryIntervals } from './charts/quality.ts';
import { throughputOverTime } from './charts/throughput.ts';
import type { ReportPage, Section } from './page.ts';
import {
  categoryRows,
  cdfRows,
  curveRows,
  energyRows,
  loadRows,
  planeRows,
  rateRows,
  shareRows,
  stageRows,
} from './run-charts.ts';
import { digestRun, type RunDigest } from './run-digest.ts';

/** Columns of the summary tables on the page (summary.json has them all). */
export const TABLE_COLUMNS = [
  'requests',
  'error_rate',
  'ttft_p50_ms',
  'ttft_p99_ms',
  'itl_p50_ms',
  'tpot_p50_ms',
  'e2e_p50_ms',
  'e2e_p99_ms',
  'req_per_s',
  'output_tok_per_s',
  'goodput_req_per_s',
  'goodput_share',
  'cost_per_1k_req_usd',
  'j_per_output_token',
  'quality',
  'reward',
];

export function readSummary(dir: string): RunSummary {
  const file = join(dir, 'summary.json');
  if (!existsSync(file)) throw new InputFileError(dir, 'no summary.json: run `wrp report DIR` on the run first');
  return JSON.parse(readFileSync(file, 'utf8')) as RunSummary;
}

export function summaryTables(s: RunSummary): Section['tables'] {
  return Object.entries(s.tables).map(([name, rows]) => {
    const key = Object.keys(rows[0] ?? {})[0] ?? name;
    return { title: name, rows, columns: [key, ...TABLE_COLUMNS.filter((c) => rows[0] && c in rows[0])] };
  });
}

export function sloText(slo: { ttft_ms?: number; tpot_ms?: number; e2e_ms?: number }): string {
  const parts = [
    slo.ttft_ms !== undefined ? `TTFT <= ${slo.ttft_ms} ms` : '',
    slo.tpot_ms !== undefined ? `TPOT <= ${slo.tpot_ms} ms` : '',
    slo.e2e_ms !== undefined ? `E2E <= ${slo.e2e_ms} ms` : '',
  ].filter(Boolean);
  return parts.length
    ? `SLOs: ${parts.join(', ')}. Goodput = requests per second that succeeded and met every SLO; goodput share = their share of requests sent.`
    : 'No SLO set: goodput counts every successful request.';
}

/** `digest`: the run's, when the caller built it already (in the pass that recomputed the summary). */
export async function runReport(dir: string, digest?: RunDigest): Promise<ReportPage> {
  const resolved = join(dir, 'config.resolved.yaml');
  if (!existsSync(resolved)) throw new InputFileError(dir, 'expected a run directory holding config.resolved.yaml');
  const config = loadExperiment(resolved);
  const summary = readSummary(dir);
  const d = digest ?? (await digestRun(dir, config.slo));
  const sections: Section[] = [
    {
      heading: 'Summary',
      text: [
        `${summary.sent} requests sent: ${summary.ok} ok, ${summary.failed} failed, ${summary.cancelled} cancelled, over ${summary.durationS} s (stopped by ${summary.stoppedBy}).`,
        sloText(config.slo),
        `Percentiles: ${summary.percentileMethod}. Latency statistics exclude failed requests.`,
        ...(summary.notes ?? []).map((n) => `Note: ${n}`),
        ...(d.skipped ? [`${d.skipped} line(s) of requests.jsonl were not request records and are left out.`] : []),
      ],
      tables: summaryTables(summary),
    },
  ];

  const latency: Chart[] = [];
  if (d.ok > 0)
    latency.push(
      latencyCdf(
        cdfRows(d.latency),
        'pool',
        'Share of successful requests at or below each latency, per pool (HDR histograms, 3 significant digits). ITL: every gap between two content events.',
      ),
    );
  const stages = stageRows(d);
  if (stages.length > 1) {
    const load = loadRows(stages);
    latency.push(loadCurves(load.latency, load.goodput, config.slo, load.knee));
  }
  sections.push({
    heading: 'Latency',
    charts: latency,
    ...(latency.length ? {} : { text: ['No request succeeded: no latency to draw.'] }),
    ...(stages.length > 1
      ? {
          tables: [
            {
              title: 'sweep stages',
              rows: stages.map((s) => ({ ...s, share: Number(s.share.toFixed(4)) })),
              columns: [
                'stage',
                'offered',
                'ttftP50',
                'ttftP99',
                'tpotP50',
                'tpotP99',
                'throughput',
                'goodput',
                'share',
              ],
            },
          ],
        }
      : {}),
  });

  const rates = rateRows(d, 'run');
  sections.push({
    heading: 'Throughput and goodput',
    charts: [throughputOverTime(rates.rates, rates.errors, rates.bucketS, false)],
  });

  const energy = energyRows(d, summary.tables);
  sections.push({
    heading: 'Energy',
    ...(energy.length
      ? { charts: [energyChart(energy, summary.energyMethod)] }
      : { text: [`No energy measured for this run (${summary.energyMethod}).`] }),
  });

  const categories = categoryRows(d);
  sections.push({
    heading: 'Quality, cost and reward',
    charts: [
      categoryIntervals(
        categories,
        'pool',
        'Mean per category (the most frequent ten) and pool with its 95% t interval over the requests routed there. Quality and reward are what the evaluator and reward weights gave; requests without a verdict are left out of quality.',
      ),
    ],
  });

  const curves = curveRows(d);
  const learning: Chart[] = [];
  if (curves.length) learning.push(learningCurves(curves, d.regretBasis));
  if (d.pools.size > 1) learning.push(trafficShare(shareRows(d), 'seconds since the run started'));
  sections.push({
    heading: 'Learning and routing',
    charts: learning,
    ...(learning.length ? {} : { text: ['One pool and no rewards: nothing was learned or routed.'] }),
  });

  const plane = planeRows(d);
  if (plane.length >= 2)
    sections.push({
      heading: 'Cost-quality plane',
      charts: [
        costQualityPlane(
          plane,
          'mean cost per request (USD)',
          'Each policy at its mean cost per request and mean quality in this run. Single models, where shown, are self-normalised inverse-propensity estimates from the randomised decisions (propensity < 1): what always routing there would have given on the same traffic.',
        ),
      ],
    });

  return {
    title: `${summary.experiment}: run ${summary.runId}`,
    subtitle: `${dir} · ${config.pools.length} pool(s) · router ${config.router.type} · ${d.records} requests`,
    sections,
  };
}
