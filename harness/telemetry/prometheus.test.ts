import fc from 'fast-check';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  parsePrometheusText,
  PrometheusParseError,
  sumOf,
  type MetricFamily,
  type MetricType,
  type Sample,
} from './prometheus.ts';

describe('parsePrometheusText', () => {
  it('reads families, types, help, labels, escapes, specials and timestamps', () => {
    const text = [
      '# A free comment',
      '# HELP vllm:num_requests_running Requests in model execution batches.',
      '# TYPE vllm:num_requests_running gauge',
      'vllm:num_requests_running{model_name="llama-3.2-1b"} 3',
      '# HELP http_requests_total The total number\\nof requests \\\\ sent.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",code="200",} 1027 1395066363000',
      'http_requests_total{ method = "post" , code="400"} 3 1395066363000',
      '# TYPE msdos_file_access_time_seconds gauge',
      'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
      'metric_without_timestamp_and_labels 12.47',
      'something_weird{problem="division by zero"} +Inf -3982045',
      'nan_metric NaN',
      'neg_inf -Inf',
      '# TYPE rpc_duration_seconds histogram',
      'rpc_duration_seconds_bucket{le="0.05"} 24054',
      'rpc_duration_seconds_bucket{le="+Inf"} 144320',
      'rpc_duration_seconds_sum 53423',
      'rpc_duration_seconds_count 144320',
      '{"my.utf8.metric", "label.with.dots"="v"} 4',
      '# EOF',
    ].join('\n');
    const fams = parsePrometheusText(text);
    const by = new Map(fams.map((f) => [f.name, f]));
    expect(by.get('vllm:num_requests_running')).toEqual({
      name: 'vllm:num_requests_running',
      type: 'gauge',
      help: 'Requests in model execution batches.',
      samples: [{ name: 'vllm:num_requests_running', labels: { model_name: 'llama-3.2-1b' }, value: 3 }],
    });
    const http = by.get('http_requests_total')!;
    expect(http.help).toBe('The total number\nof requests \\ sent.');
    expect(http.samples).toEqual([
      { name: 'http_requests_total', labels: { method: 'post', code: '200' }, value: 1027, timestampMs: 1395066363000 },
      { name: 'http_requests_total', labels: { method: 'post', code: '400' }, value: 3, timestampMs: 1395066363000 },
    ]);
    expect(by.get('msdos_file_access_time_seconds')!.samples[0]!.labels).toEqual({
      path: 'C:\\DIR\\FILE.TXT',
      error: 'Cannot find file:\n"FILE.TXT"',
    });
    expect(by.get('metric_without_timestamp_and_labels')!.type).toBe('untyped');
    expect(by.get('something_weird')!.samples[0]).toMatchObject({ value: Infinity, timestampMs: -3982045 });
    expect(by.get('nan_metric')!.samples[0]!.value).toBeNaN();
    expect(by.get('neg_inf')!.samples[0]!.value).toBe(-Infinity);
    const h = by.get('rpc_duration_seconds')!;
    expect(h.type).toBe('histogram');
    expect(h.samples.map((s) => s.name)).toEqual([
      'rpc_duration_seconds_bucket',
      'rpc_duration_seconds_bucket',
      'rpc_duration_seconds_sum',
      'rpc_duration_seconds_count',
    ]);
    expect(h.samples[1]!.labels.le).toBe('+Inf');
    expect(by.get('my.utf8.metric')!.samples[0]!.labels).toEqual({ 'label.with.dots': 'v' });
    expect(sumOf(fams, 'http_requests_total')).toBe(1030);
    expect(sumOf(fams, 'http_requests_total', { code: '400' })).toBe(3);
    expect(sumOf(fams, 'absent')).toBeUndefined();
  });

  it('names the bad line', () => {
    expect(() => parsePrometheusText('ok 1\nbad{x="1} 2')).toThrow(PrometheusParseError);
    expect(() => parsePrometheusText('ok 1\nbad{x="1} 2')).toThrow(/line 2: unterminated/);
    expect(() => parsePrometheusText('m abc')).toThrow(/line 1: bad sample value "abc"/);
    expect(() => parsePrometheusText('# TYPE m flux\nm 1')).toThrow(/unknown metric type/);
    expect(() => parsePrometheusText('m{1a="x"} 1')).toThrow(/bad label name/);
  });

  it('reads what prom-client writes', async () => {
    const registry = new Registry();
    const c = new Counter({ name: 'c_total', help: 'c', labelNames: ['k'], registers: [registry] });
    c.inc({ k: 'a"b\\c\nd' }, 5);
    new Gauge({ name: 'vllm:g', help: 'g', registers: [registry] }).set(NaN);
    const h = new Histogram({ name: 'h_seconds', help: 'h', buckets: [0.1, 1], registers: [registry] });
    h.observe(0.5);
    h.observe(2);
    const fams = parsePrometheusText(await registry.metrics());
    expect(fams.find((f) => f.name === 'c_total')!.samples[0]).toEqual({
      name: 'c_total',
      labels: { k: 'a"b\\c\nd' },
      value: 5,
    });
    expect(sumOf(fams, 'vllm:g')).toBeNaN();
    const hist = fams.find((f) => f.name === 'h_seconds')!;
    expect(hist.samples.filter((s) => s.name === 'h_seconds_bucket').map((s) => [s.labels.le, s.value])).toEqual([
      ['0.1', 0],
      ['1', 1],
      ['+Inf', 2],
    ]);
    expect(sumOf(fams, 'h_seconds_sum')).toBe(2.5);
  });
});

// ---- property: serialise random families, parse, get the same values back ------------------

const escLabel = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const fmt = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));

function serialise(fams: MetricFamily[]): string {
  const out: string[] = [];
  for (const f of fams) {
    if (f.help !== undefined) out.push(`# HELP ${f.name} ${escHelp(f.help)}`);
    out.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escLabel(v)}"`)
        .join(',');
      out.push(
        `${s.name}${labels ? `{${labels}}` : ''} ${fmt(s.value)}${s.timestampMs !== undefined ? ` ${s.timestampMs}` : ''}`,
      );
    }
  }
  return out.join('\n') + '\n';
}

const metricName = fc
  .stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,15}$/)
  .filter((n) => !/_(bucket|sum|count|total|created)$/.test(n));
const labelName = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,8}$/).filter((n) => n !== 'le' && n !== 'quantile');
const labelValue = fc.string({
  unit: fc.oneof(
    fc.constantFrom('"', '\\', '\n', ' ', ',', '}', '{', '=', '#'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.constantFrom('é', '日', '😀'),
  ),
  maxLength: 12,
});
const value = fc.oneof(
  fc.double({ noDefaultInfinity: false }).map((v) => (Object.is(v, -0) ? 0 : v)),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.constantFrom(NaN, Infinity, -Infinity),
);
const labels = fc.dictionary(labelName, labelValue, { maxKeys: 3 });
const timestamp = fc.option(fc.integer({ min: -1e12, max: 2e12 }), { nil: undefined });

const simpleFamily = fc
  .record({
    name: metricName,
    type: fc.constantFrom<MetricType>('counter', 'gauge', 'untyped'),
    help: fc.option(
      fc.string({
        unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constantFrom('\\', '\n', '"')),
        maxLength: 20,
      }),
      { nil: undefined },
    ),
    series: fc.uniqueArray(fc.record({ labels, value, ts: timestamp }), {
      maxLength: 4,
      selector: (s) => JSON.stringify(s.labels),
    }),
  })
  .map(({ name, type, help, series }): MetricFamily => ({
    name,
    type,
    ...(help !== undefined ? { help } : {}),
    samples: series.map((s) => ({
      name,
      labels: s.labels,
      value: s.value,
      ...(s.ts !== undefined ? { timestampMs: s.ts } : {}),
    })),
  }));

const histogramFamily = fc
  .record({
    name: metricName,
    series: fc.uniqueArray(
      fc.record({
        labels,
        bounds: fc.uniqueArray(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 4 }),
        counts: fc.array(fc.nat(1000), { minLength: 5, maxLength: 5 }),
        sum: value,
      }),
      {
        maxLength: 3,
        selector: (s) => JSON.stringify(s.labels),
      },
    ),
  })
  .map(({ name, series }): MetricFamily => ({
    name,
    type: 'histogram',
    samples: series.flatMap((s) => {
      const bounds = [...s.bounds].map((b) => (Object.is(b, -0) ? 0 : b)).sort((a, b) => a - b);
      let acc = 0;
      const buckets: Sample[] = [...bounds, Infinity].map((le, i) => ({
        name: `${name}_bucket`,
        labels: { ...s.labels, le: fmt(le) },
        value: (acc += s.counts[i]!),
      }));
      return [
        ...buckets,
        { name: `${name}_sum`, labels: s.labels, value: s.sum },
        { name: `${name}_count`, labels: s.labels, value: acc },
      ];
    }),
  }));

describe('parsePrometheusText property', () => {
  it('parse(serialise(families)) == families', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.oneof(simpleFamily, histogramFamily), { maxLength: 5, selector: (f) => f.name }),
        (fams) => {
          expect(parsePrometheusText(serialise(fams))).toEqual(fams);
        },
      ),
      { numRuns: 500 },
    );
  });
});
