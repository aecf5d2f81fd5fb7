/**
 * Quality model of the simulated pool: the probability that a sim model answers a prompt well,
 * and a deterministic verdict drawn from it.
 *
 * Two sources: a per-category table (datasets/quality/builtin.json, built from RouterDC and
 * RouterBench aggregates by tools/build-quality-table.ts), and per-prompt scores from those
 * datasets mapped onto sim models through proxy dataset models. A RouterDC score such as 0.8
 * (fraction of correct samples) is used as the probability itself; a proxy may transform it
 * (p = g + (1 - g) * min(1, scale * s), see datasets/quality/README.md).
 */
import { z } from 'zod';
import builtinJson from '../../../datasets/quality/builtin.json' with { type: 'json' };
import { MODEL_PROFILES } from './profiles.ts';
import { hashString53 } from '../../../core/text/tokenizer.ts';
import { SimConfigError } from '../../../core/errors.ts';

export interface QualityModel {
  /** P(good answer) in [0, 1]; `category` undefined or unknown -> the model's overall figure. */
  probabilityGood(model: string, category: string | undefined, promptKey: string): number;
  describe(): string;
}

/** Resolves a sim model name, case-insensitively or by Hugging Face id, to a key of `known`. */
function resolveModel(name: string, known: ReadonlySet<string>): string | undefined {
  if (known.has(name)) return name;
  const lower = name.toLowerCase();
  for (const k of known) if (k.toLowerCase() === lower) return k;
  const profile = Object.values(MODEL_PROFILES).find((p) => p.hfId.toLowerCase() === lower);
  return profile !== undefined && known.has(profile.name) ? profile.name : undefined;
}

/**
 * The synthetic workload's categories (harness/workload) read the row of the closest
 * dataset family: grade-school word problems ~ gsm8k, knowledge multiple choice ~ mmlu,
 * function-level code ~ humaneval. Others use the model's overall figure.
 */
const CATEGORY_ALIASES: Record<string, string> = { math: 'gsm8k', 'multiple-choice': 'mmlu', code: 'humaneval' };

export interface CategoryTableData {
  models: Record<string, { overall: number; categories: Record<string, number> }>;
}

/** Per model x category mean score; the per-model overall mean covers unknown/missing categories. */
export class CategoryQualityTable implements QualityModel {
  private readonly rows = new Map<string, { overall: number; byCategory: Map<string, number> }>();
  private readonly resolved = new Map<string, string>();
  private readonly categorySet = new Set<string>();

  constructor(
    data: CategoryTableData,
    private readonly label = 'category table',
  ) {
    for (const [model, row] of Object.entries(data.models)) {
      // Lower-cased keys: callers may spell "MATH_prealgebra" as "math_prealgebra".
      const byCategory = new Map<string, number>();
      for (const [cat, v] of Object.entries(row.categories)) {
        byCategory.set(cat.toLowerCase(), v);
        this.categorySet.add(cat);
      }
      this.rows.set(model, { overall: row.overall, byCategory });
    }
  }

  models(): string[] {
    return [...this.rows.keys()];
  }

  categories(): string[] {
    return [...this.categorySet].sort();
  }

  hasCategory(category: string): boolean {
    const lower = category.toLowerCase();
    return [...this.categorySet].some((c) => c.toLowerCase() === lower);
  }

  private row(model: string): { overall: number; byCategory: Map<string, number> } {
    let key = this.resolved.get(model);
    if (key === undefined) {
      key = resolveModel(model, new Set(this.rows.keys()));
      if (key === undefined)
        throw new SimConfigError(`quality: unknown model '${model}'; known: ${this.models().join(', ')}`);
      this.resolved.set(model, key);
    }
    return this.rows.get(key)!;
  }

  probabilityGood(model: string, category: string | undefined, _promptKey = ''): number {
    const row = this.row(model);
    if (category === undefined) return row.overall;
    const key = category.toLowerCase();
    return row.byCategory.get(key) ?? row.byCategory.get(CATEGORY_ALIASES[key] ?? '') ?? row.overall;
  }

  describe(): string {
    return `${this.label}: ${this.rows.size} models x ${this.categorySet.size} categories`;
  }
}

// ---- The built-in table ----------------------------------------------------------------------

const SourceProxySchema = z.object({
  datasetModel: z.string(),
  scale: z.number(),
  gapClose: z.record(z.string(), z.number()),
  defaultGapClose: z.number(),
});
const BuiltinSchema = z.object({
  version: z.literal(1),
  categories: z.array(z.string()),
  simModels: z.record(
    z.string(),
    z.object({
      rationale: z.string(),
      overall: z.number().min(0).max(1),
      proxies: z.object({ routerdc: SourceProxySchema, routerbench: SourceProxySchema }),
      categories: z.record(z.string(), z.object({ mean: z.number().min(0).max(1) })),
    }),
  ),
});
export type BuiltinQualityData = z.infer<typeof BuiltinSchema>;

let builtinCache: BuiltinQualityData | undefined;

/** The parsed datasets/quality/builtin.json (validated once; regenerate with the build script). */
export function builtinQualityData(): BuiltinQualityData {
  builtinCache ??= BuiltinSchema.parse(builtinJson);
  return builtinCache;
}

export function builtinQualityTable(): CategoryQualityTable {
  const data = builtinQualityData();
  const models: CategoryTableData['models'] = {};
  for (const [name, m] of Object.entries(data.simModels)) {
    models[name] = {
      overall: m.overall,
      categories: Object.fromEntries(Object.entries(m.categories).map(([c, v]) => [c, v.mean])),
    };
  }
  return new CategoryQualityTable({ models }, 'builtin RouterDC/RouterBench category table');
}

// ---- Per-prompt table ------------------------------------------------------------------------

/** How a sim model reads a dataset model's per-prompt score: p = g + (1 - g) * min(1, scale * s). */
export interface SimProxy {
  datasetModel: string;
  scale?: number;
  /** Per-category gap-closing fraction g; categories not listed use defaultGapClose (default 0). */
  gapClose?: Record<string, number>;
  defaultGapClose?: number;
}

/** The sim-model -> dataset-model mapping recorded in builtin.json for one data source. */
export function builtinProxyMapping(source: 'routerdc' | 'routerbench'): Record<string, SimProxy> {
  const out: Record<string, SimProxy> = {};
  for (const [name, m] of Object.entries(builtinQualityData().simModels)) out[name] = m.proxies[source];
  return out;
}

export interface PromptScoreRecord {
  /** Explicit prompt id; used as the key verbatim. */
  id?: string;
  /** Prompt text; hashed with promptKeyOf, never stored. */
  prompt?: string;
  category?: string;
  /** Dataset model -> score in [0, 1]; null/undefined/NaN = no score (falls back). */
  scores: Record<string, number | null | undefined>;
}

/** Key of a prompt text: a 53-bit hash, prefixed so it never collides with an explicit id. */
export function promptKeyOf(text: string): string {
  return `h:${hashString53(text.trim()).toString(16)}`;
}

export class PerPromptQualityTable implements QualityModel {
  private readonly entries = new Map<string, { category: string | undefined; scores: Float64Array }>();
  private readonly datasetIndex = new Map<string, number>();
  private readonly mapping = new Map<string, SimProxy>();
  private readonly resolved = new Map<string, string | null>();
  private lookupCount = 0;
  private fallbackCount = 0;

  constructor(
    records: Iterable<PromptScoreRecord>,
    mapping: Record<string, SimProxy>,
    private readonly fallback: QualityModel,
    private readonly label = 'per-prompt table',
  ) {
    for (const [sim, proxy] of Object.entries(mapping)) {
      this.mapping.set(sim, proxy);
      if (!this.datasetIndex.has(proxy.datasetModel)) this.datasetIndex.set(proxy.datasetModel, this.datasetIndex.size);
    }
    // Only the mapped dataset models' scores are kept, as a dense row per prompt.
    for (const r of records) {
      const key = r.id ?? (r.prompt !== undefined ? promptKeyOf(r.prompt) : undefined);
      if (key === undefined) throw new Error('PerPromptQualityTable: a record needs an id or a prompt');
      const scores = new Float64Array(this.datasetIndex.size).fill(NaN);
      for (const [dm, idx] of this.datasetIndex) {
        const v = r.scores[dm];
        if (typeof v === 'number' && Number.isFinite(v)) scores[idx] = Math.min(1, Math.max(0, v));
      }
      this.entries.set(key, { category: r.category, scores });
    }
  }

  get size(): number {
    return this.entries.size;
  }

  has(promptKey: string): boolean {
    return this.entries.has(promptKey);
  }

  /** Lookups so far and how many of them fell back to the category table. */
  stats(): { lookups: number; fallbacks: number } {
    return { lookups: this.lookupCount, fallbacks: this.fallbackCount };
  }

  private proxyOf(model: string): SimProxy | undefined {
    let key = this.resolved.get(model);
    if (key === undefined) {
      key = resolveModel(model, new Set(this.mapping.keys())) ?? null;
      this.resolved.set(model, key);
    }
    return key === null ? undefined : this.mapping.get(key);
  }

  probabilityGood(model: string, category: string | undefined, promptKey: string): number {
    this.lookupCount++;
    const entry = this.entries.get(promptKey);
    const proxy = this.proxyOf(model);
    const s =
      entry !== undefined && proxy !== undefined ? entry.scores[this.datasetIndex.get(proxy.datasetModel)!]! : NaN;
    if (Number.isNaN(s)) {
      this.fallbackCount++;
      return this.fallback.probabilityGood(model, category ?? entry?.category, promptKey);
    }
    const cat = entry!.category ?? category;
    const g = (cat !== undefined ? proxy!.gapClose?.[cat] : undefined) ?? proxy!.defaultGapClose ?? 0;
    return g + (1 - g) * Math.min(1, (proxy!.scale ?? 1) * s);
  }

  describe(): string {
    return `${this.label}: ${this.entries.size} prompts, ${this.mapping.size} sim models; fallback ${this.fallback.describe()}`;
  }
}

// ---- Verdicts --------------------------------------------------------------------------------

const TWO_53 = 2 ** 53;

/** Deterministic uniform in [0, 1) from (seed, model, promptKey). */
export function verdictUniform(seed: number, model: string, promptKey: string): number {
  // Chained 53-bit hashes: the seed seeds the model hash, which seeds the prompt hash.
  const h = hashString53(promptKey, hashString53(model, hashString53(String(seed))));
  return h / TWO_53;
}

/** True when the answer is good: same inputs give the same verdict; seeds give independent draws. */
export function goodAnswer(seed: number, model: string, promptKey: string, p: number): boolean {
  return verdictUniform(seed, model, promptKey) < p;
}
