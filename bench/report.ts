/**
 * Report speed and memory: `wrp report`'s page (runReport + renderPage) over a synthetic
 * run of N records, against the floor any streaming report pays in the same run: reading
 * the same requests.jsonl line by line and parsing every line. Peak RSS is sampled during
 * each; the report's should not grow with N (compare N and N/10).
 */
import { mkdtempSync, openSync, rmSync, writeFileSync, writeSync, closeSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { parseExperiment } from '../harness/runner/config.ts';
import { summarise } from '../harness/runner/summary.ts';
import type { RequestResult } from '../harness/types.ts';
import { renderPage } from '../harness/report/page.ts';
import { runReport } from '../harness/report/run-report.ts';

export interface ReportBenchRow {
  records: number;
  fileMiB: number;
  readParseS: number;
  reportS: number;
  ratio: number;
  readParsePeakMiB: number;
  reportPeakMiB: number;
  htmlMiB: number;
}

const POOLS = ['small', 'medium', 'large'];
const CATEGORIES = ['math', 'code', 'chitchat', 'extraction', 'classification', 'multiple-choice'];
const FILLER = 'lorem ipsum dolor sit amet '.repeat(24);

/** A plausible record: ~2 KB like a real run's (labels, text, answer, 40 ITL gaps). */
function record(i: number): RequestResult {
  const pool = POOLS[i % 3]!;
  const ok = i % 50 !== 0;
  const sentMs = i * 10;
  return {
    id: `s${i}/0`,
    runId: 'bench',
    labels: {
      id: `s${i}/0`,
      source: 'synthetic',
      category: CATEGORIES[i % CATEGORIES.length]!,
      archetype: i % 4 ? 'chat' : 'agent',
      sessionId: `s${i}`,
      turn: 0,
      warm: false,
      lengthClass: 'balanced',
    },
    stage: 0,
    stageLabel: '',
    features: { promptTokensEstimate: 300, textChars: 1200, turn: 0, poolRunning: {}, poolWaiting: {} },
    text: FILLER,
    ...(ok ? { answer: FILLER } : {}),
    decision: { pool, model: pool, propensity: 1 / 3, policy: i % 2 ? 'random' : 'learner' },
    status: ok ? 'ok' : 'failed',
    ...(ok ? {} : { errorClass: 'http_5xx' }),
    timing: {
      scheduledMs: sentMs,
      sentMs,
      sendLagMs: 0.2,
      ...(ok ? { ttftMs: 40 + (i % 97), tpotMs: 8 + (i % 7), e2eMs: 400 + (i % 389) } : {}),
      itlMs: ok ? Array.from({ length: 40 }, (_, k) => 6 + ((i + k) % 9)) : [],
    },
    tokens: { prompt: 300, output: ok ? 41 : 0, usageMissing: false },
    costUsd: 0.0001 * (1 + (i % 3)),
    ...(ok ? { energyJ: 5 + (i % 3) } : {}),
    quality: ok ? (i % 5) / 4 : 0,
    evaluator: 'numeric',
    reward: ok ? (i % 7) / 6 : 0,
    sloViolated: false,
  };
}

async function peakDuring<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number; peakMiB: number }> {
  global.gc?.();
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  const value = await work();
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  return { value, seconds, peakMiB: Math.max(peak, process.memoryUsage().rss) / 2 ** 20 };
}

async function readParse(file: string): Promise<number> {
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity }))
    if (line) n += JSON.parse(line) ? 1 : 0;
  return n;
}

export async function reportBench(n: number): Promise<ReportBenchRow> {
  const dir = mkdtempSync(join(tmpdir(), 'wrp-bench-report-'));
  try {
    const config = parseExperiment(
      {
        name: 'bench-report',
        pools: POOLS.map((name) => ({
          name,
          model: name,
          sim: { model: 'llama-3.2-1b' },
          pricing: { input_per_1m: 1, output_per_1m: 1 },
        })),
        workload: { sources: [{ type: 'synthetic' }], arrival: { type: 'poisson', rate: 100 } },
        router: { type: 'random' },
        stop: { requests: n },
        slo: { ttft_ms: 100, tpot_ms: 12 },
      },
      'bench-report.yaml',
    );
    writeFileSync(join(dir, 'config.resolved.yaml'), stringify(config));
    const file = join(dir, 'requests.jsonl');
    const fd = openSync(file, 'w');
    let bytes = 0;
    for (let start = 0; start < n; start += 1000) {
      let chunk = '';
      for (let i = start; i < Math.min(n, start + 1000); i++) chunk += JSON.stringify(record(i)) + '\n';
      bytes += writeSync(fd, chunk);
    }
    closeSync(fd);
    // The page's tables come from summary.json; a sample's summary stands in (the bench times the charts).
    const sample = Array.from({ length: 1000 }, (_, i) => record(i));
    const summary = summarise({
      runId: 'bench',
      experiment: 'bench-report',
      records: sample,
      durationS: 10,
      slo: config.slo,
      stoppedBy: 'requests',
      energyMethod: 'bench',
    });
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));
    const floor = await peakDuring(() => readParse(file));
    const report = await peakDuring(async () => renderPage(await runReport(dir)));
    return {
      records: n,
      fileMiB: bytes / 2 ** 20,
      readParseS: floor.seconds,
      reportS: report.seconds,
      ratio: report.seconds / floor.seconds,
      readParsePeakMiB: floor.peakMiB,
      reportPeakMiB: report.peakMiB,
      htmlMiB: report.value.length / 2 ** 20,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
