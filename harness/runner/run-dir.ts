/**
 * What a run directory holds besides its results, for `wrp report` and `wrp run --resume`:
 * run.json (the experiment file, start and resume times, dataset load reports) next to
 * config.resolved.yaml; and the resume state streamed back from requests.jsonl.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { LoadReport } from '../../datasets/types.ts';
import type { ExperimentConfig } from './config.ts';
import { makeRunDir, newRunId, writeText } from './results-writer.ts';
import { readCheckpoint, type Checkpoint } from './checkpoint.ts';
import type { ResumePlan } from './load-loop.ts';
import { RecordedRequests } from './recorded-requests.ts';
import { describeRead, dropTornTail, scanJsonl, scanRequests } from './results-reader.ts';

export const RUN_META_FILE = 'run.json';

export interface RunMeta {
  runId: string;
  experiment: string;
  /** The experiment file, absolute: relative dataset and trace paths resolve from its folder. */
  experimentFile: string;
  startedAt: string;
  resumedAt: string[];
  /** Dataset rows read and kept, and the problems counted by kind, per source. */
  datasets: { loader: string; path: string; rowsRead: number; rowsKept: number; problems: Record<string, number> }[];
}

export function readRunMeta(dir: string): RunMeta | undefined {
  const file = join(dir, RUN_META_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RunMeta) : undefined;
}

export function writeRunMeta(dir: string, meta: RunMeta): void {
  writeFileSync(join(dir, RUN_META_FILE), JSON.stringify(meta, null, 2) + '\n');
}

export function datasetMeta(reports: readonly LoadReport[]): RunMeta['datasets'] {
  return reports.map((r) => ({
    loader: r.loader,
    path: r.path,
    rowsRead: r.rowsRead,
    rowsKept: r.rowsKept,
    problems: r.problems,
  }));
}

/** One summary note per dataset source that dropped rows. */
export function datasetNotes(datasets: RunMeta['datasets']): string[] {
  return datasets
    .filter((d) => d.rowsKept < d.rowsRead || Object.keys(d.problems).length > 0)
    .map(
      (d) =>
        `dataset ${d.loader} ${d.path}: ${d.rowsKept}/${d.rowsRead} rows kept; problems: ${
          Object.entries(d.problems)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || 'none'
        }`,
    );
}

export interface ResumeState {
  plan: ResumePlan;
  checkpoint?: Checkpoint;
  /** Records already in requests.jsonl. */
  records: number;
  /** What reading the files back found (a torn last line cut off): for the summary's notes. */
  notes: string[];
}

export interface OpenedRunDir {
  runDir: string;
  meta: RunMeta;
  resume?: ResumeState;
  /** Made by this run (not a resumed one): removed again if the run fails before recording anything. */
  fresh: boolean;
}

/**
 * The run folder, once preflight has passed: a new one under `outRoot`, or the folder of a
 * run being resumed (its files made appendable again). Writes config.resolved.yaml and run.json.
 */
export async function openRunDir(o: {
  config: ExperimentConfig;
  configFile: string;
  outRoot: string;
  resumeDir?: string;
  /** A new run's folder named by the caller (a shard's --out), made ready when called; else one under outRoot. */
  dir?: () => string;
  datasets: RunMeta['datasets'];
  log: (line: string) => void;
}): Promise<OpenedRunDir> {
  const now = new Date().toISOString();
  let opened: OpenedRunDir;
  if (o.resumeDir !== undefined) {
    const runDir = o.resumeDir;
    const resume = await prepareResume(runDir, o.log);
    const old = readRunMeta(runDir);
    const meta = old
      ? { ...old, resumedAt: [...old.resumedAt, now] }
      : {
          runId: basename(runDir),
          experiment: o.config.name,
          experimentFile: resolve(o.configFile),
          startedAt: now,
          resumedAt: [now],
          datasets: [],
        };
    o.log(`resume ${meta.runId}: ${resume.records} requests already recorded in ${runDir}`);
    opened = { runDir, meta, resume, fresh: false };
  } else {
    const runId = newRunId();
    const runDir = o.dir ? o.dir() : makeRunDir(o.outRoot, o.config.name, runId);
    const meta = {
      runId,
      experiment: o.config.name,
      experimentFile: resolve(o.configFile),
      startedAt: now,
      resumedAt: [],
      datasets: [],
    };
    o.log(`run ${runId}: ${o.config.name} -> ${runDir}`);
    opened = { runDir, meta, fresh: true };
  }
  opened.meta.datasets = o.datasets;
  writeText(opened.runDir, 'config.resolved.yaml', toYaml(o.config));
  writeRunMeta(opened.runDir, opened.meta);
  return opened;
}

/**
 * Reads what a run directory already recorded (a line at a time; RecordedRequests keeps a
 * few numbers per record, not the records), and makes its files appendable again: a torn
 * last line (kill -9 mid-write) is cut off and reported, a half-written energy rewrite removed.
 */
export async function prepareResume(dir: string, log: (line: string) => void): Promise<ResumeState> {
  const file = join(dir, 'requests.jsonl');
  rmSync(`${file}.tmp`, { force: true });
  const done = new RecordedRequests(file);
  const req = await scanRequests(file, (r, line) => done.add(r, line));
  const tel = await scanJsonl(join(dir, 'telemetry.jsonl'), () => undefined);
  const notes: string[] = [];
  for (const r of [req, tel]) {
    const line = describeRead(r);
    if (line) {
      log(`resume: ${line}`);
      notes.push(`on resume: ${line}`);
    }
    if (dropTornTail(r)) log(`resume: ${r.file}: cut back to its last valid line`);
  }
  let checkpoint: Checkpoint | undefined;
  try {
    checkpoint = readCheckpoint(dir);
  } catch (e) {
    log(`resume: ignoring the policy checkpoint: ${(e as Error).message}`);
  }
  return { plan: { done, errors: done.errors }, checkpoint, records: done.size, notes };
}
