/**
 * Score cells -> per-row score maps under an ImputeMode. Empty and non-numeric cells are
 * counted per model in the file report (never silently read as 0). A score outside [0, 1]
 * or a negative cost is a wrong value, not a missing one: its row is dropped whatever the
 * impute mode, and counted (`score-out-of-range`, `negative-cost`).
 */
import { addProblem } from './report.ts';
import type { DatasetRow, FileReport, ImputeMode } from './types.ts';

/** A row's raw cells: a number, or undefined when the cell is empty/missing/invalid. */
export type RawScores = Record<string, number | undefined>;

/** Reads one cell: finite number or undefined (and counts why). */
export function readScoreCell(
  value: unknown,
  model: string,
  report: FileReport,
  line: number,
  kind = 'invalid-score-cell',
): number | undefined {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  if (!Number.isFinite(n)) {
    addProblem(report, kind, `${model}: ${JSON.stringify(value).slice(0, 40)}`, line);
    return undefined;
  }
  return n;
}

/**
 * Whether a row's numbers are in range: every score in [0, 1], every cost >= 0. Counts and
 * locates each one that is not; false means the caller drops the row.
 */
export function rowInRange(
  scores: RawScores,
  costs: Record<string, number>,
  report: FileReport,
  line: number,
): boolean {
  let ok = true;
  for (const [m, v] of Object.entries(scores))
    if (v !== undefined && !(v >= 0 && v <= 1)) {
      addProblem(report, 'score-out-of-range', `${m}: ${v} (expected a score in [0, 1])`, line);
      ok = false;
    }
  for (const [m, c] of Object.entries(costs))
    if (c < 0) {
      addProblem(report, 'negative-cost', `${m}: ${c} (expected a cost >= 0 USD)`, line);
      ok = false;
    }
  return ok;
}

/**
 * Applies `mode` to every row of one file. Returns the score map per row, or null for rows
 * that `skip-row` drops. Fills report.emptyCells / imputedCells and the `empty-score-cell`
 * and `row-with-empty-score` problem counts.
 */
export function imputeScores(
  raw: RawScores[],
  models: readonly string[],
  mode: ImputeMode,
  report: FileReport,
  lines: readonly number[],
): (Record<string, number> | null)[] {
  const sum = new Map<string, number>();
  const n = new Map<string, number>();
  const empty: Record<string, number> = {};
  for (const row of raw) {
    for (const m of models) {
      const v = row[m];
      if (v === undefined) empty[m] = (empty[m] ?? 0) + 1;
      else {
        sum.set(m, (sum.get(m) ?? 0) + v);
        n.set(m, (n.get(m) ?? 0) + 1);
      }
    }
  }
  report.emptyCells = empty;
  let imputed = 0;
  const out = raw.map((row, i) => {
    const missing = models.filter((m) => row[m] === undefined);
    if (missing.length === 0) return Object.fromEntries(models.map((m) => [m, row[m]!]));
    report.problems['empty-score-cell'] = (report.problems['empty-score-cell'] ?? 0) + missing.length;
    addProblem(report, 'row-with-empty-score', `empty: ${missing.join(', ')}`, lines[i]);
    if (mode === 'skip-row') return null;
    const scores: Record<string, number> = {};
    for (const m of models) {
      const v = row[m];
      if (v !== undefined) {
        scores[m] = v;
      } else if (mode === 'zero') {
        scores[m] = 0;
        imputed++;
      } else if (mode === 'mean' && (n.get(m) ?? 0) > 0) {
        scores[m] = sum.get(m)! / n.get(m)!;
        imputed++;
      } // omit-cell, or a model with no value anywhere in the file: left out
    }
    return scores;
  });
  if (mode === 'zero' || mode === 'mean') report.imputedCells = imputed;
  return out;
}

/** Attaches imputed scores to the parsed rows of one file; drops `skip-row` rows; sets rowsKept. */
export function attachScores(
  parsed: { row: DatasetRow; line: number; raw: RawScores }[],
  models: readonly string[],
  mode: ImputeMode,
  report: FileReport,
): DatasetRow[] {
  const scores = imputeScores(
    parsed.map((p) => p.raw),
    models,
    mode,
    report,
    parsed.map((p) => p.line),
  );
  const rows: DatasetRow[] = [];
  parsed.forEach((p, i) => {
    const s = scores[i];
    if (s === null || s === undefined) return;
    p.row.scores = s;
    rows.push(p.row);
  });
  report.rowsKept = rows.length;
  return rows;
}
