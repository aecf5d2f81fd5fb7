/**
 * manifest.json: what a deployer (or a later check) needs to trust and use the artifacts:
 * the router release the export was modelled on, the deployed agreement and per-decision
 * reachability (and, with --allow-low-fidelity, the figure it was written despite), the
 * signal map and where it came from, the feature layout and the router's embedding endpoint,
 * the action map, per-decision algorithm and order, the training data and metrics, warnings,
 * the policy.onnx check, and the sha256 of every artifact file.
 */
import { createHash } from 'node:crypto';
import type { DecisionPlan, PlanResult } from './decision-plan.ts';
import type { DeployedReport } from './deployed.ts';
import { IR_VERSION, OPSET } from './onnx-graph.ts';
import { ROUTER_RELEASE } from './router-model/release.ts';
import type { VerificationReport } from './verify.ts';
import type { ExportModel } from './types.ts';

export const MANIFEST_FORMAT = 2;

export const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

export interface ManifestInput {
  model: ExportModel;
  names: string[];
  policyPath: string;
  policySha: string;
  experimentPath: string;
  experimentName: string;
  experimentSha: string;
  backends: { endpoint: string; placeholder: boolean }[];
  plan: PlanResult;
  decisions: { plan: DecisionPlan; algorithm: string; threshold?: number }[];
  routerLayoutProblems: string[];
  online: boolean;
  deployed: DeployedReport;
  lowFidelity: boolean;
  warnings: string[];
  verification: VerificationReport | null;
  artifacts: Record<string, string | Uint8Array>;
}

export function buildManifest(x: ManifestInput): Record<string, unknown> {
  const m = x.model;
  return {
    exporter: 'wrp',
    format: MANIFEST_FORMAT,
    created: new Date().toISOString(),
    target: 'semantic-router',
    router_config_version: 'v0.3',
    router_release: ROUTER_RELEASE,
    policy: {
      path: x.policyPath,
      sha256: x.policySha,
      learner: m.file.learner,
      kind: m.kind,
      hyperparameters: m.file.hyperparameters,
    },
    experiment: { path: x.experimentPath, name: x.experimentName, sha256: x.experimentSha },
    deployed_agreement: {
      ...x.deployed,
      written_below_goal: x.lowFidelity,
      online_learning: x.online,
    },
    signals: {
      source: x.plan.mapSource,
      map: x.plan.map?.map ?? null,
    },
    features: {
      layout: m.layout,
      router_layout_problems: x.routerLayoutProblems,
      onnx_inputs: m.inputs,
    },
    actions: {
      map: m.actions.map((a, i) => ({
        index: i,
        pool: a.pool,
        model: a.model,
        router_model: x.names[i],
        backend: x.backends[i]!.endpoint,
        placeholder: x.backends[i]!.placeholder,
      })),
      // Row order of category_index inputs; any other category uses index categories.length.
      categories: m.categories,
      default_model: x.names[x.plan.defaultAction],
    },
    decisions: x.decisions.map(({ plan, algorithm, threshold }) => ({
      decision: plan.name,
      category: plan.category,
      priority: plan.priority,
      algorithm,
      ...(plan.keyword ? { signal: plan.keyword.signal } : {}),
      model_order: plan.order.map((i) => x.names[i]),
      greedy: x.names[plan.greedy],
      ...(threshold !== undefined ? { threshold } : {}),
    })),
    onnx: {
      file: 'policy.onnx',
      reader:
        'none in vLLM Semantic Router (its ONNX binding serves classifiers): a portable copy of the scoring function',
      opset: OPSET,
      ir_version: IR_VERSION,
      inputs: m.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.width ? ['N', i.width] : ['N'] })),
      output: {
        name: 'scores',
        dtype: 'float32',
        shape: ['N', m.actions.length],
        meaning: 'the policy scores() per action; the argmax (first on ties) is its choice',
      },
    },
    training: m.file.training,
    warnings: x.warnings,
    verification: x.verification,
    artifacts: Object.fromEntries(
      Object.entries(x.artifacts).map(([name, data]) => [
        name,
        { sha256: sha256(data), bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength },
      ]),
    ),
  };
}
