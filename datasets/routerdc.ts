/**
 * RouterDC JSON loader (`$WRP_DATA_DIR/routerdc-7b/*.json`): arrays of
 * `{question, scores: {model: float}}`. Category = file name without the split suffix.
 * The questions carry no reference answer (the score table gives quality instead). A row
 * with a score outside [0, 1] is dropped and counted (scores.ts), not the file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { answerFormatFor } from '../core/answer-format.ts';
import { dataDir, familyOf, requireFile, selectFiles, type FileSelection } from './paths.ts';
import { addProblem, newFileReport, summarize } from './report.ts';
import { attachScores, readScoreCell, rowInRange, type RawScores } from './scores.ts';
import type { DatasetRow, FileReport, ImputeMode, LoadResult } from './types.ts';
import { DatasetError } from '../core/errors.ts';

export interface RouterDcOptions extends FileSelection {
  /** Directory of the JSON files; default `<data dir>/routerdc-7b`. */
  dir?: string;
  impute?: ImputeMode;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Loads one RouterDC JSON file. */
export function loadRouterDcFile(
  file: string,
  impute: ImputeMode = 'skip-row',
): { rows: DatasetRow[]; report: FileReport } {
  requireFile(file);
  const report = newFileReport(file);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DatasetError(file, `not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(data)) throw new DatasetError(file, 'expected a JSON array of {question, scores}');
  const { family, split, base } = familyOf(file);
  const format = answerFormatFor(family);
  report.rowsRead = data.length;

  // Models = every key any row scores (a row lacking one has an empty cell).
  const models = new Set<string>();
  for (const item of data)
    if (isRecord(item) && isRecord(item.scores)) for (const m of Object.keys(item.scores)) models.add(m);
  const modelList = [...models].sort();

  const parsed: { row: DatasetRow; line: number; raw: RawScores }[] = [];
  data.forEach((item: unknown, i) => {
    const line = i + 1;
    if (!isRecord(item)) return addProblem(report, 'invalid-row', 'expected an object', line);
    if (typeof item.question !== 'string' || item.question.trim() === '')
      return addProblem(report, 'missing-question', 'no question text', line);
    if (!isRecord(item.scores)) return addProblem(report, 'missing-scores', 'no scores object', line);
    const scores = item.scores;
    const raw: RawScores = {};
    for (const m of modelList) raw[m] = readScoreCell(scores[m], m, report, line);
    if (!rowInRange(raw, {}, report, line)) return;
    const row: DatasetRow = {
      promptId: `${base}:${i}`,
      source: `routerdc:${base}`,
      category: family,
      prompt: item.question,
    };
    if (split) row.split = split;
    if (format) row.answerFormat = format;
    if (typeof item.cluster_id === 'number' || typeof item.cluster_id === 'string')
      row.extra = { cluster_id: item.cluster_id };
    parsed.push({ row, line, raw });
  });
  const rows = attachScores(parsed, modelList, impute, report);
  return { rows, report };
}

/** Loads the selected RouterDC files (default: all of them). */
export function loadRouterDc(opts: RouterDcOptions = {}): LoadResult {
  const dir = opts.dir ?? join(dataDir(), 'routerdc-7b');
  const files = selectFiles(dir, '.json', opts);
  const rows: DatasetRow[] = [];
  const reports: FileReport[] = [];
  for (const f of files) {
    const r = loadRouterDcFile(f, opts.impute);
    rows.push(...r.rows);
    reports.push(r.report);
  }
  return { rows, report: summarize('routerdc', dir, reports) };
}
