/**
 * manifest.json: what a deployer (or a later verification) needs to trust and use the
 * artifacts: the feature layout and ONNX inputs, the action map, per-decision thresholds,
 * the training data and metrics, placeholders and warnings, the verification result, and the
 * sha256 of every artifact file.
 */
import { createHash } from 'node:crypto';
import { IR_VERSION, OPSET } from './onnx-graph.ts';
import type { VerificationReport } from './verify.ts';
import type { ExportModel } from './types.ts';

export const MANIFEST_FORMAT = 1;

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
  decisions: {
    category: string;
    decision: string;
    algorithm: string;
    modelOrder: string[];
    threshold?: number;
    cost_quality_tradeoff?: number;
  }[];
  routerFeatures: { compatible: boolean; problems: string[]; routerLayout: unknown } | null;
  seedPackSource: string;
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
    policy: {
      path: x.policyPath,
      sha256: x.policySha,
      learner: m.file.learner,
      kind: m.kind,
      hyperparameters: m.file.hyperparameters,
    },
    experiment: { path: x.experimentPath, name: x.experimentName, sha256: x.experimentSha },
    features: {
      layout: m.layout,
      onnx_inputs: m.inputs,
      router: x.routerFeatures,
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
    },
    onnx: {
      file: 'policy.onnx',
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
    decisions: x.decisions,
    seed_pack: { file: 'seed_pack.json', mapping: x.seedPackSource },
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
