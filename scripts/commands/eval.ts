/** `wrp eval --policy DIR --data SRC`: how a trained policy routes on held-out data or a logged run. */
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ConfigError } from '../../harness/runner/config-errors.ts';
import { readLoggedRun } from '../../learners/eval/logged.ts';
import { loadLearner, loadPolicyFile } from '../../learners/registry.ts';
import { contextFromRecord } from '../../learners/train/dataset-context.ts';
import { loadDataset, parseDataSpec } from '../../learners/train/data-source.ts';
import { evaluateOnDataset, evaluateOnLogs } from '../../learners/train/evaluate.ts';
import { qualityCostReward } from '../../learners/train/offline.ts';
import { prepareLearners } from '../policies.ts';
import { UsageError } from './usage-error.ts';

interface EvalArgs {
  policy: string;
  data: string;
  split?: string;
  files?: string;
  lambda: number;
}

const f = (x: number | undefined, d = 4) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));

export async function evaluate(a: EvalArgs): Promise<void> {
  const path = a.policy.endsWith('.json') ? a.policy : join(a.policy, 'policy.json');
  const file = loadPolicyFile(path);
  await prepareLearners({ type: file.learner });
  const learner = loadLearner(file, path);
  const actions = file.actions.map((x) => x.pool);
  const spec = parseDataSpec(a.data, { split: a.split ?? 'test', files: a.files, models: file.actions.map((x) => x.model).join(',') });
  if (spec.kind === 'dataset') {
    const data = loadDataset(spec);
    const task = { actionModel: Object.fromEntries(file.actions.map((x) => [x.pool, x.model])), reward: qualityCostReward(a.lambda) };
    const e = evaluateOnDataset(learner, data.rows, task, actions);
    const ref = e.references;
    console.log(`${file.learner} on ${spec.name}:${spec.split} (${e.n} prompts)`);
    console.log(`  quality ${f(e.quality.estimate)} [95% CI ${f(e.quality.lower)}, ${f(e.quality.upper)}], reward ${f(e.reward)}, mean cost ${f(e.meanCost, 6)}, regret vs per-prompt best ${f(e.regret, 1)}`);
    console.log(`  best single (${ref.bestSingle.model}) ${f(ref.bestSingle.quality)}, best per category ${f(ref.bestPerCategory.quality)}, oracle ${f(ref.oracle.quality)}`);
    console.log(`  actions: ${JSON.stringify(e.actionCounts)}`);
    if (e.twoModel) console.log(`  ${e.twoModel.strong} vs ${e.twoModel.weak}: APGR ${f(e.twoModel.apgr)}, CPT(50%) ${f(e.twoModel.cpt50, 3)}, CPT(80%) ${f(e.twoModel.cpt80, 3)}`);
    if (e.manyModels) console.log(`  AIQ ${f(e.manyModels.aiq)} vs zero router ${f(e.manyModels.zeroRouterAiq)}`);
  } else if (spec.kind === 'logged') {
    const run = readLoggedRun(spec.path);
    const e = evaluateOnLogs(learner, run.samples, actions, contextFromRecord);
    console.log(`${file.learner} on logged run ${spec.path} (${e.n} records with rewards, ${e.matched} where the policy agrees with the log)`);
    console.log(`  logged policy reward ${f(e.loggedReward)}`);
    console.log(`  IPS ${f(e.ips.estimate)} [${f(e.ips.lower)}, ${f(e.ips.upper)}], SNIPS ${f(e.snips)}, DR ${f(e.dr?.estimate)} [${f(e.dr?.lower)}, ${f(e.dr?.upper)}], ESS ${f(e.ess, 1)}`);
  } else {
    throw new UsageError('--data: evaluate on a dataset or a logged run (the simulator is for training)');
  }
}

export const evalCommand: CommandModule = {
  command: 'eval',
  describe: 'Evaluate a trained policy on held-out full-information data or a logged run (off-policy estimates)',
  builder: (y: Argv) =>
    y.options({
      policy: { type: 'string', demandOption: true, describe: 'folder with policy.json (or the file)' },
      data: { type: 'string', demandOption: true, describe: 'routerdc | routerbench | a run folder' },
      split: { type: 'string', describe: 'dataset split: test (default) | train | all' },
      files: { type: 'string', describe: 'dataset files or families, comma-separated' },
      lambda: { type: 'number', default: 0, describe: 'reward = quality - lambda * USD cost' },
    }),
  handler: (a) =>
    evaluate(a as unknown as EvalArgs).catch((e: unknown) => {
      throw e instanceof ConfigError ? new UsageError(e.message) : e;
    }),
};
