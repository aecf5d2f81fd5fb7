/** `wrp export --policy DIR --target semantic-router --experiment FILE --out DIR`: deployable router artifacts. */
import type { CommandModule, Options } from 'yargs';
import type { Flags } from '../flags.ts';
import { exportPolicy } from '../../learners/export/export.ts';
import { UsageError } from '../../core/errors.ts';
import { printNext, shown } from '../next.ts';

const exportOptions = {
  policy: {
    type: 'string',
    demandOption: true,
    describe: 'folder with policy.json (or the file), or a wrp run folder: what its router learned',
  },
  'policy-name': {
    type: 'string',
    describe: 'with a run folder: which of its learners (e.g. beta_thompson) when its split holds several',
  },
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
    describe: 'also check policy.onnx against the policy and re-validate config.yaml',
  },
  force: { type: 'boolean', default: false, describe: 'replace a previous export in --out' },
  'allow-low-fidelity': {
    type: 'boolean',
    default: false,
    describe: "write the export even when the router would serve the policy's choice on < 99% of requests",
  },
  signals: {
    type: 'string',
    describe: 'signal map (file or builtin:synthetic) for a policy trained on workload labels',
  },
  'online-learning': {
    type: 'boolean',
    default: false,
    describe: "let Router Learning's routing_sampling keep adapting (it explores: agreement falls)",
  },
  'management-token-env': {
    type: 'string',
    describe: 'environment variable the router reads its management API bearer token from (operator role)',
  },
  'verify-contexts': {
    type: 'number',
    default: 10_000,
    describe: 'held-out contexts for the deployed-agreement check and --verify (>= 10000)',
  },
  'listen-port': { type: 'number', default: 8801, describe: "the router listener's port in config.yaml" },
} as const satisfies Record<string, Options>;

type ExportArgs = Flags<typeof exportOptions>;

const fmt = (x: number) => (x === 0 ? '0' : x.toExponential(2));
const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(2)}%`);

export async function runExport(a: ExportArgs): Promise<void> {
  if (a['verify-contexts'] < 10_000)
    throw new UsageError(`--verify-contexts: expected at least 10000, got ${a['verify-contexts']}`);
  const r = await exportPolicy({
    policy: a.policy,
    ...(a['policy-name'] !== undefined ? { policyName: a['policy-name'] } : {}),
    experiment: a.experiment,
    out: a.out,
    force: a.force,
    allowLowFidelity: a['allow-low-fidelity'],
    verify: a.verify,
    verifyContexts: a['verify-contexts'],
    listenPort: a['listen-port'],
    onlineLearning: a['online-learning'],
    ...(a.signals !== undefined ? { signals: a.signals } : {}),
    ...(a['management-token-env'] !== undefined ? { managementTokenEnv: a['management-token-env'] } : {}),
    log: (line) => console.log(line),
  });
  console.log(`wrote ${r.files.join(', ')} (${r.kind}) in ${r.seconds.toFixed(2)} s`);
  for (const w of r.warnings) console.log(`warning: ${w}`);
  const d = r.deployed;
  console.log(
    `deployed agreement (${d.router}): ${pct(d.agreement)} of ${d.contexts} held-out contexts${d.meanChoiceAgreement !== undefined ? ` (posterior-mean choice ${pct(d.meanChoiceAgreement)})` : ''}; ${d.undetermined} undetermined, ${d.fragile} near-tie, ${d.noDecision} without text`,
  );
  console.log('  decision                        category              contexts  agreement  reachable');
  for (const row of d.decisions)
    console.log(
      `  ${row.decision.padEnd(32)}${row.category.padEnd(22)}${String(row.contexts).padStart(8)}  ${pct(row.agreement).padStart(9)}  ${row.reachable ? 'yes' : 'NO'}`,
    );
  const v = r.verification;
  if (v) {
    const c = v.onnx;
    console.log(
      `verification: policy.onnx vs scores(): ${c.contexts} contexts, argmax agreement ${pct(c.argmaxAgreement)}, max |diff| ${fmt(c.maxAbsDiff)} -> ${c.pass ? 'ok' : 'FAILED'}; config.yaml re-validated: ${v.config.pass ? 'ok' : v.config.problems.join('; ')}`,
    );
  }
  const out = shown(a.out);
  printNext(
    `deploy ${out}/config.yaml with vLLM Semantic Router (its ML files beside it: ${out}/manifest.json lists them)`,
    `npx wrp outcomes --run <a wrp run through the router> --router <its management API URL>`,
  );
}

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export',
  describe:
    'Export a trained policy as vLLM Semantic Router artifacts (config.yaml, ML-selector JSON, policy.onnx, manifest), checked against a model of the router',
  builder: (y) => y.options(exportOptions),
  handler: (a) => runExport(a),
};
