/**
 * exportPolicy: a trained policy + its experiment -> a vLLM Semantic Router deployment folder
 * (config.yaml, mlp_model.json / knn_model.json, policy.onnx, manifest.json) whose router does
 * what the policy does. Every export is checked against the router model
 * (router-model/, reading the written files back): on >= 10,000 held-out contexts the router's
 * model must be the policy's greedy choice at least 99% of the time and every decision must be
 * reachable, else nothing is written and the refusal gives the figure and the causes
 * (--allow-low-fidelity writes it anyway and records the figure). --verify also checks
 * policy.onnx against the policy. Files go into a temporary sibling folder and are renamed into
 * place, so a failure leaves nothing behind and an earlier export is only replaced (with
 * force) once the new one is complete.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Document } from 'yaml';
import { loadExperiment } from '../../harness/runner/config.ts';
import type { PoolObservation } from '../../harness/types.ts';
import { CATEGORY_NAMES } from '../../harness/workload/tasks.ts';
import { ConfigError } from '../../core/errors.ts';
import { embeddingsUrl } from '../features/embeddings.ts';
import { UNSEEN_CATEGORY } from './contexts.ts';
import { planDecisions } from './decision-plan.ts';
import { AGREEMENT_GOAL, deployedAgreement, describeCauses, type DeployedReport } from './deployed.ts';
import { ExportError } from './errors.ts';
import { routerModelNames } from './features.ts';
import { modelFromFile, readPolicy } from './load-model.ts';
import { buildManifest, sha256 } from './manifest.ts';
import { knnArtifact, mlpArtifact, routerEmbedding, routerLayoutProblems } from './ml-artifacts.ts';
import { GraphBuilder } from './onnx-graph.ts';
import { backendOf, buildRouterConfig } from './router-config.ts';
import { releaseLabel } from './router-model/release.ts';
import { loadSignalMap, SignalRouter } from './signal-map.ts';
import { routerConfigProblems } from './sr-schema.ts';
import type { ExportModel } from './types.ts';
import { contextSets, meanValues } from './values.ts';
import { verifyExport, type VerificationReport } from './verify.ts';
import { isRunWithPolicy, policySourceFile } from '../run-policy.ts';

export { ExportError } from './errors.ts';

export interface ExportOptions {
  /** Folder with policy.json, the file, or a wrp run folder (what its router learned). */
  policy: string;
  /** With a run folder whose split holds several learners: which one (its learner name). */
  policyName?: string;
  experiment: string;
  out: string;
  force?: boolean;
  /** Write an export whose deployed agreement is below 99% (the manifest records it). */
  allowLowFidelity?: boolean;
  /** Also check policy.onnx against the policy. */
  verify?: boolean;
  /** Held-out contexts for the deployed-agreement check (and --verify); at least 10,000. */
  verifyContexts?: number;
  /** A signal map (file or builtin:NAME) for a policy trained on workload labels. */
  signals?: string;
  /** Keep Router Learning's routing_sampling adapting online. */
  onlineLearning?: boolean;
  /** Environment variable for the management API's bearer token (config.yaml, operator role). */
  managementTokenEnv?: string;
  /** Contexts for the learned values in config.yaml. */
  valueContexts?: number;
  listenPort?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface ExportResult {
  out: string;
  files: string[];
  kind: ExportModel['kind'];
  deployed: DeployedReport;
  verification: VerificationReport | null;
  warnings: string[];
  seconds: number;
}

const MANIFEST = 'manifest.json';
const ML_KINDS = new Set(['mlp', 'linear', 'knn']);
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

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
  return p.endsWith('.json') || isRunWithPolicy(p) ? p : join(p, 'policy.json');
}

/** Moves tmp into out (an old export moves aside first and is removed only after the rename). */
function swapIn(tmp: string, out: string): void {
  const old = existsSync(out) ? `${tmp}.old` : undefined;
  if (old) renameSync(out, old);
  try {
    renameSync(tmp, out);
  } catch (e) {
    if (old) renameSync(old, out);
    throw e;
  }
  if (old) rmSync(old, { recursive: true, force: true });
}

export async function exportPolicy(o: ExportOptions): Promise<ExportResult> {
  const t0 = performance.now();
  const log = o.log ?? (() => {});
  const out = resolve(o.out);
  checkOut(out, o.force ?? false);
  const n = o.verifyContexts ?? 10_000;
  if (n < 10_000) throw new ExportError(`verifyContexts: expected at least 10000, got ${n}`);
  const experiment = loadExperiment(o.experiment);
  const path = policyPath(o.policy);
  const file = readPolicy(path, o.policyName);
  const missing = file.actions.filter((a) => !experiment.pools.some((p) => p.name === a.pool)).map((a) => a.pool);
  if (missing.length > 0) {
    throw new ConfigError(o.experiment, [
      `pools: the policy routes to ${missing.map((m) => `"${m}"`).join(', ')}, which this experiment does not define (it has ${experiment.pools.map((p) => p.name).join(', ')})`,
    ]);
  }
  const warnings: string[] = [];
  const warn = (note: string) => warnings.includes(note) || warnings.push(note);
  file.actions.forEach((a) => {
    const p = experiment.pools.find((x) => x.name === a.pool)!;
    if (p.model !== a.model)
      warn(
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
    if (o.signals !== undefined && model.signals)
      throw new ExportError(
        `--signals ${o.signals}: this policy was trained on its own signal map (${model.signals.map.name ?? 'in policy.json'}); it is exported on that map`,
      );
    const given = o.signals === undefined ? undefined : new SignalRouter(loadSignalMap(o.signals));
    const names = routerModelNames(model.actions);
    const categories = (model.categories.length > 0 ? model.categories : [...CATEGORY_NAMES]).filter(
      (c) => c !== UNSEEN_CATEGORY,
    );
    const contexts = (count: number, seed: number, unseen: boolean) => {
      const c = contextSets(experiment, o.experiment, categories, pools, count, seed, warn, unseen);
      return [...c.workload, ...c.generic];
    };
    const per = o.valueContexts ?? 64;
    const overall = await meanValues(
      model,
      contexts(2 * per * (categories.length + 1), (o.seed ?? 1) * 7919 + 1, false),
    );
    const plan = planDecisions(model, names, overall, given);
    if (plan.mapSource.startsWith('builtin'))
      warn(
        'the policy was trained on workload labels: exported on builtin:synthetic keyword routes (deployed agreement measures how often they recover the labels); wrp train --signals builtin:synthetic trains on what the router computes',
      );
    const ml = ML_KINDS.has(model.kind);
    const layoutProblems = ml ? routerLayoutProblems(model) : [];
    if (layoutProblems.length > 0) warn(`the router cannot compute this policy's input: ${layoutProblems.join('; ')}`);
    const emb = ml ? routerEmbedding(model.layout) : undefined;
    const config = buildRouterConfig({
      experiment,
      model,
      names,
      plans: plan.plans,
      overall,
      defaultAction: plan.defaultAction,
      listenPort: o.listenPort ?? 8801,
      online: o.onlineLearning ?? false,
      ...(o.managementTokenEnv ? { managementTokenEnv: o.managementTokenEnv } : {}),
      ...(emb ? { embedding: { ...emb, url: embeddingsUrl(emb.url) } } : {}),
    });
    const problems = routerConfigProblems(config);
    if (problems.length > 0)
      throw new ExportError(`internal error: the generated config.yaml fails the v0.3 schema: ${problems.join('; ')}`);
    const backends = model.actions.map((a) => backendOf(experiment.pools.find((p) => p.name === a.pool)!));
    const placeholders = model.actions.filter((_, i) => backends[i]!.placeholder).map((a) => a.pool);
    const doc = new Document(config);
    doc.commentBefore = [
      ` vLLM Semantic Router v0.3 config exported by wrp from ${basename(path)} (${file.learner}) for experiment ${experiment.name}.`,
      ` Modelled on ${releaseLabel()}; see manifest.json for the deployed agreement.`,
      ...(placeholders.length > 0
        ? [
            ` PLACEHOLDER backends (simulated pools have no fixed address): ${placeholders.join(', ')}.`,
            ' Replace every *.placeholder.invalid endpoint with the real host:port before deploying.',
          ]
        : []),
    ].join('\n');

    const g = new GraphBuilder();
    for (const i of model.inputs) g.input({ name: i.name, dtype: i.dtype, dims: i.width ? ['N', i.width] : ['N'] });
    g.expose(model.build(g), { name: 'scores', dtype: 'float32', dims: ['N', model.actions.length] });
    const artifacts: Record<string, string | Uint8Array> = {
      'config.yaml': String(doc),
      'policy.onnx': g.encode({
        name: `wrp_${file.learner}`,
        doc: `wrp ${file.learner} policy: scores per action (argmax = choice); no Semantic Router component reads this file`,
        props: { learner: file.learner, kind: model.kind, actions: JSON.stringify(names) },
      }),
    };
    if (model.mlp) artifacts['mlp_model.json'] = JSON.stringify(mlpArtifact(model, names)) + '\n';
    if (model.knn) artifacts['knn_model.json'] = JSON.stringify(knnArtifact(model, names)) + '\n';

    const tmp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}-${Date.now()}`);
    mkdirSync(dirname(out), { recursive: true });
    try {
      mkdirSync(tmp);
      for (const [name, data] of Object.entries(artifacts)) writeFileSync(join(tmp, name), data);
      log(`checking what the router does on ${n} held-out contexts (${releaseLabel()}) ...`);
      const deployed = await deployedAgreement(model, contexts(n, (o.seed ?? 1) * 104_729 + 3, false), {
        dir: tmp,
        plans: plan.plans,
        names,
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
      });
      const figure = `deployed agreement ${pct(deployed.agreement)} on ${deployed.contexts} held-out contexts (goal ${pct(AGREEMENT_GOAL)}, all decisions reachable)`;
      if (!deployed.pass) {
        const why = describeCauses(deployed);
        if (!o.allowLowFidelity)
          throw new ExportError(
            `${path}: ${figure}: ${why}. Nothing written${o.onlineLearning ? '' : '; retrain on what the router computes (wrp train --signals, features: {router: ...})'} or pass --allow-low-fidelity to write it anyway`,
          );
        warn(`written below the goal (--allow-low-fidelity): ${figure}: ${why}`);
      }
      let verification: VerificationReport | null = null;
      if (o.verify) {
        log(`verifying policy.onnx on ${n} held-out contexts ...`);
        verification = await verifyExport(tmp, model, contexts(n, (o.seed ?? 1) * 15_485_863 + 7, true));
        if (!verification.pass)
          throw new ExportError(`verification failed (nothing written): ${JSON.stringify(verification)}`);
      }
      const manifest = buildManifest({
        model,
        names,
        policyPath: resolve(policySourceFile(path)),
        policySha: sha256(readFileSync(policySourceFile(path))),
        experimentPath: resolve(o.experiment),
        experimentName: experiment.name,
        experimentSha: sha256(readFileSync(o.experiment)),
        backends,
        plan,
        decisions: config.routing.decisions.map((d, j) => ({
          plan: plan.plans[j]!,
          algorithm: d.algorithm.type,
          ...(d.algorithm.type === 'confidence' ? { threshold: d.algorithm.confidence.threshold } : {}),
        })),
        routerLayoutProblems: layoutProblems,
        online: o.onlineLearning ?? false,
        deployed,
        lowFidelity: !deployed.pass,
        warnings,
        verification,
        artifacts,
      });
      writeFileSync(join(tmp, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
      swapIn(tmp, out);
      log(`exported ${file.learner} (${model.kind}) to ${out}`);
      return {
        out,
        files: [...Object.keys(artifacts), MANIFEST],
        kind: model.kind,
        deployed,
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
