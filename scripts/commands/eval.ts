/** `wrp eval --policy DIR --data SRC`: how a trained policy routes on held-out data or a logged run. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Argv, CommandModule, Options } from 'yargs';
import type { Flags } from '../flags.ts';
import { readLoggedRun } from '../../learners/eval/logged.ts';
import { loadLearner } from '../../learners/registry.ts';
import { isReplayLearner } from '../../learners/rl/cascade-entry.ts';
import { cascadeRows, cascadeSetupOf, evaluateCascade } from '../../learners/train/cascade.ts';
import type { PolicyFile } from '../../learners/types.ts';
import { contextFromRecord, contextFromRow } from '../../learners/train/dataset-context.ts';
import { routedRows } from '../../learners/export/routed-learner.ts';
import { parseSignalMap, SignalRouter } from '../../learners/export/signal-map.ts';
import { loadDataset, parseDataSpec, type DataSpec } from '../../learners/train/data-source.ts';
import { evaluateOnDatasetPrepared, evaluateOnLogs } from '../../learners/train/evaluate.ts';
import { qualityCostReward } from '../../learners/train/offline.ts';
import { prepareLearners } from '../../learners/policy-factories.ts';
import { UsageError, WrpError } from '../../core/errors.ts';
import { printJson, printNext, quietly, shown } from '../next.ts';
import { loadPolicyFile } from '../../learners/policy-file.ts';
import { describeReplay, readRouterReplay } from '../../learners/train/router-replay.ts';
import { dominance, dominanceLine } from '../../learners/eval/dominance.ts';
import type { ConfidenceInterval } from '../../learners/eval/bootstrap.ts';
import type { ReferencePoints } from '../../learners/eval/replay.ts';
import { writeReport } from '../../harness/report/write-report.ts';

const evalOptions = {
  policy: { type: 'string', demandOption: true, describe: 'folder with policy.json (or the file)' },
  data: {
    type: 'string',
    demandOption: true,
    describe:
      'routerdc[:split] | routerbench[:split] | a run folder | replay:<file> (OPE refused: no propensities) (cascades: a dataset)',
  },
  split: { type: 'string', describe: 'dataset split: test (default) | train | all' },
  files: { type: 'string', describe: 'dataset files or families, comma-separated' },
  lambda: { type: 'number', default: 0, describe: 'reward = quality - lambda * USD cost' },
  out: { type: 'string', describe: 'folder for eval.json and report.html (default: the policy folder)' },
  json: { type: 'boolean', describe: 'print eval.json on stdout instead of the figures (for scripts)' },
} as const satisfies Record<string, Options>;

export type EvalArgs = Flags<typeof evalOptions>;

const f = (x: number | undefined, d = 4) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));

/** The operating point against each single model alone (learners/eval/dominance.ts): a line when it is not worth it. */
function printDominance(quality: ConfidenceInterval, cost: number | undefined, ref: ReferencePoints): void {
  if (cost === undefined) return;
  const line = dominanceLine(
    dominance({ cost, quality: quality.estimate, qualityLower: quality.lower }, ref.singleModels),
    (x) => f(x, 6),
  );
  if (line) console.log(`  ${line}`);
}

/** eval.json (what the command printed, as JSON: harness/report/policy-files.ts EvalFile) and report.html. */
async function saveEval(a: EvalArgs, path: string, result: Record<string, unknown>): Promise<void> {
  const out = a.out ?? dirname(path);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'eval.json'), JSON.stringify(result, null, 2) + '\n');
  const report = await writeReport(out);
  if (a.json) return printJson({ eval: join(out, 'eval.json'), report, ...result });
  console.log(`evaluation: ${join(out, 'eval.json')}`);
  console.log(`report: ${report}`);
  printNext(
    `open ${shown(report)}`,
    `npx wrp export --policy ${shown(dirname(path))} --experiment <the experiment its pools come from> --out router/`,
  );
}

/** A cascade replayed on held-out rows: served quality, every call's cost, escalations, the two-level curve. */
function evaluateCascadeOn(a: EvalArgs, file: PolicyFile, path: string, spec: DataSpec): Record<string, unknown> {
  if (spec.kind !== 'dataset') {
    const why =
      spec.kind === 'logged' || spec.kind === 'replay'
        ? 'a logged run made one call per request, so it cannot show what escalating would have given'
        : 'the simulator is for training';
    throw new UsageError(
      `--data: a ${file.learner} policy is evaluated on a dataset with every model's score and cost (--data routerbench:test); ${why}`,
    );
  }
  const setup = cascadeSetupOf(file);
  const data = loadDataset({ ...spec, models: [...setup.levels, ...setup.peers], responses: setup.needsResponses });
  const source = `${spec.name}:${spec.split}`;
  const { rows: kept, dropped } = cascadeRows(data.rows, setup, source);
  // A cascade trained with --signals replays on the categories the router computes.
  const router = file.signals === undefined ? undefined : new SignalRouter(parseSignalMap(file.signals, path));
  const rows = router ? routedRows(kept, router, (row, i) => contextFromRow(row, i).messages) : kept;
  const e = evaluateCascade(file, rows, a.lambda, path);
  const ref = e.references;
  console.log(
    `${file.learner} ${file.actions.map((x) => x.pool).join(' -> ')} on ${source} (${e.n} prompts${dropped ? `, ${dropped} without every level's score, cost${setup.needsResponses ? ' or answer' : ''} dropped` : ''})${e.optimistic ? ' [OPTIMISTIC]' : ''}`,
  );
  if (e.optimistic) console.log(`  ${e.optimistic}`);
  const point = file.training['operatingPoint'] as { budgetUsd?: number; threshold?: number } | undefined;
  if (point?.budgetUsd !== undefined)
    console.log(
      `  operating point: budget ${f(point.budgetUsd, 6)} USD/request -> escalation threshold ${f(point.threshold)}`,
    );
  console.log(
    `  quality ${f(e.quality.estimate)} [95% CI ${f(e.quality.lower)}, ${f(e.quality.upper)}], reward ${f(e.reward)}, mean cost (every call) ${f(e.meanCost, 6)}, regret vs per-prompt best ${f(e.regret, 1)}`,
  );
  console.log(
    `  best single (${ref.bestSingle.model}) ${f(ref.bestSingle.quality)} at ${f(ref.bestSingle.cost, 6)}, best per category ${f(ref.bestPerCategory.quality)}, oracle ${f(ref.oracle.quality)}`,
  );
  console.log(
    `  calls/request ${f(e.callsPerRow, 3)}, escalation share ${f(e.escalationShare, 3)}, started at ${JSON.stringify(e.startedAt)}, served by ${JSON.stringify(e.servedBy)}`,
  );
  printDominance(e.quality, e.meanCost, ref);
  const t = e.twoLevel;
  if (t) {
    console.log(
      `  ${t.strong} over ${t.weak}: PGR ${f(t.pgr)}; escalation-threshold curve: APGR ${f(t.apgr)}, CPT(50%) ${f(t.cpt50, 3)}, CPT(80%) ${f(t.cpt80, 3)}`,
    );
    console.log(
      `  cost-APGR ${f(t.costApgr)}, USD/request at PGR 50% ${f(t.costAt50, 6)} / 80% ${f(t.costAt80, 6)} (weak alone ${f(t.weakOnly, 6)}, strong alone ${f(t.strongOnly, 6)})`,
    );
  }
  return { kind: 'cascade', learner: file.learner, data: source, ...e };
}

export async function evaluate(a: EvalArgs): Promise<void> {
  const path = a.policy.endsWith('.json') ? a.policy : join(a.policy, 'policy.json');
  const file = loadPolicyFile(path);
  const models = file.actions.map((x) => x.model).join(',');
  const spec = parseDataSpec(a.data, { split: a.split, files: a.files, models }, 'test');
  if (isReplayLearner(file.learner)) return saveEval(a, path, evaluateCascadeOn(a, file, path, spec));
  await prepareLearners({ type: file.learner });
  const learner = loadLearner(file, path);
  const actions = file.actions.map((x) => x.pool);
  if (spec.kind === 'dataset') {
    const data = loadDataset(spec);
    const task = {
      actionModel: Object.fromEntries(file.actions.map((x) => [x.pool, x.model])),
      reward: qualityCostReward(a.lambda),
    };
    const e = await evaluateOnDatasetPrepared(learner, data.rows, task, actions);
    const ref = e.references;
    console.log(`${file.learner} on ${spec.name}:${spec.split} (${e.n} prompts)`);
    console.log(
      `  quality ${f(e.quality.estimate)} [95% CI ${f(e.quality.lower)}, ${f(e.quality.upper)}], reward ${f(e.reward)}, mean cost ${f(e.meanCost, 6)}, regret vs per-prompt best ${f(e.regret, 1)}`,
    );
    console.log(
      `  best single (${ref.bestSingle.model}) ${f(ref.bestSingle.quality)}, best per category ${f(ref.bestPerCategory.quality)}, oracle ${f(ref.oracle.quality)}`,
    );
    console.log(`  actions: ${JSON.stringify(e.actionCounts)}`);
    printDominance(e.quality, e.meanCost, ref);
    if (e.twoModel)
      console.log(
        `  ${e.twoModel.strong} vs ${e.twoModel.weak}: APGR ${f(e.twoModel.apgr)}, CPT(50%) ${f(e.twoModel.cpt50, 3)}, CPT(80%) ${f(e.twoModel.cpt80, 3)}`,
      );
    if (e.manyModels) console.log(`  AIQ ${f(e.manyModels.aiq)} vs zero router ${f(e.manyModels.zeroRouterAiq)}`);
    await saveEval(a, path, { kind: 'dataset', learner: file.learner, data: `${spec.name}:${spec.split}`, ...e });
  } else if (spec.kind === 'logged') {
    const run = readLoggedRun(spec.path);
    const e = evaluateOnLogs(learner, run.samples, actions, contextFromRecord);
    console.log(
      `${file.learner} on logged run ${spec.path} (${e.n} records with rewards, ${e.matched} where the policy agrees with the log)`,
    );
    console.log(`  logged policy reward ${f(e.loggedReward)}`);
    console.log(
      `  IPS ${f(e.ips.estimate)} [${f(e.ips.lower)}, ${f(e.ips.upper)}], SNIPS ${f(e.snips)}, DR ${f(e.dr?.estimate)} [${f(e.dr?.lower)}, ${f(e.dr?.upper)}], ESS ${f(e.ess, 1)}`,
    );
    await saveEval(a, path, { kind: 'logged', learner: file.learner, data: spec.path, ...e });
  } else if (spec.kind === 'replay') {
    const { report } = await readRouterReplay(spec.path, a.lambda);
    throw new WrpError(
      'WRP_OPE',
      `--data replay:${spec.path}: off-policy evaluation refused: ${describeReplay(report)}. IPS, SNIPS and DR weight each logged decision by the probability the logging policy gave it, and the router records none; train on these records instead (wrp train --data replay:${spec.path}: the direct method), or evaluate on a dataset or a wrp run`,
    );
  } else {
    throw new UsageError('--data: evaluate on a dataset or a logged run (the simulator is for training)');
  }
}

export const evalCommand: CommandModule<object, EvalArgs> = {
  command: 'eval',
  describe: 'Evaluate a trained policy on held-out full-information data or a logged run (off-policy estimates)',
  builder: (y: Argv) => y.options(evalOptions),
  // --json: the figures go to eval.json and stdout carries only it.
  handler: (a) => (a.json ? quietly(() => evaluate(a)) : evaluate(a)),
};
