import type { AnswerFormat } from '../core/answer-format.ts';

/** One prompt of a dataset, with whatever labels the dataset carries. */
export interface DatasetRow {
  /** Stable id: RouterBench `sample_id`, `<file>:<index>` (RouterDC), `id` or `<file>:<line>` (JSONL). */
  promptId: string;
  /** `routerbench:arc_challenge_test`, `routerdc:gsm8k-test`, `jsonl:<file>`: becomes labels.source. */
  source: string;
  /** Task family, e.g. `arc_challenge`, `gsm8k`. */
  category: string;
  /** The final user message (the text a router classifies). */
  prompt: string;
  /** Earlier user turns, oldest first, when the row is a conversation. */
  previousTurns?: string[];
  /** System prompt, when the row has one (JSONL `messages`). */
  system?: string;
  /** From the file name (`_train`/`-test` ...); absent for single files. */
  split?: 'train' | 'test';
  reference?: string;
  answerFormat?: AnswerFormat;
  /** Per-model score in [0,1], by dataset model name (after imputation). */
  scores?: Record<string, number>;
  /** Per-model USD for this prompt (RouterBench). */
  costs?: Record<string, number>;
  extra?: Record<string, string | number | boolean>;
  /** Per-model answer text, by dataset model name (RouterBench with `responses: true`; cascade replay). */
  responses?: Record<string, string>;
}

/**
 * What to do with an empty (or non-numeric) score cell:
 * - `skip-row` (default): drop the whole row, so every kept row has full information;
 * - `omit-cell`: keep the row, leave that model out of `scores`;
 * - `zero`: read it as 0 (explicit choice, still counted);
 * - `mean`: that model's mean over the file's non-empty cells.
 */
export type ImputeMode = 'skip-row' | 'omit-cell' | 'zero' | 'mean';

/** One located problem (examples; the counts are in `problems`). */
export interface Problem {
  kind: string;
  /** 1-based line (JSONL), data row (CSV, header excluded) or array index + 1 (JSON). */
  line?: number;
  detail: string;
}

export interface FileReport {
  file: string;
  rowsRead: number;
  rowsKept: number;
  /** Counts by kind, e.g. `empty-score-cell`, `invalid-json`, `missing-prompt`. */
  problems: Record<string, number>;
  /** Empty or non-numeric score cells per model (score datasets only). */
  emptyCells?: Record<string, number>;
  /** Cells filled by `zero`/`mean` imputation. */
  imputedCells?: number;
  /** Rows whose reference answer was derived (RouterBench letters, see routerbench.ts). */
  referencesDerived?: number;
  /** The first problems with their location (capped, see MAX_EXAMPLES). */
  examples: Problem[];
}

export interface LoadReport {
  loader: 'routerbench' | 'routerdc' | 'jsonl';
  /** The directory or file that was read. */
  path: string;
  files: FileReport[];
  rowsRead: number;
  rowsKept: number;
  problems: Record<string, number>;
  emptyCells: Record<string, number>;
}

export interface LoadResult {
  rows: DatasetRow[];
  report: LoadReport;
}
