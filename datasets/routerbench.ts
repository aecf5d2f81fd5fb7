/**
 * RouterBench CSV loader (`$WRP_DATA_DIR/routerbench/*.csv`): one row per prompt with an
 * unnamed index, `sample_id`, `prompt` (a Python list of turns as a string), `eval_name`,
 * a score column per model, `<model>|model_response`, `<model>|total_cost`.
 *
 * A row whose field count differs from the header's is dropped and counted
 * (`malformed-row`), not the file; so is a row with a score outside [0, 1] or a negative
 * cost (scores.ts).
 *
 * Reference answers: the files carry none. For letter-answer families (ARC, Winogrande) the
 * correct letter is derived when it is unambiguous: every model scored 1 answered the same
 * single letter and no model scored 0 answered that letter (on the real data this derives
 * 98% of rows with no conflict). Otherwise the reference stays undefined.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { answerFormatFor } from '../core/answer-format.ts';
import { dataDir, familyOf, requireFile, selectFiles, type FileSelection } from './paths.ts';
import { parsePythonStringList } from './python-literal.ts';
import { addProblem, newFileReport, summarize } from './report.ts';
import { attachScores, readScoreCell, rowInRange, type RawScores } from './scores.ts';
import type { DatasetRow, FileReport, ImputeMode, LoadResult } from './types.ts';
import { DatasetError } from '../core/errors.ts';

export interface RouterBenchOptions extends FileSelection {
  /** Directory of the CSV files; default `<data dir>/routerbench`. */
  dir?: string;
  impute?: ImputeMode;
  /** Attach every model's answer text as `row.responses` (cascade replay); default off: rows stay light. */
  responses?: boolean;
}

const COST_SUFFIX = '|total_cost';
const RESPONSE_SUFFIX = '|model_response';

/** Text of a response cell (`['B\n']` -> `B`), or undefined when unparseable. */
function responseText(cell: string | undefined): string | undefined {
  if (cell === undefined || cell === '') return undefined;
  try {
    return parsePythonStringList(cell).join('\n').trim();
  } catch {
    return undefined;
  }
}

/** The derivation rule in the header; undefined when no letter is certain. */
export function deriveLetter(scores: RawScores, responses: Record<string, string | undefined>): string | undefined {
  const right = new Set<string>();
  const wrong = new Set<string>();
  for (const [model, score] of Object.entries(scores)) {
    const text = responses[model];
    if (score === undefined || text === undefined || !/^[A-E]$/.test(text)) continue;
    if (score === 1) right.add(text);
    else if (score === 0) wrong.add(text);
  }
  if (right.size !== 1) return undefined;
  const letter = [...right][0]!;
  return wrong.has(letter) ? undefined : letter;
}

/** Loads one RouterBench CSV file. */
export function loadRouterBenchFile(
  file: string,
  impute: ImputeMode = 'skip-row',
  withResponses = false,
): { rows: DatasetRow[]; report: FileReport } {
  requireFile(file);
  const report = newFileReport(file);
  let table: string[][];
  try {
    // Prompts hold commas, quotes and newlines: a real CSV parser. Rows of the wrong length are checked below, one by one.
    table = parse(readFileSync(file, 'utf8'), {
      skip_empty_lines: true,
      bom: true,
      relax_column_count: true,
    }) as string[][];
  } catch (e) {
    throw new DatasetError(file, `not a readable CSV: ${(e as Error).message}`);
  }
  const header = table[0] ?? [];
  const records = table.slice(1).map((cells, i): Record<string, string> | undefined => {
    if (cells.length === header.length) return Object.fromEntries(header.map((h, j) => [h, cells[j]!]));
    addProblem(report, 'malformed-row', `expected ${header.length} fields, got ${cells.length}`, i + 1);
    return undefined;
  });
  const models = header.filter((c) => c.endsWith(COST_SUFFIX)).map((c) => c.slice(0, -COST_SUFFIX.length));
  for (const col of ['sample_id', 'prompt']) {
    if (records.length > 0 && !header.includes(col)) throw new DatasetError(file, `expected a "${col}" column`);
  }
  const scored = models.filter((m) => header.includes(m));
  for (const m of models) if (!scored.includes(m)) addProblem(report, 'missing-score-column', m);
  const { family, split, base } = familyOf(file);
  const format = answerFormatFor(family);
  report.rowsRead = records.length;
  if (format === 'letter') report.referencesDerived = 0;

  const parsed: { row: DatasetRow; line: number; raw: RawScores }[] = [];
  records.forEach((rec, i) => {
    const line = i + 1;
    if (rec === undefined) return;
    const id = rec.sample_id?.trim();
    if (!id) return addProblem(report, 'missing-id', 'empty sample_id', line);
    let prompt: string[];
    try {
      prompt = parsePythonStringList(rec.prompt ?? '');
    } catch (e) {
      // Keep the raw text: still a usable prompt, and the count tells the user.
      addProblem(report, 'unparsed-prompt', (e as Error).message, line);
      prompt = [rec.prompt ?? ''];
    }
    if (prompt.length === 0 || prompt.every((t) => t.trim() === ''))
      return addProblem(report, 'empty-prompt', id, line);
    const raw: RawScores = {};
    for (const m of scored) raw[m] = readScoreCell(rec[m], m, report, line);
    const costs: Record<string, number> = {};
    for (const m of models) {
      const c = readScoreCell(rec[m + COST_SUFFIX], m, report, line, 'invalid-cost-cell');
      if (c === undefined) addProblem(report, 'empty-cost-cell', m, line);
      else costs[m] = c;
    }
    if (!rowInRange(raw, costs, report, line)) return;
    const row: DatasetRow = {
      promptId: id,
      source: `routerbench:${base}`,
      category: family,
      prompt: prompt[prompt.length - 1]!,
      costs,
    };
    if (prompt.length > 1) row.previousTurns = prompt.slice(0, -1);
    if (split) row.split = split;
    if (format) row.answerFormat = format;
    if (rec.eval_name) row.extra = { eval_name: rec.eval_name };
    const responses = Object.fromEntries(scored.map((m) => [m, responseText(rec[m + RESPONSE_SUFFIX])]));
    if (withResponses) {
      const present = Object.entries(responses).filter((e): e is [string, string] => e[1] !== undefined);
      row.responses = Object.fromEntries(present);
    }
    if (format === 'letter') {
      const letter = deriveLetter(raw, responses);
      if (letter !== undefined) {
        row.reference = letter;
        report.referencesDerived!++;
      }
    }
    parsed.push({ row, line, raw });
  });
  const rows = attachScores(parsed, scored, impute, report);
  return { rows, report };
}

/** Loads the selected RouterBench files (default: all of them). */
export function loadRouterBench(opts: RouterBenchOptions = {}): LoadResult {
  const dir = opts.dir ?? join(dataDir(), 'routerbench');
  const files = selectFiles(dir, '.csv', opts);
  const rows: DatasetRow[] = [];
  const reports: FileReport[] = [];
  for (const f of files) {
    const r = loadRouterBenchFile(f, opts.impute, opts.responses ?? false);
    rows.push(...r.rows);
    reports.push(r.report);
  }
  return { rows, report: summarize('routerbench', dir, reports) };
}
