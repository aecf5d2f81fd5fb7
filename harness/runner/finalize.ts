/**
 * The end of a run, and `wrp report`: reads requests.jsonl and telemetry.jsonl back,
 * attributes pool energy to requests and writes summary.json and summary.md. Working from
 * the files, not from memory, keeps a long run's memory flat and makes a partial (killed)
 * run reportable the same way as a finished one.
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { ATTRIBUTION_METHOD, attributeEnergy, energyPoints } from '../telemetry/energy-attribution.ts';
import type { TelemetrySample } from '../telemetry/types.ts';
import type { RequestResult } from '../types.ts';
import type { ExperimentConfig } from './config.ts';
import { describeRead, readJsonl, readRequests, type JsonlReport } from './results-reader.ts';
import { JsonlWriter, writeText } from './results-writer.ts';
import { summarise, summaryMarkdown, type RunSummary } from './summary.ts';

export interface FinalizeOptions {
  runDir: string;
  runId: string;
  config: ExperimentConfig;
  stoppedBy: string;
  log: (line: string) => void;
  /** Write the attributed energy back into requests.jsonl (the runner does; `wrp report` leaves the raw file alone). */
  rewriteRequests: boolean;
  /** Lines for the summary's notes (dataset load reports, resume bookkeeping). */
  notes?: string[];
}

export interface Finalized {
  summary: RunSummary;
  records: RequestResult[];
  requests: JsonlReport;
}

const isSample = (v: Record<string, unknown>) =>
  (v.kind === 'metrics' || v.kind === 'energy') && typeof v.pool === 'string' && typeof v.t_ms === 'number';

export async function finalizeRun(o: FinalizeOptions): Promise<Finalized> {
  const file = join(o.runDir, 'requests.jsonl');
  const req = readRequests(file);
  const tel = readJsonl<TelemetrySample>(join(o.runDir, 'telemetry.jsonl'), isSample);
  const notes = [...(o.notes ?? [])];
  for (const r of [req.report, tel.report]) {
    const line = describeRead(r);
    if (line) {
      notes.push(line);
      o.log(line);
    }
  }
  const records = req.values;

  // Energy: split each pool's measured energy over its requests by tokens processed.
  const samples = tel.values;
  const hasEnergy = samples.some((s) => s.kind === 'energy' && s.error === undefined);
  let energyMethod = 'none (no energy source)';
  if (hasEnergy) {
    const timed = records.filter((r) => r.timing.sentEpochMs !== undefined);
    const attribution = attributeEnergy(
      energyPoints(samples),
      timed.map((r) => ({
        id: r.id,
        pool: r.decision.pool,
        startMs: r.timing.sentEpochMs!,
        ttftMs: r.timing.ttftMs,
        e2eMs: r.timing.e2eMs ?? 0,
        promptTokens: r.tokens.prompt ?? r.features.promptTokensEstimate,
        cachedTokens: r.tokens.cached,
        outputTokens: r.tokens.output,
      })),
    );
    for (const r of timed) {
      r.energyJ = attribution.perRequest.get(r.id) ?? 0;
      r.energyMethod = ATTRIBUTION_METHOD;
    }
    const t = attribution.totals;
    energyMethod = `${ATTRIBUTION_METHOD}: each interval between energy samples split over the pool's requests by tokens processed (uncached prompt tokens until the first token, output tokens after); idle energy ${t.idleJ.toFixed(1)} J of ${t.totalJ.toFixed(1)} J not attributed`;
    if (o.rewriteRequests) {
      // Atomically: a crash while rewriting keeps the old file.
      const tmp = new JsonlWriter(`${file}.tmp`, 'w');
      for (const r of records) tmp.write(r);
      await tmp.close();
      await rename(`${file}.tmp`, file);
    }
  }

  let first = Infinity;
  let last = -Infinity;
  for (const r of records) {
    first = Math.min(first, r.timing.sentMs);
    last = Math.max(last, r.timing.sentMs + (r.timing.e2eMs ?? 0));
  }
  const summary = summarise({
    runId: o.runId,
    experiment: o.config.name,
    records,
    durationS: records.length ? (last - first) / 1000 : 0,
    slo: o.config.slo,
    stoppedBy: o.stoppedBy,
    energyMethod,
    notes,
  });
  writeText(o.runDir, 'summary.json', JSON.stringify(summary, null, 2) + '\n');
  writeText(o.runDir, 'summary.md', summaryMarkdown(summary));
  return { summary, records, requests: req.report };
}
