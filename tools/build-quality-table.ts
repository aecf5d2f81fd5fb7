/**
 * Builds datasets/quality/builtin.json, the simulated pool's built-in quality table, from the
 * public routing data in $WRP_DATA_DIR (default: ../shared/data relative to the project root).
 *
 * Only aggregates are written (mean score per dataset model per category, row counts, empty
 * cell counts, file names): never a prompt text. The mapping from sim models to dataset
 * models ("proxies") and its rationale are written alongside; datasets/quality/README.md
 * explains them. Run: `npx tsx tools/build-quality-table.ts [--out FILE]`.
 */
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATA_DIR = resolve(ROOT, process.env.WRP_DATA_DIR ?? '../shared/data');
const outArg = process.argv.indexOf('--out');
const OUT =
  outArg >= 0 && process.argv[outArg + 1]
    ? resolve(process.argv[outArg + 1]!)
    : join(ROOT, 'datasets/quality/builtin.json');

const RDC_DIR = 'routerdc-7b';
const RB_DIR = 'routerbench';
const RB_BASELINE = 'mistralai/mistral-7b-chat'; // RouterBench's only 7B-class model
const round = (x: number): number => Math.round(x * 1e4) / 1e4;

interface CategoryStats {
  file: string;
  rows: number;
  /** Mean over non-empty cells, per dataset model. */
  mean: Record<string, number>;
  /** Empty/missing score cells per dataset model (only models with some). */
  emptyCells: Record<string, number>;
}

/** File name -> task family: strip extension and a _train/_test/-train/-test suffix. */
function family(file: string): { name: string; split: 'train' | 'test' | 'single' } {
  const base = file.replace(/\.(json|csv)$/, '');
  const m = /^(.*)[_-](train|test)$/.exec(base);
  return m ? { name: m[1]!, split: m[2] as 'train' | 'test' } : { name: base, split: 'single' };
}

/** Accumulates per-model sums; an absent, empty or non-numeric cell counts as empty, never as 0. */
function stats(file: string, rows: Iterable<Record<string, unknown>>, models: string[]): CategoryStats {
  const sum = new Map<string, number>(models.map((m) => [m, 0]));
  const n = new Map<string, number>(models.map((m) => [m, 0]));
  let count = 0;
  for (const row of rows) {
    count++;
    for (const m of models) {
      const v = row[m];
      const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (Number.isFinite(x)) {
        sum.set(m, sum.get(m)! + x);
        n.set(m, n.get(m)! + 1);
      }
    }
  }
  const mean: Record<string, number> = {};
  const emptyCells: Record<string, number> = {};
  for (const m of models) {
    if (n.get(m)! > 0) mean[m] = round(sum.get(m)! / n.get(m)!);
    if (n.get(m)! < count) emptyCells[m] = count - n.get(m)!;
  }
  return { file, rows: count, mean, emptyCells };
}

interface RdcRow {
  question: string;
  scores: Record<string, number | null>;
}

function loadRouterDc(): { models: string[]; categories: Record<string, CategoryStats> } {
  const dir = join(DATA_DIR, RDC_DIR);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  // Train split where the family has one, else the single file; test splits stay unseen.
  const chosen = new Map<string, string>();
  for (const f of files) {
    const fam = family(f);
    if (fam.split === 'test') continue;
    if (fam.split === 'train' || !chosen.has(fam.name)) chosen.set(fam.name, f);
  }
  let models: string[] = [];
  const categories: Record<string, CategoryStats> = {};
  for (const [cat, f] of [...chosen].sort((a, b) => a[0].localeCompare(b[0]))) {
    const rows = JSON.parse(readFileSync(join(dir, f), 'utf8')) as RdcRow[];
    if (models.length === 0) models = Object.keys(rows[0]?.scores ?? {});
    categories[cat] = stats(
      f,
      rows.map((r) => r.scores),
      models,
    );
  }
  return { models, categories };
}

function loadRouterBench(): {
  models: string[];
  categories: Record<string, CategoryStats>;
  emptyCellsByFile: Record<string, { rows: number; emptyCells: Record<string, number> }>;
} {
  const dir = join(DATA_DIR, RB_DIR);
  let models: string[] = [];
  const categories: Record<string, CategoryStats> = {};
  const emptyCellsByFile: Record<string, { rows: number; emptyCells: Record<string, number> }> = {};
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.csv'))
    .sort()) {
    // Prompts hold commas, quotes and newlines: a real CSV parser, header row as keys.
    const rows = parse(readFileSync(join(dir, f), 'utf8'), { columns: true, skip_empty_lines: true }) as Record<
      string,
      string
    >[];
    const header = Object.keys(rows[0] ?? {});
    const fileModels = header.filter(
      (h, i) =>
        i > 0 && !h.includes('|') && !['sample_id', 'prompt', 'eval_name', 'oracle_model_to_route_to'].includes(h),
    );
    if (models.length === 0) models = fileModels;
    const s = stats(f, rows, fileModels);
    // Every file's empty cells are reported (test splits included); only train splits feed the means.
    emptyCellsByFile[f] = { rows: s.rows, emptyCells: s.emptyCells };
    const fam = family(f);
    if (fam.split !== 'test') categories[fam.name] = s;
  }
  return { models, categories, emptyCellsByFile };
}

const rdc = loadRouterDc();
const rb = loadRouterBench();
const categories = [...new Set([...Object.keys(rdc.categories), ...Object.keys(rb.categories)])].sort();

// ---- The mapping rule (README "Mapping") ----------------------------------------------------
// p_sim = g + (1 - g) * min(1, scale * s_proxy): `scale` discounts small models, `g` is the
// fraction of the proxy's remaining error that a bigger model closes.

interface SourceProxy {
  datasetModel: string;
  scale: number;
  gapClose: Record<string, number>;
  defaultGapClose: number;
}
interface SimSpec {
  rationale: string;
  routerdc: SourceProxy;
  routerbench: SourceProxy;
  strongRb?: string;
}

/** Gap that `strong` closes over RB_BASELINE in RouterBench family `cat`, clamped to [0, 1]. */
function gapClosed(strong: string, cat: string): number {
  const m = rb.categories[cat]!.mean;
  const base = m[RB_BASELINE]!;
  return round(Math.min(1, Math.max(0, (m[strong]! - base) / (1 - base))));
}

function strongUplift(strong: string): { gapClose: Record<string, number>; defaultGapClose: number } {
  const gapClose: Record<string, number> = {};
  for (const cat of Object.keys(rb.categories)) gapClose[cat] = gapClosed(strong, cat);
  const gs = Object.values(gapClose);
  return { gapClose, defaultGapClose: round(gs.reduce((a, b) => a + b, 0) / gs.length) };
}

const plain = (datasetModel: string, scale = 1): SourceProxy => ({
  datasetModel,
  scale,
  gapClose: {},
  defaultGapClose: 0,
});
const LLAMA8 = 'meta-llama/Meta-Llama-3-8B';
const DOLPHIN = 'cognitivecomputations/dolphin-2.9-llama3-8b';
const MISTRAL = 'mistralai/Mistral-7B-v0.1';
const GPT35 = 'gpt-3.5-turbo-1106';
const YI34 = 'zero-one-ai/Yi-34B-Chat';
const up70 = strongUplift(GPT35);
const up32 = strongUplift(YI34);
// Llama 3.2 model card (instruct): 3B/8B ratios MMLU 63.4/69.4, GSM8K 77.7/84.5, ARC-C 78.6/83.4,
// MATH 48.0/51.9 -> mean 0.92; 1B: 49.3, 44.4, 59.4, 30.6 -> mean 0.63.
const SCALE_3B = 0.92;
const SCALE_1B = 0.63;

const SIM: Record<string, SimSpec> = {
  'llama-3.1-8b': {
    rationale: `Same family and size: RouterDC ${LLAMA8}. Winograde (RouterBench only): ${RB_BASELINE}, RouterBench's only 7B-class model.`,
    routerdc: plain(LLAMA8),
    routerbench: plain(RB_BASELINE),
  },
  'qwen3-8b': {
    rationale: `RouterDC's best single model ${DOLPHIN} (0.489 on the test splits): Qwen3-8B is stronger than Llama-3.1-8B on most public benchmarks, math and code above all. Winograde: ${RB_BASELINE}.`,
    routerdc: plain(DOLPHIN),
    routerbench: plain(RB_BASELINE),
  },
  'llama-3.2-3b': {
    rationale: `A weaker RouterDC model, ${MISTRAL} (base, not instruction-tuned), times ${SCALE_3B} (mean Llama-3.2-3B/Llama-3.1-8B ratio on MMLU, GSM8K, ARC-C, MATH in the Llama 3.2 model card). A different proxy from the 8B's, so the small model's category profile is not a uniform discount (it matches the 8B on code). Winograde: ${RB_BASELINE} times ${SCALE_3B}.`,
    routerdc: plain(MISTRAL, SCALE_3B),
    routerbench: plain(RB_BASELINE, SCALE_3B),
  },
  'llama-3.2-1b': {
    rationale: `${MISTRAL} times ${SCALE_1B} (mean Llama-3.2-1B/Llama-3.1-8B ratio, same model-card benchmarks). Winograde: ${RB_BASELINE} times ${SCALE_1B}.`,
    routerdc: plain(MISTRAL, SCALE_1B),
    routerbench: plain(RB_BASELINE, SCALE_1B),
  },
  'llama-3.1-70b': {
    rationale: `The llama-3.1-8b figure (${LLAMA8}) plus the share of the remaining error that RouterBench's ${GPT35} closes over ${RB_BASELINE} in that family (ARC-C, Winogrande, MBPP; their mean elsewhere). RouterBench has no Llama-3 model; gpt-3.5-turbo is a conservative stand-in for Llama-3.1-70B-Instruct (which matches or beats it on public benchmarks), and RouterBench's llama-2-70b-chat, a generation older, scores below mistral-7b-chat on MBPP and Winogrande. On RouterBench data directly: ${GPT35}.`,
    routerdc: { datasetModel: LLAMA8, scale: 1, ...up70 },
    routerbench: plain(GPT35),
    strongRb: GPT35,
  },
  'qwen3-32b': {
    rationale: `The qwen3-8b figure (${DOLPHIN}) plus the share of the remaining error that RouterBench's ${YI34}, its 30B-class open model, closes over ${RB_BASELINE} per family (mean elsewhere): strong on ARC-C and Winogrande, barely better than 7B on MBPP. On RouterBench data directly: ${YI34}.`,
    routerdc: { datasetModel: DOLPHIN, scale: 1, ...up32 },
    routerbench: plain(YI34),
    strongRb: YI34,
  },
};

function transform(s: number, scale: number, g: number): number {
  return g + (1 - g) * Math.min(1, scale * s);
}

const simModels: Record<string, unknown> = {};
for (const [name, spec] of Object.entries(SIM)) {
  const cats: Record<string, { mean: number; source: string; datasetModel: string; scale: number; gapClose: number }> =
    {};
  for (const cat of categories) {
    // RouterDC where it has the family (one eval protocol across all sim models), else RouterBench.
    const source = rdc.categories[cat] ? 'routerdc' : 'routerbench';
    const proxy = source === 'routerdc' ? spec.routerdc : spec.routerbench;
    const table = (source === 'routerdc' ? rdc.categories : rb.categories)[cat]!;
    const s = table.mean[proxy.datasetModel];
    if (s === undefined) throw new Error(`${source} ${cat}: no scores for ${proxy.datasetModel}`);
    const g = proxy.gapClose[cat] ?? proxy.defaultGapClose;
    // The transform is linear for scale <= 1, so transforming the mean equals the mean of transforms.
    cats[cat] = {
      mean: round(transform(s, proxy.scale, g)),
      source,
      datasetModel: proxy.datasetModel,
      scale: proxy.scale,
      gapClose: g,
    };
  }
  const overall = round(Object.values(cats).reduce((a, c) => a + c.mean, 0) / categories.length);
  simModels[name] = {
    rationale: spec.rationale,
    proxies: { routerdc: spec.routerdc, routerbench: spec.routerbench },
    overall,
    categories: cats,
  };
}

const output = {
  version: 1,
  description:
    'Built-in quality table of the simulated vLLM pool: P(good answer) per sim model per category. Aggregates only, no prompt text.',
  provenance: {
    generatedBy: 'tools/build-quality-table.ts',
    sources: [
      {
        name: 'RouterDC',
        citation:
          'Chen et al., "RouterDC: Query-Based Router by Dual Contrastive Learning for Assembling Large Language Models", NeurIPS 2024',
        dataDir: RDC_DIR,
        note: 'Per-question scores (fraction of correct samples) of 7 open 7B/8B models, datasets/split2_model7 of the RouterDC repository.',
      },
      {
        name: 'RouterBench',
        citation: 'Hu et al., "RouterBench: A Benchmark for Multi-LLM Routing System", 2024, arXiv:2403.12031',
        dataDir: RB_DIR,
        note: 'Zero-shot slices (0/1 scores, 11 models) as redistributed by the RouterDC repository (datasets/routerbench_zs).',
      },
    ],
    splits:
      'Means use train splits and single files only; test splits are left unseen (their empty cells are still counted).',
  },
  rule: [
    "p = g + (1 - g) * min(1, scale * s), s = the proxy dataset model's score (category mean or per-prompt score).",
    'Each category takes RouterDC figures where RouterDC has the family, else RouterBench (winograde).',
    `scale: 1, except llama-3.2-3b ${SCALE_3B} and llama-3.2-1b ${SCALE_1B} (Llama 3.2 model-card ratios to Llama-3.1-8B).`,
    `g (gap closed) for the two big models on RouterDC data: (mean_strong - mean_baseline) / (1 - mean_baseline) on the RouterBench train split of the family, baseline ${RB_BASELINE}, clamped to [0, 1]; families RouterBench lacks use the mean g of the RouterBench families. g = 0 otherwise.`,
    'overall = unweighted mean over categories (used for unknown or missing categories).',
  ],
  categories,
  datasets: {
    routerdc: { dir: RDC_DIR, models: rdc.models, categories: rdc.categories },
    routerbench: {
      dir: RB_DIR,
      models: rb.models,
      baseline: RB_BASELINE,
      categories: rb.categories,
      emptyCellsByFile: rb.emptyCellsByFile,
    },
  },
  simModels,
};

mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify(output, null, 2) + '\n');
const totalEmpty = Object.values(rb.emptyCellsByFile).reduce(
  (a, f) => a + Object.values(f.emptyCells).reduce((x, y) => x + y, 0),
  0,
);
console.log(
  `wrote ${OUT}: ${categories.length} categories, ${Object.keys(SIM).length} sim models; RouterBench empty score cells: ${totalEmpty}`,
);
for (const [name, v] of Object.entries(simModels) as [
  string,
  { overall: number; categories: Record<string, { mean: number }> },
][]) {
  console.log(
    name.padEnd(14),
    v.overall.toFixed(3),
    categories.map((c) => `${c}=${v.categories[c]!.mean.toFixed(2)}`).join(' '),
  );
}
