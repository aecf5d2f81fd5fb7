/** Building and printing load reports (types.ts). */
import type { FileReport, LoadReport } from './types.ts';

/** Located examples kept per file; the counts stay exact. */
export const MAX_EXAMPLES = 20;

export function newFileReport(file: string): FileReport {
  return { file, rowsRead: 0, rowsKept: 0, problems: {}, examples: [] };
}

export function addProblem(r: FileReport, kind: string, detail: string, line?: number): void {
  r.problems[kind] = (r.problems[kind] ?? 0) + 1;
  if (r.examples.length < MAX_EXAMPLES) r.examples.push(line === undefined ? { kind, detail } : { kind, line, detail });
}

function addCounts(into: Record<string, number>, from: Record<string, number> | undefined): void {
  for (const [k, v] of Object.entries(from ?? {})) into[k] = (into[k] ?? 0) + v;
}

/** Sums file reports into one LoadReport. */
export function summarize(loader: LoadReport['loader'], path: string, files: FileReport[]): LoadReport {
  const report: LoadReport = { loader, path, files, rowsRead: 0, rowsKept: 0, problems: {}, emptyCells: {} };
  for (const f of files) {
    report.rowsRead += f.rowsRead;
    report.rowsKept += f.rowsKept;
    addCounts(report.problems, f.problems);
    addCounts(report.emptyCells, f.emptyCells);
  }
  return report;
}

const counts = (c: Record<string, number>): string =>
  Object.entries(c)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

/** Human-readable, one line per file plus located examples (for `wrp run` logs). */
export function formatReport(report: LoadReport): string {
  const lines = [`${report.loader} ${report.path}: ${report.rowsKept}/${report.rowsRead} rows kept`];
  for (const f of report.files) {
    let line = `  ${f.file}: ${f.rowsKept}/${f.rowsRead} kept`;
    if (Object.keys(f.problems).length > 0) line += `; problems: ${counts(f.problems)}`;
    if (f.emptyCells && Object.keys(f.emptyCells).length > 0) line += `; empty score cells: ${counts(f.emptyCells)}`;
    if (f.imputedCells) line += `; imputed cells ${f.imputedCells}`;
    if (f.referencesDerived !== undefined) line += `; references derived ${f.referencesDerived}`;
    lines.push(line);
    for (const e of f.examples.slice(0, 5))
      lines.push(`    ${e.line !== undefined ? `line ${e.line}: ` : ''}${e.kind}: ${e.detail}`);
  }
  return lines.join('\n');
}
