/**
 * Parser for the Prometheus text exposition format (0.0.4, plus what OpenMetrics 1.0 text
 * adds that vLLM and the DCGM exporter may send: `# EOF`, `_created`, exemplars).
 *
 * Hand-written on purpose: the npm parsers are unmaintained or tiny one-offs
 * (`parse-prometheus-text-format`, last release years ago, no escape handling for quoted
 * label values with `\n`; `prom2javascript` 0.2, single author), and prom-client only
 * writes the format. The grammar is small: `# HELP`/`# TYPE` lines and
 * `name{label="value",...} value [timestamp]` samples.
 */
import { WrpError } from '../../core/errors.ts';

export type MetricType =
  'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped' | 'gaugehistogram' | 'info' | 'stateset' | 'unknown';

export interface Sample {
  /** The sample's own name, e.g. `x_bucket` in family `x`. */
  name: string;
  labels: Record<string, string>;
  /** May be NaN or +-Infinity. */
  value: number;
  timestampMs?: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

export class PrometheusParseError extends WrpError {
  override name = 'PrometheusParseError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super('WRP_METRICS_PARSE', `line ${line}: ${message}`);
  }
}

const TYPES = new Set<MetricType>([
  'counter',
  'gauge',
  'histogram',
  'summary',
  'untyped',
  'gaugehistogram',
  'info',
  'stateset',
  'unknown',
]);
// Sample-name suffixes that belong to a family of the given type.
const SUFFIXES: Partial<Record<MetricType, string[]>> = {
  counter: ['_total', '_created'],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
  summary: ['_sum', '_count', '_created'],
  info: ['_info'],
};
const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** Go's strconv.ParseFloat spellings Prometheus accepts for the specials, then plain decimals. */
export function parseValue(s: string): number | undefined {
  const lower = s.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

function unescape(s: string, quoted: boolean): string {
  return s.replace(quoted ? /\\(["\\n])/g : /\\([\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** Reads a double-quoted string starting at `i` (at the quote); returns its value and the index after it. */
function readQuoted(line: string, i: number, lineNo: number): [string, number] {
  let j = i + 1;
  while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
  if (j >= line.length) throw new PrometheusParseError('unterminated quoted string', lineNo);
  return [unescape(line.slice(i + 1, j), true), j + 1];
}

function skipSpace(line: string, i: number): number {
  while (line[i] === ' ' || line[i] === '\t') i++;
  return i;
}

function parseSample(line: string, lineNo: number): Sample {
  let name = NAME_RE.exec(line)?.[0] ?? '';
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i = skipSpace(line, i + 1);
    while (line[i] !== '}') {
      let key: string;
      if (line[i] === '"') [key, i] = readQuoted(line, i, lineNo);
      else {
        key = LABEL_RE.exec(line.slice(i))?.[0] ?? '';
        if (key === '') throw new PrometheusParseError(`bad label name at column ${i + 1}`, lineNo);
        i += key.length;
      }
      i = skipSpace(line, i);
      if (line[i] !== '=') {
        // A quoted name alone in the braces is the metric name (UTF-8 names, Prometheus 3).
        if (name === '' && (line[i] === ',' || line[i] === '}')) name = key;
        else throw new PrometheusParseError(`expected "=" after label ${key}`, lineNo);
      } else {
        i = skipSpace(line, i + 1);
        if (line[i] !== '"') throw new PrometheusParseError(`expected a quoted value for label ${key}`, lineNo);
        [labels[key], i] = readQuoted(line, i, lineNo);
      }
      i = skipSpace(line, i);
      if (line[i] === ',') i = skipSpace(line, i + 1);
      else if (line[i] !== '}') throw new PrometheusParseError('expected "," or "}" in label set', lineNo);
    }
    i++;
  }
  if (name === '') throw new PrometheusParseError('expected a metric name', lineNo);
  // Value, optional timestamp; an OpenMetrics exemplar (" # {...} v") is dropped.
  const rest = line
    .slice(i)
    .split(' # ')[0]!
    .trim()
    .split(/[ \t]+/);
  const value = parseValue(rest[0] ?? '');
  if (value === undefined) throw new PrometheusParseError(`bad sample value ${JSON.stringify(rest[0] ?? '')}`, lineNo);
  const sample: Sample = { name, labels, value };
  if (rest.length > 1) {
    const ts = Number(rest[1]);
    if (!Number.isFinite(ts)) throw new PrometheusParseError(`bad timestamp ${JSON.stringify(rest[1])}`, lineNo);
    sample.timestampMs = ts;
  }
  return sample;
}

/** Parses a whole exposition; throws PrometheusParseError naming the first bad line. */
export function parsePrometheusText(text: string): MetricFamily[] {
  const families = new Map<string, MetricFamily>();
  const family = (name: string): MetricFamily => {
    let f = families.get(name);
    if (f === undefined) families.set(name, (f = { name, type: 'untyped', samples: [] }));
    return f;
  };
  const owner = (sampleName: string): MetricFamily => {
    const exact = families.get(sampleName);
    if (exact) return exact;
    for (const [type, suffixes] of Object.entries(SUFFIXES)) {
      for (const s of suffixes) {
        if (!sampleName.endsWith(s)) continue;
        const f = families.get(sampleName.slice(0, -s.length));
        if (f && f.type === type) return f;
      }
    }
    return family(sampleName);
  };
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+("(?:[^"\\]|\\.)*"|[^\s]+)(?:[ \t](.*))?$/s.exec(line);
      if (!m) continue; // other comments, "# EOF"
      const name = m[2]!.startsWith('"') ? readQuoted(m[2]!, 0, n + 1)[0] : m[2]!;
      const arg = m[3] ?? '';
      if (m[1] === 'HELP') family(name).help = unescape(arg, false);
      else {
        const type = arg.trim() as MetricType;
        if (!TYPES.has(type)) throw new PrometheusParseError(`unknown metric type ${JSON.stringify(type)}`, n + 1);
        family(name).type = type;
      }
      continue;
    }
    const sample = parseSample(line.trim(), n + 1);
    owner(sample.name).samples.push(sample);
  }
  return [...families.values()];
}

/** Every sample named `name` across families whose labels include `match`. */
export function samplesNamed(families: MetricFamily[], name: string, match: Record<string, string> = {}): Sample[] {
  const out: Sample[] = [];
  for (const f of families) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)) out.push(s);
    }
  }
  return out;
}

/** Sum of the samples named `name` (over all label sets), or undefined when there is none. */
export function sumOf(families: MetricFamily[], name: string, match: Record<string, string> = {}): number | undefined {
  const s = samplesNamed(families, name, match);
  return s.length === 0 ? undefined : s.reduce((a, x) => a + x.value, 0);
}

/** Mean of the samples named `name`, or undefined when there is none. */
export function meanOf(families: MetricFamily[], name: string, match: Record<string, string> = {}): number | undefined {
  const s = samplesNamed(families, name, match);
  return s.length === 0 ? undefined : s.reduce((a, x) => a + x.value, 0) / s.length;
}
