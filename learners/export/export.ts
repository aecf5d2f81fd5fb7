/**
 * exportPolicy: a trained policy + its experiment -> a vLLM Semantic Router deployment folder
 * (config.yaml, seed_pack.json, policy.onnx, mlp_model.json / knn_model.json, manifest.json).
 * Everything is written into a temporary sibling folder, validated (and verified when asked)
 * there, then renamed into place, so a failure leaves nothing behind and an earlier export is
 * only replaced (with force) once the new one is complete.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Document } from 'yaml';
import { loadExperiment } from '../../harness/runner/config.ts';
import type { PoolObservation } from '../../harness/types.ts';
import { CATEGORY_NAMES } from '../../harness/workload/tasks.ts';
import { routerModelNames } from './features.ts';
import { modelFromFile, readPolicy } from './load-model.ts';
import { buildManifest, sha256 } from './manifest.ts';
import { knnArtifact, mlpArtifact, ROUTER_FEATURE_LAYOUT, routerFeatureProblems } from './ml-artifacts.ts';
import { GraphBuilder } from './onnx-graph.ts';
import { backendOf, buildRouterConfig } from './router-config.ts';
import { buildSeedPack } from './seed-pack.ts';
import { routerConfigProblems } from './sr-schema.ts';
import type { ExportModel } from './types.ts';
import { categoryValues, contextSets } from './values.ts';
import { verifyExport, type VerificationReport } from './verify.ts';
import { WrpError, ConfigError } from '../../core/errors.ts';

/** A refusal: bad input or a folder export will not touch. */
export class ExportError extends WrpError {
  override name = 'ExportError';
  constructor(message: string) {
    super('WRP_EXPORT', message);
  }
}

export interface ExportOptions {
  /** Folder with policy.json, or the file. */
  policy: string;
  experiment: string;
  out: string;
  force?: boolean;
  allowFeatureMismatch?: boolean;
  verify?: boolean;
  /** Held-out contexts for verification (at least 10,000 by default). */
  verifyContexts?: number;
  /** Contexts per category for the learned values in config.yaml. */
  valueContexts?: number;
  listenPort?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface ExportResult {
  out: string;
  files: string[];
  kind: ExportModel['kind'];
  verification: VerificationReport | null;
  warnings: string[];
  seconds: number;
}

const MANIFEST = 'manifest.json';

/** Refuses an out folder that holds anything but an empty folder or (with force) a previous export. */
function checkOut(out: string, force: boolean): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new ExportError(`--out ${out}: exists and is not a folder`);
  const entries = readdirSync(out);
  if (entries.length === 0) return;
  if (!entries.includes(MANIFEST))
    throw new ExportError(
      `--out ${out}: folder is not empty and holds no wrp export (no ${MANIFEST}); choose another folder`,
    );
  if (!force) throw new ExportError(`--out ${out}: holds a previous export; pass --force to replace it`);
}

export function policyPath(p: string): string {
  return p.endsWith('.json') ? p : join(p, 'policy.json');
}

export async function exportPolicy(o: ExportOptions): Promise<ExportResult> {
  const t0 = performance.now();
  const log = o.log ?? (() => {});
  const out = resolve(o.out);
  checkOut(out, o.force ?? false);
  const experiment = loadExperiment(o.experiment);
  const path = policyPath(o.policy);
  const file = readPolicy(path);
  const missing = file.actions.filter((a) => !experiment.pools.some((p) => p.name === a.pool)).map((a) => a.pool);
  if (missing.length > 0) {
    throw new ConfigError(o.experiment, [
      `pools: the policy routes to ${missing.map((m) => `"${m}"`).join(', ')}, which this experiment does not define (it has ${experiment.pools.map((p) => p.name).join(', ')})`,
    ]);
  }
  const warnings: string[] = [];
  file.actions.forEach((a) => {
    const p = experiment.pools.find((x) => x.name === a.pool)!;
    if (p.model !== a.model)
      warnings.push(
        `pool ${a.pool}: the policy was trained on model "${a.model}", the experiment's pool serves "${p.model}" (deployed as provider_model_id)`,
      );
  });
  const pools: PoolObservation[] = experiment.pools.map((p) => ({
    name: p.name,
    model: p.model,
    pricing: { inputPer1M: p.pricing.input_per_1m, outputPer1M: p.pricing.output_per_1m },
  }));
  const model = await modelFromFile(file, path, pools);
  try {
    const names = routerModelNames(model.actions);
    const k = model.actions.length;

    // Router features: the ML selectors must be able to compute the policy's input.
    let routerFeatures = null;
    if (model.kind === 'mlp' || model.kind === 'knn') {
      const problems = routerFeatureProblems(model);
      if (problems.length > 0 && !o.allowFeatureMismatch) {
        throw new ExportError(
          `${path}: the router cannot compute this ${file.learner} policy's features: ${problems.join('; ')}. Its selector reads a ${ROUTER_FEATURE_LAYOUT.dim}-d vector (1024-d Qwen3 embedding + 14-way category one-hot). Retrain on that layout, or pass --allow-feature-mismatch to export anyway (the manifest records the mismatch)`,
        );
      }
      if (problems.length > 0)
        warnings.push(`feature mismatch (exported with --allow-feature-mismatch): ${problems.join('; ')}`);
      routerFeatures = { compatible: problems.length === 0, problems, routerLayout: ROUTER_FEATURE_LAYOUT };
    }

    // Learned values per category, from held-out contexts (the workload's own where it has the category).
    const categories = model.categories.length > 0 ? model.categories : [...CATEGORY_NAMES];
    if (model.categories.length === 0)
      warnings.push(
        `the policy distinguishes no categories: one decision per synthetic workload category (${categories.join(', ')})`,
      );
    const warn = (note: string) => warnings.includes(note) || warnings.push(note);
    const contexts = (n: number, seed: number) =>
      contextSets(experiment, o.experiment, categories, pools, n, seed, warn);

    const g = new GraphBuilder();
    for (const i of model.inputs) g.input({ name: i.name, dtype: i.dtype, dims: i.width ? ['N', i.width] : ['N'] });
    g.expose(model.build(g), { name: 'scores', dtype: 'float32', dims: ['N', k] });
    const onnxBytes = g.encode({
      name: `wrp_${file.learner}`,
      doc: `wrp ${file.learner} policy: scores per action (argmax = choice)`,
      props: { learner: file.learner, kind: model.kind, actions: JSON.stringify(names) },
    });

    const per = o.valueContexts ?? 64;
    const { perCategory, overall } = await categoryValues(
      model,
      onnxBytes,
      categories,
      contexts(2 * per * (categories.length + 1), (o.seed ?? 1) * 7919 + 1),
    );

    const config = buildRouterConfig({
      experiment,
      model,
      names,
      perCategory,
      overall,
      listenPort: o.listenPort ?? 8801,
    });
    const problems = routerConfigProblems(config);
    if (problems.length > 0)
      throw new ExportError(`internal error: the generated config.yaml fails the v0.3 schema: ${problems.join('; ')}`);
    const backends = model.actions.map((a) => backendOf(experiment.pools.find((p) => p.name === a.pool)!));
    const placeholders = model.actions.filter((_, i) => backends[i]!.placeholder).map((a) => a.pool);
    const doc = new Document(config);
    doc.commentBefore = [
      ` vLLM Semantic Router v0.3 config exported by wrp from ${basename(path)} (${file.learner}) for experiment ${experiment.name}.`,
      ...(placeholders.length > 0
        ? [
            ` PLACEHOLDER backends (simulated pools have no fixed address): ${placeholders.join(', ')}.`,
            ' Replace every *.placeholder.invalid endpoint with the real host:port before deploying.',
          ]
        : []),
    ].join('\n');

    const seed = buildSeedPack(model, names, perCategory);
    const artifacts: Record<string, string | Uint8Array> = {
      'config.yaml': String(doc),
      'seed_pack.json': JSON.stringify(seed.pack, null, 2) + '\n',
      'policy.onnx': onnxBytes,
    };
    if (model.mlp) artifacts['mlp_model.json'] = JSON.stringify(mlpArtifact(model, names)) + '\n';
    if (model.knn) artifacts['knn_model.json'] = JSON.stringify(knnArtifact(model, names)) + '\n';

    const tmp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}-${Date.now()}`);
    mkdirSync(dirname(out), { recursive: true });
    try {
      mkdirSync(tmp);
      for (const [name, data] of Object.entries(artifacts)) writeFileSync(join(tmp, name), data);
      let verification: VerificationReport | null = null;
      if (o.verify) {
        const n = o.verifyContexts ?? 10_000;
        log(`verifying on ${n} held-out contexts ...`);
        const c = contexts(n, (o.seed ?? 1) * 104_729 + 3);
        const ctxs = [...c.workload, ...c.generic];
        verification = await verifyExport(tmp, model, ctxs, {
          names,
          artifactContexts: model.knn ? Math.min(n, 2000) : n,
        });
        if (!verification.pass)
          throw new ExportError(`verification failed (nothing written): ${JSON.stringify(verification)}`);
      }
      const manifest = buildManifest({
        model,
        names,
        policyPath: resolve(path),
        policySha: sha256(readFileSync(path)),
        experimentPath: resolve(o.experiment),
        experimentName: experiment.name,
        experimentSha: sha256(readFileSync(o.experiment)),
        backends,
        routerFeatures,
        seedPackSource: seed.source,
        warnings,
        verification,
        artifacts,
        decisions: config.routing.decisions.map((d, j) => ({
          category: perCategory[j]!.category,
          decision: d.name,
          algorithm: d.algorithm.type,
          modelOrder: d.modelRefs.map((r) => r.model),
          ...(d.algorithm.type === 'confidence'
            ? {
                threshold: d.algorithm.confidence.threshold,
                cost_quality_tradeoff: d.algorithm.confidence.cost_quality_tradeoff,
              }
            : {}),
        })),
      });
      writeFileSync(join(tmp, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
      // Swap in: the old export (force) moves aside first and is removed only after the rename.
      const old = existsSync(out) ? `${tmp}.old` : undefined;
      if (old) renameSync(out, old);
      try {
        renameSync(tmp, out);
      } catch (e) {
        if (old) renameSync(old, out);
        throw e;
      }
      if (old) rmSync(old, { recursive: true, force: true });
      log(`exported ${file.learner} (${model.kind}) to ${out}`);
      return {
        out,
        files: [...Object.keys(artifacts), MANIFEST],
        kind: model.kind,
        verification,
        warnings,
        seconds: (performance.now() - t0) / 1000,
      };
    } finally {
      if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
    }
  } finally {
    model.dispose();
  }
}
