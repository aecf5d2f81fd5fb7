/** `wrp export --policy DIR --target semantic-router --experiment FILE --out DIR`: deployable router artifacts. */
import type { Argv, CommandModule } from 'yargs';
import { ExportError, exportPolicy } from '../../learners/export/export.ts';
import { ConfigError, UsageError } from '../../core/errors.ts';

interface ExportArgs {
  policy: string;
  target: string;
  experiment: string;
  out: string;
  verify: boolean;
  force: boolean;
  allowFeatureMismatch: boolean;
  verifyContexts: number;
  listenPort: number;
}

const fmt = (x: number) => (x === 0 ? '0' : x.toExponential(2));

export async function runExport(a: ExportArgs): Promise<void> {
  if (a.verifyContexts < 10_000)
    throw new UsageError(`--verify-contexts: expected at least 10000, got ${a.verifyContexts}`);
  const r = await exportPolicy({
    policy: a.policy,
    experiment: a.experiment,
    out: a.out,
    force: a.force,
    allowFeatureMismatch: a.allowFeatureMismatch,
    verify: a.verify,
    verifyContexts: a.verifyContexts,
    listenPort: a.listenPort,
    log: (line) => console.log(line),
  });
  console.log(`wrote ${r.files.join(', ')} (${r.kind}) in ${r.seconds.toFixed(2)} s`);
  for (const w of r.warnings) console.log(`warning: ${w}`);
  const v = r.verification;
  if (v) {
    const line = (what: string, c: { contexts: number; argmaxAgreement: number; maxAbsDiff: number; pass: boolean }) =>
      console.log(
        `  ${what}: ${c.contexts} contexts, argmax agreement ${(100 * c.argmaxAgreement).toFixed(2)}%, max |diff| ${fmt(c.maxAbsDiff)} -> ${c.pass ? 'ok' : 'FAILED'}`,
      );
    console.log('verification:');
    line('policy.onnx vs scores()', v.onnx);
    if (v.mlp) line('mlp_model.json forward pass', v.mlp);
    if (v.knn) line('knn_model.json forward pass', v.knn);
    console.log(`  config.yaml re-validated: ${v.config.pass ? 'ok' : v.config.problems.join('; ')}`);
  }
}

export const exportCommand: CommandModule = {
  command: 'export',
  describe:
    'Export a trained policy as vLLM Semantic Router artifacts (config.yaml, seed pack, ONNX, ML-selector JSON, manifest)',
  builder: (y: Argv) =>
    y.options({
      policy: { type: 'string', demandOption: true, describe: 'folder with policy.json (or the file)' },
      target: {
        type: 'string',
        choices: ['semantic-router'],
        default: 'semantic-router',
        describe: 'what to export for',
      },
      experiment: {
        type: 'string',
        demandOption: true,
        describe: 'the experiment whose pools (pricing, endpoints) the router routes to',
      },
      out: {
        type: 'string',
        demandOption: true,
        describe: 'folder to write (must be new, empty, or a previous export with --force)',
      },
      verify: {
        type: 'boolean',
        default: false,
        describe:
          'check policy.onnx and the ML artifact against the policy on held-out contexts, re-validate config.yaml',
      },
      force: { type: 'boolean', default: false, describe: 'replace a previous export in --out' },
      'allow-feature-mismatch': {
        type: 'boolean',
        default: false,
        describe: 'export an MLP/knn whose features the router cannot compute',
      },
      'verify-contexts': { type: 'number', default: 10_000, describe: 'held-out contexts for --verify (>= 10000)' },
      'listen-port': { type: 'number', default: 8801, describe: "the router listener's port in config.yaml" },
    }),
  handler: (a) =>
    runExport(a as unknown as ExportArgs).catch((e: unknown) => {
      throw e instanceof ConfigError || e instanceof ExportError ? new UsageError(e.message) : e;
    }),
};
