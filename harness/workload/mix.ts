/**
 * The workload mix (`workload:` in an experiment, with its `arrival:` process): weighted sources (synthetic, routerbench, routerdc, jsonl), archetype and
 * category weights for synthetic sources, and a drift schedule that replaces weights at a
 * given time or request index (for online-adaptation tests).
 *
 *   const w = createWorkload(spec, seed);       // loads datasets once
 *   const plan = w.next(nowS, index);            // index = 0, 1, 2, ... (one per new session)
 *
 * Session `index` is planned from a stream seeded by (seed, index); dataset cursors and
 * prefix-group "seen" sets advance with each call, so a run is reproducible when next() is
 * called in index order (time-triggered drift also depends on the nowS values passed in).
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { loadJsonl } from '../../datasets/jsonl.ts';
import { formatReport } from '../../datasets/report.ts';
import { loadRouterBench } from '../../datasets/routerbench.ts';
import { loadRouterDc } from '../../datasets/routerdc.ts';
import type { DatasetRow, LoadReport } from '../../datasets/types.ts';
import { parseOrThrow } from '../../core/validate.ts';
import type { SessionPlan } from '../types.ts';
import { ARCHETYPE_NAMES, DEFAULT_ARCHETYPE_WEIGHTS } from './archetypes.ts';
import { arrivalSchema } from './arrivals.ts';
import { DatasetSource } from './dataset-source.ts';
import { SyntheticSource, type SyntheticWeights } from './synthetic.ts';
import { CATEGORY_NAMES } from './tasks.ts';
import { deriveSeed, Rng } from '../../core/rng.ts';

const weight = z.number().min(0, 'expected a weight >= 0');
const positiveInt = z.number().int().positive();
const positiveTotal = (m: Record<string, number> | undefined) => m === undefined || Object.values(m).some((w) => w > 0);
const archetypeWeights = z
  .partialRecord(z.enum(ARCHETYPE_NAMES), weight)
  .refine(positiveTotal, 'expected at least one weight > 0');
const categoryWeights = z
  .partialRecord(z.enum(CATEGORY_NAMES), weight)
  .refine(positiveTotal, 'expected at least one weight > 0');
const name = z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'expected a name of letters, digits, _ . : -');

const common = {
  /** Default: the source type. Drift refers to sources by name. */
  name: name.optional(),
  weight: weight.default(1),
};

const datasetCommon = {
  ...common,
  sample: z.enum(['without-replacement', 'with-replacement']).default('without-replacement'),
  limit: positiveInt.optional(),
  max_tokens: positiveInt.default(1024),
  think_time_s: z.number().min(0).default(2),
  estimate_output_tokens: z.boolean().default(true),
};

const scoreDataset = {
  ...datasetCommon,
  /** File bases (`gsm8k-test`) or families (`gsm8k`); default all. */
  files: z.array(z.string().min(1)).optional(),
  /** Test splits by default: train splits are for training learners. Single files are always kept. */
  split: z.enum(['train', 'test', 'all']).default('test'),
  impute: z.enum(['skip-row', 'omit-cell', 'zero', 'mean']).default('skip-row'),
  /** Default `$WRP_DATA_DIR/<routerbench|routerdc-7b>`; relative to the experiment file's directory. */
  dir: z.string().optional(),
};

const sourceSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('synthetic'),
    ...common,
    archetypes: archetypeWeights.default(DEFAULT_ARCHETYPE_WEIGHTS),
    categories: categoryWeights.optional(),
    agent_system_prompts: positiveInt.default(3),
    prompt_scale: z.number().positive().default(1),
    output_scale: z.number().positive().default(1),
  }),
  z.strictObject({ type: z.literal('routerbench'), ...scoreDataset }),
  z.strictObject({ type: z.literal('routerdc'), ...scoreDataset }),
  z.strictObject({
    type: z.literal('jsonl'),
    ...datasetCommon,
    /** A .jsonl file or a directory of them; relative to the experiment file's directory. */
    path: z.string().min(1),
    category: z.string().min(1).optional(),
    split: z.enum(['train', 'test', 'all']).default('all'),
  }),
]);

const driftSchema = z
  .strictObject({
    at_s: z.number().min(0).optional(),
    at_request: z.number().int().min(0).optional(),
    weights: z
      .strictObject({
        /** By source name; replaces the whole source weight map (unnamed sources get 0). */
        sources: z.record(z.string(), weight).refine(positiveTotal, 'expected at least one weight > 0').optional(),
        archetypes: archetypeWeights.optional(),
        categories: categoryWeights.optional(),
      })
      .refine((w) => w.sources || w.archetypes || w.categories, 'expected `sources`, `archetypes` and/or `categories`'),
  })
  .refine(
    (d) => (d.at_s === undefined) !== (d.at_request === undefined),
    'expected exactly one of `at_s` (seconds) or `at_request` (session index)',
  );

type SourceSpec = z.infer<typeof sourceSchema>;

const mixShape = {
  sources: z.array(sourceSchema).min(1, 'expected at least one source'),
  drift: z.array(driftSchema).default([]),
};

function checkMix(w: { sources: SourceSpec[]; drift: z.infer<typeof driftSchema>[] }, ctx: z.RefinementCtx): void {
  const names = w.sources.map((s) => s.name ?? s.type);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i)
      ctx.addIssue({
        code: 'custom',
        path: ['sources', i, 'name'],
        message: `expected a unique source name ("${n}" is used twice; set \`name\`)`,
      });
  });
  if (!w.sources.some((s) => s.weight > 0))
    ctx.addIssue({ code: 'custom', path: ['sources'], message: 'expected at least one source with weight > 0' });
  w.drift.forEach((d, i) => {
    for (const k of Object.keys(d.weights.sources ?? {})) {
      if (!names.includes(k))
        ctx.addIssue({
          code: 'custom',
          path: ['drift', i, 'weights', 'sources', k],
          message: `expected one of the source names ${names.join(', ')}`,
        });
    }
  });
}

/** What createWorkload reads: the sources and the drift schedule. */
export const mixSchema = z.strictObject(mixShape).superRefine(checkMix);

/** The experiment's `workload:` block: the mix plus its arrival process (arrivals.ts). */
export const workloadSchema = z.strictObject({ ...mixShape, arrival: arrivalSchema }).superRefine(checkMix);

export type WorkloadSpec = z.infer<typeof workloadSchema>;
export type WorkloadSpecInput = z.input<typeof workloadSchema>;
export type MixSpec = z.infer<typeof mixSchema>;
/** createWorkload's input; an `arrival` key, if present, is ignored (createArrivals reads it). */
export type MixSpecInput = z.input<typeof mixSchema> & { arrival?: unknown };

export interface Workload {
  /** Plans session `index` (0, 1, 2, ...) as of `nowS` seconds into the run. Never ends. */
  next(nowS: number, index: number): SessionPlan;
  /** Number of drift entries in effect at (nowS, index): 0 before any drift. */
  phaseAt(nowS: number, index: number): number;
  /** Source names in spec order. */
  readonly sources: readonly string[];
  /** Dataset load reports (log them; problems are counted, not fatal). */
  readonly reports: readonly LoadReport[];
}

export interface WorkloadOptions {
  /** Directory that relative `jsonl` paths are resolved from (the experiment file's). Default: cwd. */
  baseDir?: string;
  /** For error messages. */
  file?: string;
  /** Rows by source name, instead of loading them (tests, or rows loaded elsewhere). */
  rows?: Record<string, DatasetRow[]>;
}

function loadRows(
  s: Exclude<SourceSpec, { type: 'synthetic' }>,
  baseDir: string,
): { rows: DatasetRow[]; report: LoadReport } {
  if (s.type === 'jsonl') {
    const r = loadJsonl(resolve(baseDir, s.path), s.category === undefined ? {} : { defaultCategory: s.category });
    return {
      rows: s.split === 'all' ? r.rows : r.rows.filter((row) => row.split === undefined || row.split === s.split),
      report: r.report,
    };
  }
  const opts = {
    split: s.split,
    impute: s.impute,
    ...(s.files ? { files: s.files } : {}),
    ...(s.dir ? { dir: resolve(baseDir, s.dir) } : {}),
  };
  return s.type === 'routerbench' ? loadRouterBench(opts) : loadRouterDc(opts);
}

type Source = { kind: 'synthetic'; src: SyntheticSource } | { kind: 'dataset'; src: DatasetSource };

export function createWorkload(input: MixSpecInput, seed: number, opts: WorkloadOptions = {}): Workload {
  const file = opts.file ?? '<workload>';
  const { arrival: _arrival, ...mix } = input;
  const spec = parseOrThrow(mixSchema, mix, file, ['workload']);
  const baseDir = opts.baseDir ?? process.cwd();
  const reports: LoadReport[] = [];
  const names = spec.sources.map((s) => s.name ?? s.type);
  const sources: Source[] = spec.sources.map((s, i) => {
    const n = names[i]!;
    if (s.type === 'synthetic') {
      const o = {
        agentSystemPrompts: s.agent_system_prompts,
        promptScale: s.prompt_scale,
        outputScale: s.output_scale,
      };
      return { kind: 'synthetic', src: new SyntheticSource(n, o, deriveSeed(seed, 'source', n)) };
    }
    let rows = opts.rows?.[n];
    if (rows === undefined) {
      const loaded = loadRows(s, baseDir);
      reports.push(loaded.report);
      rows = loaded.rows;
    }
    if (rows.length === 0)
      throw new Error(
        `${file}: workload.sources[${i}] (${n}): no rows left after loading and filtering${reports.at(-1) ? `\n${formatReport(reports.at(-1)!)}` : ''}`,
      );
    const o = {
      name: n,
      sample: s.sample,
      maxTokens: s.max_tokens,
      thinkTimeS: s.think_time_s,
      estimateOutputTokens: s.estimate_output_tokens,
      ...(s.limit ? { limit: s.limit } : {}),
    };
    return { kind: 'dataset', src: new DatasetSource(rows, o, deriveSeed(seed, 'source', n)) };
  });

  const baseSources = Object.fromEntries(spec.sources.map((s, i) => [names[i]!, s.weight]));
  const baseSynth = new Map(
    spec.sources.flatMap((s, i) =>
      s.type === 'synthetic' ? [[names[i]!, { archetypes: s.archetypes, categories: s.categories }]] : [],
    ),
  );
  const active = (nowS: number, index: number) =>
    spec.drift.filter((d) => (d.at_s !== undefined ? nowS >= d.at_s : index >= d.at_request!));

  return {
    sources: names,
    reports,
    phaseAt: (nowS, index) => active(nowS, index).length,
    next(nowS, index) {
      // Later drift entries (in list order) override earlier ones, map by map.
      let sourceWeights: Record<string, number> = baseSources;
      let archetypes: SyntheticWeights['archetypes'] | undefined;
      let categories: SyntheticWeights['categories'] | undefined;
      for (const d of active(nowS, index)) {
        if (d.weights.sources) sourceWeights = Object.fromEntries(names.map((n) => [n, d.weights.sources![n] ?? 0]));
        if (d.weights.archetypes) archetypes = d.weights.archetypes;
        if (d.weights.categories) categories = d.weights.categories;
      }
      const r = new Rng(deriveSeed(seed, 'session', index));
      const pick = names.indexOf(r.weighted(sourceWeights));
      const sessionId = `s${index}`;
      const s = sources[pick]!;
      if (s.kind === 'dataset') return s.src.session(r, sessionId);
      const base = baseSynth.get(names[pick]!)!;
      const w: SyntheticWeights = { archetypes: archetypes ?? base.archetypes };
      const cats = categories ?? base.categories;
      if (cats !== undefined) w.categories = cats;
      return s.src.session(r, sessionId, w);
    },
  };
}
