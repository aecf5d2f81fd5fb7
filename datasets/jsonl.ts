/**
 * Generic JSONL loader: one JSON object per line with `prompt` (string) or `messages`
 * ([{role, content}]), and optional `category`, `reference`, `answer_format`, `id`, `scores`
 * ({model: number}). Any other field goes to `extra` (objects/arrays as JSON text).
 * Bad lines are counted and reported with their line numbers; only a file without a single
 * valid row is an error.
 */
import { readFileSync, statSync } from 'node:fs';
import { answerFormatFor, isAnswerFormat } from '../core/answer-format.ts';
import { familyOf, requireFile, selectFiles } from './paths.ts';
import { addProblem, newFileReport, summarize } from './report.ts';
import type { DatasetRow, FileReport, LoadResult } from './types.ts';
import { DatasetError } from '../core/errors.ts';

export interface JsonlOptions {
  /** Category of rows without one; default the file name (without extension and split suffix). */
  defaultCategory?: string;
}

const KNOWN = new Set(['prompt', 'messages', 'category', 'reference', 'answer_format', 'id', 'scores']);
const ROLES = new Set(['system', 'user', 'assistant', 'tool']);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

type Turns = { prompt: string; previousTurns: string[]; system?: string };

/** `messages` -> final user text, earlier user turns and the system prompt; a string says why not. */
function fromMessages(messages: unknown): Turns | string {
  if (!Array.isArray(messages) || messages.length === 0) return 'messages: expected a non-empty array';
  const users: string[] = [];
  const systems: string[] = [];
  for (const [i, m] of messages.entries()) {
    if (!isRecord(m) || typeof m.role !== 'string' || !ROLES.has(m.role) || typeof m.content !== 'string') {
      return `messages[${i}]: expected {role: system|user|assistant|tool, content: string}`;
    }
    if (m.role === 'user') users.push(m.content);
    if (m.role === 'system') systems.push(m.content);
  }
  if (users.length === 0 || users[users.length - 1]!.trim() === '')
    return 'messages: expected a non-empty user message';
  // Assistant and tool messages are not replayed: the pool under test writes the answers.
  const t: Turns = { prompt: users[users.length - 1]!, previousTurns: users.slice(0, -1) };
  if (systems.length > 0) t.system = systems.join('\n\n');
  return t;
}

function parseLine(
  obj: Record<string, unknown>,
  file: string,
  line: number,
  report: FileReport,
  opts: JsonlOptions,
): DatasetRow | undefined {
  let turns: Turns;
  if (typeof obj.prompt === 'string' && obj.prompt.trim() !== '') turns = { prompt: obj.prompt, previousTurns: [] };
  else if (obj.messages !== undefined) {
    const t = fromMessages(obj.messages);
    if (typeof t === 'string') return void addProblem(report, 'invalid-messages', t, line);
    turns = t;
  } else return void addProblem(report, 'missing-prompt', 'expected `prompt` (non-empty string) or `messages`', line);

  const { family, split, base } = familyOf(file);
  let category = opts.defaultCategory ?? family;
  if (typeof obj.category === 'string' && obj.category.trim() !== '') category = obj.category.trim();
  else if (obj.category !== undefined)
    addProblem(report, 'invalid-category', 'expected a non-empty string; using the default', line);

  let promptId = `${base}:${line}`;
  if (typeof obj.id === 'string' || typeof obj.id === 'number') promptId = String(obj.id);
  else if (obj.id !== undefined) addProblem(report, 'invalid-id', 'expected a string or number; using file:line', line);

  const row: DatasetRow = { promptId, source: `jsonl:${base}`, category, prompt: turns.prompt };
  if (turns.previousTurns.length > 0) row.previousTurns = turns.previousTurns;
  if (turns.system !== undefined) row.system = turns.system;
  if (split) row.split = split;

  if (typeof obj.reference === 'string' || typeof obj.reference === 'number') row.reference = String(obj.reference);
  else if (obj.reference !== undefined && obj.reference !== null)
    addProblem(report, 'invalid-reference', 'expected a string or number; dropped', line);

  if (isAnswerFormat(obj.answer_format)) row.answerFormat = obj.answer_format;
  else if (obj.answer_format !== undefined)
    addProblem(
      report,
      'invalid-answer-format',
      `expected letter|number|text|code, got ${JSON.stringify(obj.answer_format)}`,
      line,
    );
  row.answerFormat ??= answerFormatFor(category);
  if (row.answerFormat === undefined) delete row.answerFormat;

  if (isRecord(obj.scores)) {
    const scores: Record<string, number> = {};
    for (const [m, v] of Object.entries(obj.scores)) {
      if (typeof v === 'number' && Number.isFinite(v)) scores[m] = v;
      else addProblem(report, 'invalid-score-cell', `${m}: ${JSON.stringify(v)}`, line);
    }
    row.scores = scores;
  } else if (obj.scores !== undefined) addProblem(report, 'invalid-scores', 'expected {model: number}', line);

  const extra: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (KNOWN.has(k) || v === null || v === undefined) continue;
    extra[k] = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v);
  }
  if (Object.keys(extra).length > 0) row.extra = extra;
  return row;
}

/** Loads one JSONL file; DatasetError when it has no valid row. */
export function loadJsonlFile(file: string, opts: JsonlOptions = {}): { rows: DatasetRow[]; report: FileReport } {
  requireFile(file);
  const report = newFileReport(file);
  const rows: DatasetRow[] = [];
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  lines.forEach((text, i) => {
    if (text.trim() === '') return; // blank lines are not rows
    const line = i + 1;
    report.rowsRead++;
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      return addProblem(report, 'invalid-json', (e as Error).message, line);
    }
    if (!isRecord(obj)) return addProblem(report, 'invalid-row', 'expected a JSON object', line);
    const row = parseLine(obj, file, line, report, opts);
    if (row) rows.push(row);
  });
  report.rowsKept = rows.length;
  if (rows.length === 0) {
    const first = report.examples
      .slice(0, 3)
      .map((e) => `line ${e.line}: ${e.detail}`)
      .join('; ');
    throw new DatasetError(file, `no valid rows (${report.rowsRead} read)${first ? `: ${first}` : ''}`);
  }
  return { rows, report };
}

/** Loads a JSONL file, or every *.jsonl file of a directory. */
export function loadJsonl(path: string, opts: JsonlOptions = {}): LoadResult {
  requireFileOrDir(path);
  const files = statSync(path).isDirectory() ? selectFiles(path, '.jsonl') : [path];
  const rows: DatasetRow[] = [];
  const reports: FileReport[] = [];
  for (const f of files) {
    const r = loadJsonlFile(f, opts);
    rows.push(...r.rows);
    reports.push(r.report);
  }
  return { rows, report: summarize('jsonl', path, reports) };
}

function requireFileOrDir(path: string): void {
  try {
    statSync(path);
  } catch {
    throw new DatasetError(path, 'no such file or directory');
  }
}
