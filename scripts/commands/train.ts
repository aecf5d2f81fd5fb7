/** `wrp train --learner NAME --data SRC --out DIR`: train a routing policy offline. */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv, CommandModule, Options } from 'yargs';
import type { Flags } from '../flags.ts';
import { loadExperiment } from '../../harness/runner/config.ts';
import { describeLoggedRun, readLoggedRun } from '../../learners/eval/logged.ts';
import { LEARNERS, TRAINABLE } from '../../learners/registry.ts';
import { isReplayLearner, type ReplayLearnerName } from '../../learners/rl/cascade-entry.ts';
import { cascadeRows, cascadeSetup, trainCascade } from '../../learners/train/cascade.ts';
import { contextFromRecord, withCategories, contextFromRow } from '../../learners/train/dataset-context.ts';
import { loadDataset, parseDataSpec, poolNameOf, type DataSpec } from '../../learners/train/data-source.ts';
import { qualityCostReward, trainOnRowsPrepared } from '../../learners/train/offline.ts';
import { trainInSimulator } from '../../learners/train/sim-train.ts';
import { NeuralPolicy } from '../../learners/rl/neural-policy.ts';
import type { Learner } from '../../learners/types.ts';
import { prepareLearners } from '../../learners/policy-factories.ts';
import { UsageError } from '../../core/errors.ts';
import { printJson, printNext, shown } from '../next.ts';
import { wrap } from '../../harness/runner/print-summary.ts';
import { routedRows, SignalRoutedLearner, unwrapRouted } from '../../learners/export/routed-learner.ts';
import { loadSignalMap, SignalRouter } from '../../learners/export/signal-map.ts';
import { describeReplay, readRouterReplay } from '../../learners/train/router-replay.ts';
import { LearningCurve } from '../../learners/train/learning-curve.ts';
import type { TrainingCurve } from '../../harness/report/policy-files.ts';
import { writeReport } from '../../harness/report/write-report.ts';

/** Load reports and notes go to stderr: stdout stays the command's result. */
const say = (line: string) => console.error(line);

const trainOptions = {
  learner: {
    type: 'string',
    demandOption: true,
    describe:
      'e.g. linucb, lin_thompson, beta_thompson, ucb1, epsilon_greedy; cascade, response_cascade (datasets only)',
  },
  data: {
    type: 'string',
    demandOption: true,
    describe:
      'routerdc[:split] | routerbench[:split] | a run folder | sim:<experiment.yaml> | replay:<Semantic Router replay records>',
  },
  out: { type: 'string', demandOption: true, describe: 'folder for policy.json' },
  split: { type: 'string', describe: 'dataset split: train (default) | test | all' },
  files: { type: 'string', describe: 'dataset files or families, comma-separated (e.g. arc_challenge,winograde)' },
  models: {
    type: 'string',
    describe: 'dataset models to route between, comma-separated (default: all); cascades: the levels, small to large',
  },
  params: { type: 'string', default: '{}', describe: 'hyperparameters as JSON, e.g. \'{"alpha": 0.5}\'' },
  lambda: { type: 'number', default: 0, describe: 'dataset reward = quality - lambda * USD cost' },
  requests: { type: 'number', default: 100_000, describe: 'requests to simulate (sim: data)' },
  seed: { type: 'number', default: 1 },
  force: { type: 'boolean', describe: 'replace the policy.json already in --out' },
  json: { type: 'boolean', describe: 'print the training figures as JSON on stdout (for scripts)' },
  signals: {
    type: 'string',
    describe:
      'categories vLLM Semantic Router computes: a signal map (YAML/JSON keyword routes) or builtin:synthetic; the policy is trained, evaluated and exported on them',
  },
} as const satisfies Record<string, Options>;

export type TrainArgs = Flags<typeof trainOptions>;

function params(json: string): Record<string, unknown> {
  try {
    const p = JSON.parse(json) as unknown;
    if (p === null || typeof p !== 'object' || Array.isArray(p)) throw new Error('not an object');
    return p as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(
      `--params: expected a JSON object of hyperparameters, e.g. '{"alpha": 0.5}' (${(e as Error).message})`,
    );
  }
}

/**
 * Builds the learner. With data whose categories are known up front (datasets), linear
 * learners get a category one-hot over them unless --params sets features.categories.
 */
function create(
  a: TrainArgs,
  actions: { pool: string; model: string }[],
  categories?: string[],
  router?: SignalRouter,
): Learner {
  const entry = LEARNERS[a.learner];
  if (!entry) throw new UsageError(`--learner: expected one of ${TRAINABLE.join(', ')}, got "${a.learner}"`);
  const cats = router ? router.categories : categories;
  const p = cats ? withCategories(entry, params(a.params), cats) : params(a.params);
  const learner = entry.create(
    { type: a.learner, ...p },
    { pools: actions.map((x) => x.pool), seed: a.seed, file: '--params', actions },
  );
  // --signals: the learner decides on the categories the router computes (learners/export/signal-map.ts).
  return router ? new SignalRoutedLearner(learner, router) : learner;
}

/** Where a cascade can learn from: it calls several models per request, so only full-information datasets show what escalating gives. */
const CASCADE_DATA = "the cascades train on a dataset with every model's score and cost (--data routerbench:train)";

/** A cascade replays the dataset, calling levels small -> large and paying each call (learners/train/cascade.ts). */
function trainCascadeOn(
  a: TrainArgs,
  learner: ReplayLearnerName,
  spec: DataSpec,
  router?: SignalRouter,
): { learner: Learner; training: Record<string, unknown> } {
  if (spec.kind === 'logged')
    throw new UsageError(
      `--data: ${CASCADE_DATA}; a logged run made one call per request, so it cannot show what escalating would have given`,
    );
  if (spec.kind === 'sim' || spec.kind === 'replay')
    throw new UsageError(
      `--data: ${CASCADE_DATA}; ${spec.kind === 'sim' ? "the simulator's runner makes" : 'the router logged'} one call per request`,
    );
  if (a.lambda !== 0)
    throw new UsageError(
      `--lambda: the cascades weigh cost with --params '{"cost_quality_tradeoff": w}' (w in [0, 1)), expected 0, got ${a.lambda}`,
    );
  const p = params(a.params);
  const setup = cascadeSetup(learner, spec.models, p);
  const data = loadDataset(
    { ...spec, models: [...setup.levels, ...setup.peers], responses: setup.needsResponses },
    say,
  );
  const source = `${spec.name}:${spec.split}`;
  const { rows: kept, dropped } = cascadeRows(data.rows, setup, source);
  const rows = router ? routedRows(kept, router, (row, i) => contextFromRow(row, i).messages) : kept;
  const t0 = performance.now();
  const r = trainCascade(setup, p, rows, a.seed);
  return {
    learner: r.learner,
    training: {
      data: source,
      rows: rows.length,
      droppedRows: dropped,
      ...r.training,
      seconds: (performance.now() - t0) / 1000,
    },
  };
}

/**
 * Router Replay records: each logged decision and its outcome's reward replayed into the
 * learner (the direct method; the router records no propensities to weight them by).
 */
async function trainOnReplay(
  a: TrainArgs,
  path: string,
  router?: SignalRouter,
): Promise<{ learner: Learner; training: Record<string, unknown> }> {
  const { samples, report } = await readRouterReplay(path, a.lambda);
  if (samples.length === 0) throw new UsageError(`--data replay:${path}: no usable record: ${describeReplay(report)}`);
  const actions = [...new Set(samples.map((s) => s.model))].map((model) => ({ pool: poolNameOf(model), model }));
  const learner = create(a, actions, undefined, router);
  for (const s of samples) {
    await learner.prepare?.(s.context);
    learner.update(s.context, poolNameOf(s.model), s.reward);
  }
  return {
    learner,
    training: {
      data: `replay:${path}`,
      feedback: 'Router Replay decisions and outcomes (direct method: the router records no propensities)',
      samples: samples.length,
      lambda: a.lambda,
      report,
    },
  };
}

/** Above this share of records without a quality verdict, training on a log says so. */
const MISSING_QUALITY_WARNING = 0.2;

/**
 * Records whose reward carries no quality verdict (no evaluator applied): their logged reward
 * counted quality as 0 (feedback.reward.missing_quality: zero) or was dropped (skip), so a
 * policy learns cost and latency alone there. Says so when they are many; returns the count.
 */
export function warnOnMissingQuality(records: readonly { quality?: number }[]): number {
  const unjudged = records.filter((r) => r.quality === undefined).length;
  if (records.length > 0 && unjudged / records.length > MISSING_QUALITY_WARNING)
    console.log(
      `warning: ${unjudged} of ${records.length} records (${((100 * unjudged) / records.length).toFixed(0)}%) ` +
        'have no quality verdict: under missing_quality: zero their logged reward counts quality 0 (the policy ' +
        'learns cost and latency alone there), under skip they have no reward and are left out. Judge ' +
        'free-form answers with feedback.llm_judge ' +
        '(a simulated pool serves as judge: llm_judge: {pool: NAME}) and run again.',
    );
  return unjudged;
}

export async function train(a: TrainArgs): Promise<void> {
  // Refuse before training: minutes of work must not end in a silent overwrite.
  if (existsSync(join(a.out, 'policy.json')) && !a.force)
    throw new UsageError(
      `--out: ${a.out} already holds a policy.json; pass --force to replace it, or name another folder`,
    );
  // Before any data is read: a misspelt learner is one line, not the end of a long load.
  if (!TRAINABLE.includes(a.learner))
    throw new UsageError(`--learner: expected one of ${TRAINABLE.join(', ')}, got "${a.learner}"`);
  params(a.params); // likewise --params that is not a JSON object
  await prepareLearners({ type: a.learner });
  const spec = parseDataSpec(a.data, a);
  const router = a.signals === undefined ? undefined : new SignalRouter(loadSignalMap(a.signals));
  let learner: Learner;
  let training: Record<string, unknown>;
  let curve: TrainingCurve | undefined;
  if (isReplayLearner(a.learner)) {
    ({ learner, training } = trainCascadeOn(a, a.learner, spec, router));
  } else if (spec.kind === 'dataset') {
    const data = loadDataset(spec, say);
    const actions = data.models.map((m) => ({ pool: poolNameOf(m), model: m }));
    learner = create(a, actions, [...new Set(data.rows.map((r) => r.category))].sort(), router);
    const task = {
      actionModel: Object.fromEntries(actions.map((x) => [x.pool, x.model])),
      reward: qualityCostReward(a.lambda),
    };
    const t0 = performance.now();
    const recorder = new LearningCurve(data.rows.length);
    const progress = await trainOnRowsPrepared(learner, data.rows, task, {
      seed: a.seed,
      onStep: (s) => recorder.step(s.row.category, s.action, s.reward, s.bestReward),
    });
    curve = recorder.result();
    training = {
      data: `${spec.name}:${spec.split}`,
      feedback: 'bandit (chosen model only)',
      rows: data.rows.length,
      lambda: a.lambda,
      meanReward: progress.meanReward,
      seconds: (performance.now() - t0) / 1000,
    };
  } else if (spec.kind === 'logged') {
    const run = readLoggedRun(spec.path);
    say(`data: ${describeLoggedRun(run.report)}`);
    const pools = new Map<string, string>();
    for (const s of run.samples) pools.set(s.action, s.context.decision.model);
    const actions = [...pools].map(([pool, model]) => ({ pool, model }));
    learner = create(a, actions, undefined, router);
    const routed = learner instanceof SignalRoutedLearner ? learner : undefined;
    const contexts = run.samples.map((s) => contextFromRecord(s.context));
    const inner = unwrapRouted(learner);
    let feedback: string;
    if (inner instanceof NeuralPolicy) {
      // Off-policy gradient with clipped importance weights from the logged propensities.
      inner.trainBatch(
        routed ? contexts.map((c) => routed.view(c)) : contexts,
        run.samples.map((s) => s.action),
        run.samples.map((s) => s.reward),
        run.samples.map((s) => s.propensity),
        { epochs: 3 },
      );
      feedback = 'logged decisions, importance-weighted by their propensities';
    } else {
      // Bandit learners: replay each logged decision and its reward (the direct method).
      run.samples.forEach((s, i) => learner.update(contexts[i]!, s.action, s.reward));
      feedback = 'logged decisions (direct method)';
    }
    const unjudged = warnOnMissingQuality(run.records);
    training = { data: spec.path, feedback, samples: run.samples.length, unjudged, report: run.report };
  } else if (spec.kind === 'replay') {
    ({ learner, training } = await trainOnReplay(a, spec.path, router));
  } else {
    const config = loadExperiment(spec.experiment);
    const actions = config.pools.map((p) => ({ pool: p.name, model: p.model }));
    learner = create(a, actions, undefined, router);
    const t0 = performance.now();
    const recorder = new LearningCurve(a.requests);
    const r = trainInSimulator(learner, config, a.requests, (o) =>
      recorder.step(o.ctx.labels.category, o.action, o.reward),
    );
    curve = recorder.result();
    training = {
      data: `sim:${spec.experiment}`,
      feedback: 'virtual-time simulator',
      ...r,
      seconds: (performance.now() - t0) / 1000,
    };
  }
  const file = learner.save();
  file.training = { ...file.training, ...training, ...(curve ? { curve } : {}) };
  if (router) file.signals = structuredClone(router.map);
  mkdirSync(a.out, { recursive: true });
  writeFileSync(join(a.out, 'policy.json'), JSON.stringify(file, null, 2) + '\n');
  // An evaluation left in the folder judged the policy this one replaces.
  const stale = join(a.out, 'eval.json');
  const removedStale = existsSync(stale);
  if (removedStale) rmSync(stale);
  const report = await writeReport(a.out);
  if (a.json) return printJson({ policy: join(a.out, 'policy.json'), report, training });
  if (typeof training.optimistic === 'string') console.log(training.optimistic);
  for (const line of wrap(`trained ${a.learner} on ${String(training.data)}: ${describeTraining(training)}`))
    console.log(line);
  console.log(`policy: ${join(a.out, 'policy.json')} (every training figure: its "training" block)`);
  if (removedStale) console.log(`removed ${stale}: it evaluated the previous policy`);
  console.log(`report: ${report}`);
  printNext(...nextAfterTraining(a, spec));
}

/** The figures a person checks after training, in one sentence. */
function describeTraining(t: Record<string, unknown>): string {
  const parts: string[] = [];
  const n = t.samples ?? t.rows ?? t.requests ?? t.updates;
  if (typeof n === 'number') parts.push(`${n.toLocaleString('en-US')} samples`);
  if (typeof t.feedback === 'string') parts.push(t.feedback);
  for (const key of ['meanReward', 'reward', 'quality'])
    if (typeof t[key] === 'number') parts.push(`${key} ${(t[key] as number).toFixed(4)}`);
  if (typeof t.seconds === 'number') parts.push(`${t.seconds.toFixed(1)} s`);
  return parts.join(', ');
}

/** Evaluate on what the policy did not see, then export it. */
function nextAfterTraining(a: TrainArgs, spec: DataSpec): string[] {
  const out = shown(a.out);
  const evaluate =
    spec.kind === 'dataset'
      ? `npx wrp eval --policy ${out} --data ${spec.name}:test${a.files ? ` --files ${a.files}` : ''}`
      : spec.kind === 'logged'
        ? `npx wrp eval --policy ${out} --data <another run> (the same run would be in-sample)`
        : `npx wrp eval --policy ${out} --data <a run or a dataset>`;
  return [evaluate, `npx wrp export --policy ${out} --experiment <the experiment its pools come from> --out router/`];
}

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: 'train',
  describe: 'Train a routing policy from a dataset (bandit feedback), a logged run, or the virtual-time simulator',
  builder: (y: Argv) => y.options(trainOptions),
  handler: (a) => train(a),
};
