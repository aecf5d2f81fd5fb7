/**
 * Where `wrp train` / `wrp eval` read data from:
 * - `routerdc` / `routerbench`: full-information datasets (every model scored on every
 *   prompt); learners get bandit feedback only;
 * - a run folder (or its requests.jsonl): a logged run with propensities;
 * - `sim:<experiment.yaml>`: the virtual-time simulator with the experiment's pools and workload;
 * - `replay:<file>`: vLLM Semantic Router's Router Replay records (decisions and outcomes, no propensities).
 */
import { existsSync, statSync } from 'node:fs';
import { loadRouterBench } from '../../datasets/routerbench.ts';
import { loadRouterDc } from '../../datasets/routerdc.ts';
import { formatReport } from '../../datasets/report.ts';
import type { DatasetRow, LoadReport } from '../../datasets/types.ts';
import { DatasetError, UsageError } from '../../core/errors.ts';

export type DataSpec =
  | {
      kind: 'dataset';
      name: 'routerdc' | 'routerbench';
      split: 'train' | 'test' | 'all';
      files?: string[];
      models?: string[];
      responses?: boolean;
    }
  | { kind: 'logged'; path: string }
  /** vLLM Semantic Router's Router Replay records (learners/train/router-replay.ts). */
  | { kind: 'replay'; path: string }
  | { kind: 'sim'; experiment: string };

/**
 * `--data` as a spec. A dataset may name its split (`routerbench:test`); `--split` then must
 * agree. `defaultSplit` is the split when neither names one (train for training, test for eval).
 */
export function parseDataSpec(
  data: string,
  opts: { split?: string; files?: string; models?: string },
  defaultSplit: 'train' | 'test' = 'train',
): DataSpec {
  const named = /^(routerdc|routerbench)(?::(.*))?$/.exec(data);
  if (named) {
    const name = named[1] as 'routerdc' | 'routerbench';
    const inData = named[2];
    if (inData !== undefined && opts.split !== undefined && opts.split !== inData)
      throw new UsageError(`--split: "${opts.split}" contradicts --data ${data}; give the split once`);
    const given = inData ?? opts.split;
    const split = (given ?? defaultSplit) as 'train' | 'test' | 'all';
    if (!['train', 'test', 'all'].includes(split))
      throw new UsageError(
        `${inData !== undefined ? '--data' : '--split'}: expected a split of train, test or all, got "${given}"`,
      );
    return { kind: 'dataset', name, split, files: list(opts.files), models: list(opts.models) };
  }
  if (data.startsWith('sim:')) return { kind: 'sim', experiment: data.slice(4) };
  if (data.startsWith('replay:')) return { kind: 'replay', path: data.slice('replay:'.length) };
  if (existsSync(data)) return { kind: 'logged', path: data };
  throw new UsageError(
    `--data: expected routerdc[:split], routerbench[:split], sim:<experiment.yaml>, replay:<router replay file> or a run folder, got "${data}" (no such file)`,
  );
}

function list(s: string | undefined): string[] | undefined {
  return s === undefined || s === ''
    ? undefined
    : s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
}

export interface DatasetData {
  rows: DatasetRow[];
  report: LoadReport;
  /** Dataset models the actions map to (the `--models` subset, or every model). */
  models: string[];
}

/**
 * Loads a full-information dataset; rows with an empty score cell, a score outside [0, 1], a
 * negative cost or the wrong number of fields are dropped and counted. `log` gets the load
 * report (the one `wrp run` prints), kept rows and problems per file with located examples.
 */
export function loadDataset(
  spec: Extract<DataSpec, { kind: 'dataset' }>,
  log: (line: string) => void = () => undefined,
): DatasetData {
  const opts = {
    split: spec.split,
    files: spec.files,
    impute: 'skip-row' as const,
    responses: spec.responses ?? false,
  };
  const { rows, report } = spec.name === 'routerdc' ? loadRouterDc(opts) : loadRouterBench(opts);
  log(`data: ${formatReport(report)}`);
  if (rows.length === 0) throw new DatasetError(`${spec.name} (${spec.split})`, 'no rows');
  const all = Object.keys(rows[0]!.scores ?? {});
  const models = spec.models ?? all;
  for (const m of models)
    if (!all.includes(m)) throw new UsageError(`--models: expected names among ${all.join(', ')}, got "${m}"`);
  return { rows, report, models };
}

/** Pool-name form of a dataset model (pool names allow letters, digits, _ . -). */
export function poolNameOf(model: string): string {
  return model.replace(/^.*\//, '').replace(/[^A-Za-z0-9_.-]/g, '_');
}

export function isRunFolder(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
