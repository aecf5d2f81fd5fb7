/**
 * The end of a run, and `wrp report`: streams requests.jsonl and telemetry.jsonl back,
 * attributes pool energy to requests and writes summary.json and summary.md. Working from
 * the files, not from memory, makes a partial (killed) run reportable the same way as a
 * finished one; reading them a line at a time keeps memory flat however long the run
 * (multi-GB files included).
 *
 * Passes over requests.jsonl: one for the summary; with energy samples, the energy inputs of
 * each request are parked on a temporary file (float-spool.ts) and read back once every
 * request has been seen (an interval's energy is split over all requests active in it);
 * `rewriteRequests` (the runner) streams the file once more to write the energy into it, and
 * `onRecord` (the report's digest) sees each record in that pass, energy included.
 */
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  ATTRIBUTION_METHOD,
  EnergyAttributor,
  type EnergyPoint,
  type RequestWork,
} from '../telemetry/energy-attribution.ts';
import type { TelemetrySample } from '../telemetry/types.ts';
import type { RequestResult } from '../types.ts';
import type { ExperimentConfig } from './config.ts';
import { FloatSpool } from './float-spool.ts';
import { describeRead, scanJsonl, scanRequests, type JsonlReport } from './results-reader.ts';
import { writeText } from './results-writer.ts';
import { SummaryBuilder, summaryMarkdown, type RunSummary, type SummaryMeta } from './summary.ts';
import type { StopReason } from './stop-reason.ts';

export interface FinalizeOptions {
  runDir: string;
  runId: string;
  config: ExperimentConfig;
  stop: StopReason;
  log: (line: string) => void;
  /** Write the attributed energy back into requests.jsonl (the runner does; `wrp report` leaves the raw file alone). */
  rewriteRequests: boolean;
  /** Lines for the summary's notes (dataset load reports, resume bookkeeping). */
  notes?: string[];
  /** Open-loop figures of the load loop (offered vs achieved rate). */
  load?: SummaryMeta['load'];
  /**
   * Sees each record once, as requests.jsonl holds it when finalising is done: in the pass that
   * writes the attributed energy in when there is one, else in the summary's pass. The report's
   * digest is built here, so the file is not read again for it.
   */
  onRecord?: (r: RequestResult) => void;
}

export interface Finalized {
  summary: RunSummary;
  /** Valid records in requests.jsonl. */
  recorded: number;
  requests: JsonlReport;
}

const isSample = (v: Record<string, unknown>) =>
  (v.kind === 'metrics' || v.kind === 'energy') && typeof v.pool === 'string' && typeof v.t_ms === 'number';

/** A spooled request: its summary leaf, then the energy inputs. NaN stands for undefined. */
const SPOOL_WIDTH = 7;

export async function finalizeRun(o: FinalizeOptions): Promise<Finalized> {
  const file = join(o.runDir, 'requests.jsonl');
  const points: EnergyPoint[] = [];
  const tel = await scanJsonl<TelemetrySample>(
    join(o.runDir, 'telemetry.jsonl'),
    (s) => {
      if (s.kind === 'energy' && s.error === undefined && s.energy_j !== undefined)
        points.push({ pool: s.pool, tMs: s.t_ms, energyJ: s.energy_j });
    },
    isSample,
  );
  const energy = points.length > 0 ? new EnergyAttributor(points) : undefined;
  const builder = new SummaryBuilder(o.config.slo);
  const spool = energy && new FloatSpool(SPOOL_WIDTH);
  const rewrite = energy !== undefined && o.rewriteRequests;
  const row = new Float64Array(SPOOL_WIDTH);
  try {
    const req = await scanRequests(file, (r) => {
      if (!rewrite) o.onRecord?.(r);
      const leaf = builder.add(r);
      const work = energy && workOf(r, energy);
      if (work === undefined) {
        if (r.energyJ !== undefined) builder.addEnergy(leaf, r.energyJ, r.tokens.output);
        return;
      }
      energy!.add(work);
      row[0] = leaf;
      row[1] = work.startMs;
      row[2] = work.ttftMs ?? NaN;
      row[3] = work.e2eMs;
      row[4] = work.promptTokens;
      row[5] = work.cachedTokens ?? NaN;
      row[6] = work.outputTokens;
      spool!.push(row);
    });
    const notes = [...(o.notes ?? [])];
    for (const r of [req, tel]) {
      const line = describeRead(r);
      if (line) {
        notes.push(line);
        o.log(line);
      }
    }

    let energyMethod = 'none (no energy source)';
    if (energy && spool) {
      // Every request seen: each one's share of its intervals' energy.
      spool.forEach((s) => {
        const leaf = s[0]!;
        const joules = energy.energyOf({
          id: '',
          pool: builder.leafKeys(leaf).pool,
          startMs: s[1]!,
          ttftMs: Number.isNaN(s[2]) ? undefined : s[2],
          e2eMs: s[3]!,
          promptTokens: s[4]!,
          cachedTokens: Number.isNaN(s[5]) ? undefined : s[5],
          outputTokens: s[6]!,
        });
        builder.addEnergy(leaf, joules ?? 0, s[6]!);
      });
      const t = energy.totals();
      energyMethod = `${ATTRIBUTION_METHOD}: each interval between energy samples split over the pool's requests by tokens processed (uncached prompt tokens until the first token, output tokens after); idle energy ${t.idleJ.toFixed(1)} J of ${t.totalJ.toFixed(1)} J not attributed`;
      if (rewrite) await rewriteWithEnergy(file, energy, o.onRecord);
    }

    const summary = builder.build({
      runId: o.runId,
      experiment: o.config.name,
      slo: o.config.slo,
      stop: o.stop,
      energyMethod,
      load: o.load,
      notes,
    });
    writeText(o.runDir, 'summary.json', JSON.stringify(summary, null, 2) + '\n');
    writeText(o.runDir, 'summary.md', summaryMarkdown(summary));
    return { summary, recorded: req.lines, requests: req };
  } finally {
    spool?.close();
    builder.destroy();
  }
}

/** The energy inputs of a record, when its pool has energy samples and its send time is known. */
function workOf(r: RequestResult, energy: EnergyAttributor): RequestWork | undefined {
  if (r.timing.sentEpochMs === undefined || !energy.covers(r.decision.pool)) return undefined;
  return {
    id: r.id,
    pool: r.decision.pool,
    startMs: r.timing.sentEpochMs,
    ttftMs: r.timing.ttftMs,
    e2eMs: r.timing.e2eMs ?? 0,
    promptTokens: r.tokens.prompt ?? r.features.promptTokensEstimate,
    cachedTokens: r.tokens.cached,
    outputTokens: r.tokens.output,
  };
}

/**
 * Writes each record's attributed energy into requests.jsonl: streamed into a temporary file,
 * then renamed over it (a crash while rewriting keeps the old file). Written synchronously in
 * batches, so nothing queues in memory behind the disk.
 */
async function rewriteWithEnergy(
  file: string,
  energy: EnergyAttributor,
  onRecord: ((r: RequestResult) => void) | undefined,
): Promise<void> {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  let batch: string[] = [];
  let batchChars = 0;
  const flush = () => {
    if (batch.length === 0) return;
    writeSync(fd, batch.join(''));
    batch = [];
    batchChars = 0;
  };
  try {
    await scanRequests(file, (r) => {
      const work = workOf(r, energy);
      if (work !== undefined) {
        r.energyJ = energy.energyOf(work) ?? 0;
        r.energyMethod = ATTRIBUTION_METHOD;
      }
      onRecord?.(r);
      const line = JSON.stringify(r) + '\n';
      batch.push(line);
      batchChars += line.length;
      if (batchChars >= 1 << 20) flush();
    });
    flush();
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
