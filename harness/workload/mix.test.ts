import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { dataDir, PROJECT_ROOT } from '../../datasets/paths.ts';
import { arrivalSchema } from './arrivals.ts';
import { createWorkload, workloadSchema, type MixSpecInput } from './mix.ts';

const opts = { baseDir: PROJECT_ROOT };
const JSONL = { type: 'jsonl', path: 'datasets/fixtures/jsonl/sample.jsonl', name: 'qa' } as const;
const RDC = { type: 'routerdc', dir: 'datasets/fixtures/routerdc', name: 'rdc' } as const;

function count(
  spec: MixSpecInput,
  n: number,
  key: (labels: { source: string; archetype: string; category: string }) => string,
  at = (i: number) => [0, i] as const,
) {
  const w = createWorkload(spec, 21, opts);
  const c: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const k = key(w.next(...at(i)).turns[0]!.labels);
    c[k] = (c[k] ?? 0) + 1;
  }
  return c;
}

describe('mix weights', () => {
  it('sources are drawn in proportion to their weights', () => {
    const c = count(
      {
        sources: [
          { type: 'synthetic', weight: 3 },
          { ...JSONL, weight: 1 },
        ],
      },
      4000,
      (l) => (l.source === 'synthetic' ? 'synthetic' : 'jsonl'),
    );
    expect(c.synthetic! / 4000).toBeGreaterThan(0.72);
    expect(c.synthetic! / 4000).toBeLessThan(0.78);
  });

  it('archetype and category weights are respected', () => {
    const a = count(
      { sources: [{ type: 'synthetic', archetypes: { chat: 1, reasoning: 3 } }] },
      2000,
      (l) => l.archetype,
    );
    expect(a.reasoning! / 2000).toBeGreaterThan(0.72);
    expect(a.reasoning! / 2000).toBeLessThan(0.78);
    expect(Object.keys(a).sort()).toEqual(['chat', 'reasoning']);
    const c = count(
      { sources: [{ type: 'synthetic', archetypes: { chat: 1 }, categories: { math: 1, code: 1, chitchat: 0 } }] },
      2000,
      (l) => l.category,
    );
    expect(c.chitchat).toBeUndefined();
    expect(Math.abs(c.math! - c.code!)).toBeLessThan(150);
  });

  it('is deterministic for a seed, including dataset sources', () => {
    const spec: MixSpecInput = { sources: [{ type: 'synthetic' }, JSONL, RDC] };
    const a = createWorkload(spec, 3, opts);
    const b = createWorkload(spec, 3, opts);
    for (let i = 0; i < 100; i++) expect(a.next(i, i)).toEqual(b.next(i, i));
    expect(a.reports.map((r) => r.loader)).toEqual(['jsonl', 'routerdc']);
  });
});

describe('drift', () => {
  const spec: MixSpecInput = {
    sources: [
      { type: 'synthetic', archetypes: { chat: 1 } },
      { ...JSONL, weight: 0 },
    ],
    drift: [
      { at_s: 100, weights: { sources: { qa: 1 } } },
      { at_request: 300, weights: { sources: { synthetic: 1 }, archetypes: { reasoning: 1 } } },
    ],
  };

  it('switches the mix at the given time', () => {
    const w = createWorkload(spec, 1, opts);
    for (let i = 0; i < 100; i++) expect(w.next(i * 0.99, i).turns[0]!.labels.archetype).toBe('chat');
    expect(w.phaseAt(99.99, 100)).toBe(0);
    expect(w.phaseAt(100, 100)).toBe(1);
    for (let i = 100; i < 200; i++) expect(w.next(100 + i, i).turns.at(-1)!.labels.source).toBe('jsonl:sample');
  });

  it('switches at a request index, later entries overriding earlier ones', () => {
    const w = createWorkload(spec, 1, opts);
    expect(w.next(500, 299).turns.at(-1)!.labels.source).toBe('jsonl:sample');
    for (let i = 300; i < 400; i++) expect(w.next(500, i).turns[0]!.labels.archetype).toBe('reasoning');
    expect(w.phaseAt(500, 300)).toBe(2);
  });
});

describe('workload spec errors name the path and the expected value', () => {
  const bad = (input: unknown) => () => createWorkload(input as MixSpecInput, 1, opts);
  it.each([
    [{ sources: [] }, /workload\.sources: expected at least one source/],
    [{ sources: [{ type: 'synthetic', archetypes: { chat: 1, swarm: 2 } }] }, /workload\.sources\[0\]\.archetypes/],
    [
      { sources: [{ type: 'synthetic' }, { type: 'synthetic' }] },
      /workload\.sources\[1\]\.name: expected a unique source name/,
    ],
    [
      { sources: [{ type: 'synthetic', weight: 0 }] },
      /workload\.sources: expected at least one source with weight > 0/,
    ],
    [
      { sources: [{ type: 'synthetic' }], drift: [{ at_s: 1, weights: { sources: { nope: 1 } } }] },
      /workload\.drift\[0\]\.weights\.sources\.nope: expected one of the source names synthetic/,
    ],
    [
      { sources: [{ type: 'synthetic' }], drift: [{ at_s: 1, at_request: 2, weights: { archetypes: { chat: 1 } } }] },
      /workload\.drift\[0\]: expected exactly one of `at_s`/,
    ],
    [{ sources: [{ type: 'jsonl' }] }, /workload\.sources\[0\]\.path/],
    [{ sources: [{ type: 'csv' }] }, /workload\.sources\[0\]\.type/],
    [{ sources: [{ type: 'synthetic', extra_key: 1 }] }, /workload\.sources\[0\]: unknown key\(s\) 'extra_key'/],
  ])('%j', (input, message) => {
    expect(bad(input)).toThrow(message);
  });

  it('a missing dataset names its path', () => {
    expect(bad({ sources: [{ type: 'routerbench', dir: 'datasets/fixtures/none' }] })).toThrow(
      /fixtures\/none: no such directory/,
    );
  });

  it('parses with defaults for embedding in the experiment config', () => {
    const spec = workloadSchema.parse({
      sources: [{ type: 'routerdc' }],
      arrival: { type: 'concurrency', concurrency: 4 },
    });
    expect(spec.sources[0]).toMatchObject({
      type: 'routerdc',
      weight: 1,
      split: 'test',
      impute: 'skip-row',
      sample: 'without-replacement',
    });
    expect(spec.drift).toEqual([]);
  });
});

describe('README example', () => {
  it('validates against workloadSchema and arrivalSchema', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'harness/workload/README.md'), 'utf8');
    const doc = parseYaml(/```yaml\n([\s\S]*?)```/.exec(readme)![1]!) as { workload: { arrival: unknown } };
    const w = workloadSchema.parse(doc.workload);
    expect(w.sources.map((s) => s.name ?? s.type)).toEqual(['synthetic', 'rdc', 'rb', 'mine']);
    expect(w.arrival).toMatchObject({ type: 'sweep', process: 'gamma', cv: 2 });
    expect(arrivalSchema.parse(doc.workload.arrival)).toEqual(w.arrival);
  });

  it('the experiment block requires an arrival; createWorkload ignores it', () => {
    expect(workloadSchema.safeParse({ sources: [{ type: 'synthetic' }] }).success).toBe(false);
    const w = createWorkload({ sources: [{ type: 'synthetic' }], arrival: { type: 'poisson', rate: 1 } }, 1);
    expect(w.next(0, 0).turns.length).toBeGreaterThan(0);
  });
});

describe.skipIf(!existsSync(join(dataDir(), 'routerdc-7b')))('shared data through the mix', () => {
  it('RouterDC test questions become labeled single-turn sessions', () => {
    const w = createWorkload({ sources: [{ type: 'routerdc', files: ['gsm8k', 'mmlu'] }] }, 2);
    expect(w.reports[0]!.rowsKept).toBe(1319 + 4213);
    const t = w.next(0, 0).turns[0]!;
    expect(Object.keys(t.labels.scores!)).toHaveLength(7);
    expect(t.labels.promptId).toMatch(/^(gsm8k-test|mmlu_test):\d+$/);
  });
});
