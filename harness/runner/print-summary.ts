/**
 * The run summary as the CLI prints it on a terminal: one compact table (overall, then per
 * pool, sweep stage and policy) of the columns a person decides from, every line within 100
 * columns. summary.md keeps every column of every table; `--json` prints summary.json.
 */
import type { RunSummary, SummaryRow } from './summary.ts';

export const TERMINAL_WIDTH = 100;

interface Column {
  head: string;
  width: number;
  cell(r: SummaryRow): string;
}

const num = (v: string | number | null | undefined): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
/** Milliseconds as ms below a second, else seconds. */
const ms = (v: string | number | null | undefined): string => {
  const x = num(v);
  if (x === undefined) return '-';
  return x < 1000 ? `${Math.round(x)}ms` : `${(x / 1000).toFixed(1)}s`;
};
const fixed = (digits: number) => (v: string | number | null | undefined) => num(v)?.toFixed(digits) ?? '-';
const pct = (v: string | number | null | undefined) => {
  const x = num(v);
  return x === undefined ? '-' : `${(100 * x).toFixed(1)}%`;
};

const COLUMNS: Column[] = [
  { head: 'reqs', width: 6, cell: (r) => String(r.requests ?? '-') },
  { head: 'err', width: 6, cell: (r) => pct(r.error_rate) },
  { head: 'ttft p50', width: 9, cell: (r) => ms(r.ttft_p50_ms) },
  { head: 'ttft p99', width: 9, cell: (r) => ms(r.ttft_p99_ms) },
  { head: 'tpot p50', width: 9, cell: (r) => ms(r.tpot_p50_ms) },
  { head: 'e2e p99', width: 8, cell: (r) => ms(r.e2e_p99_ms) },
  { head: 'goodput', width: 8, cell: (r) => pct(r.goodput_share) },
  { head: 'quality', width: 8, cell: (r) => fixed(3)(r.quality) },
  { head: 'reward', width: 7, cell: (r) => fixed(3)(r.reward) },
  { head: '$/1k req', width: 9, cell: (r) => fixed(3)(r.cost_per_1k_req_usd) },
];
const LABEL_WIDTH = TERMINAL_WIDTH - COLUMNS.reduce((s, c) => s + c.width, 0);

const GROUPS: [table: string, prefix: string][] = [
  ['overall', ''],
  ['pool', 'pool '],
  ['stage', 'stage '],
  ['policy', 'policy '],
];

function label(table: string, prefix: string, r: SummaryRow): string {
  const key = table === 'overall' ? 'all' : String(r[table] ?? r.scope ?? '?');
  const text = `${prefix}${key}`;
  return text.length < LABEL_WIDTH ? text.padEnd(LABEL_WIDTH) : `${text.slice(0, LABEL_WIDTH - 2)}… `;
}

/** Word-wraps `text` to the terminal width, continuation lines indented. */
export function wrap(text: string, width = TERMINAL_WIDTH, indent = '  '): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = indent + word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') out.push(line);
  return out;
}

/** The terminal table: overall, then each pool, stage and policy row. */
export function summaryLines(s: RunSummary): string[] {
  const lines = wrap(
    `${s.experiment}: ${s.sent} requests, ${s.ok} ok, ${s.failed} failed, ${s.cancelled} cancelled ` +
      `in ${s.durationS} s (stopped by ${s.stoppedBy})`,
  );
  for (const n of s.notes ?? []) lines.push(...wrap(`note: ${n}`));
  lines.push('', ' '.repeat(LABEL_WIDTH) + COLUMNS.map((c) => c.head.padStart(c.width)).join(''));
  for (const [table, prefix] of GROUPS)
    for (const r of s.tables[table] ?? [])
      lines.push(label(table, prefix, r) + COLUMNS.map((c) => c.cell(r).padStart(c.width)).join(''));
  lines.push('(every column and the per-category and per-archetype tables: summary.md)');
  return lines;
}

export function printRunSummary(s: RunSummary, log: (line: string) => void): void {
  log('');
  for (const line of summaryLines(s)) log(line);
}
