/**
 * Offline training and evaluation on full-information datasets (RouterBench, RouterDC)
 * with bandit feedback: the learner sees only the reward of the model it chose, as it
 * would online. Evaluation replays the greedy policy (argmax of its scores) on held-out
 * rows, where every model's score is known.
 */
import type { DatasetRow } from '../../datasets/types.ts';
import type { RoutingContext } from '../../harness/types.ts';
import { hashString53 } from '../../core/text/tokenizer.ts';
import type { Learner } from '../types.ts';
import { contextFromRow } from './dataset-context.ts';
import { mulberry32 } from '../../core/rng.ts';

export interface DatasetTask {
  /** action (pool name) -> dataset model whose score and cost it gets. */
  actionModel: Record<string, string>;
  /** Reward of serving a row with a dataset model, in [0, 1]. */
  reward(row: DatasetRow, model: string): number;
}

/** quality - lambda * cost, clipped to [0, 1]; cost from the row (RouterBench) or 0. */
export function qualityCostReward(lambda = 0): DatasetTask['reward'] {
  return (row, model) => {
    const q = row.scores?.[model];
    if (q === undefined) throw new Error(`row ${row.promptId} has no score for ${model}`);
    const c = row.costs?.[model] ?? 0;
    return Math.min(1, Math.max(0, q - lambda * c));
  };
}

export interface TrainProgress {
  seen: number;
  meanReward: number;
}

/** What a training pass tells an observer after each step (learning curves). */
export interface TrainStep {
  row: DatasetRow;
  action: string;
  reward: number;
  /** The best reward any action had on this row (full information). */
  bestReward: number;
}

export interface TrainOptions {
  seed?: number;
  every?: number;
  onCheckpoint?(p: TrainProgress): void;
  onStep?(s: TrainStep): void;
}

/** One pass over the rows in a seeded order; `every` calls `onCheckpoint` for learning curves. */
export function trainOnRows(
  learner: Learner,
  rows: DatasetRow[],
  task: DatasetTask,
  opts: TrainOptions = {},
): TrainProgress {
  const pass = new TrainingPass(learner, rows, task, opts);
  for (const i of shuffled(rows.length, opts.seed ?? 1)) pass.step(i, contextFromRow(rows[i]!, i));
  return pass.progress();
}

/**
 * trainOnRows for learners whose features come from an embeddings endpoint: the same pass,
 * awaiting `prepare` (the fetch) for a slice of rows before learning from them, so the
 * client batches each slice and its cache holds it meanwhile.
 */
export async function trainOnRowsPrepared(
  learner: Learner,
  rows: DatasetRow[],
  task: DatasetTask,
  opts: TrainOptions = {},
): Promise<TrainProgress> {
  const pass = new TrainingPass(learner, rows, task, opts);
  await forEachPrepared(
    learner,
    shuffled(rows.length, opts.seed ?? 1),
    (i) => contextFromRow(rows[i]!, i),
    (i, ctx) => pass.step(i, ctx),
  );
  return pass.progress();
}

/** One bandit-feedback step per row: choose, reveal only the chosen model's reward, update. */
export class TrainingPass {
  private sum = 0;
  private seen = 0;

  constructor(
    private readonly learner: Learner,
    private readonly rows: DatasetRow[],
    private readonly task: DatasetTask,
    private readonly opts: TrainOptions,
  ) {}

  step(i: number, ctx: RoutingContext): void {
    const { action } = this.learner.choose(ctx);
    const model = this.task.actionModel[action];
    if (model === undefined) throw new Error(`learner chose "${action}", which maps to no dataset model`);
    const r = this.task.reward(this.rows[i]!, model);
    this.learner.update(ctx, action, r);
    if (this.opts.onStep) {
      const row = this.rows[i]!;
      const bestReward = Math.max(...Object.values(this.task.actionModel).map((m) => this.task.reward(row, m)));
      this.opts.onStep({ row, action, reward: r, bestReward });
    }
    this.sum += r;
    this.seen++;
    if (this.opts.every && this.seen % this.opts.every === 0) this.opts.onCheckpoint?.(this.progress());
  }

  progress(): TrainProgress {
    return { seen: this.seen, meanReward: this.sum / Math.max(1, this.seen) };
  }
}

/**
 * Runs `each` over `items` in order, a slice at a time, after awaiting the learner's
 * `prepare` (endpoint embeddings) for the whole slice: one batched fetch per slice.
 */
export async function forEachPrepared<T>(
  learner: Learner,
  items: readonly T[],
  contextOf: (item: T) => RoutingContext,
  each: (item: T, ctx: RoutingContext) => void,
  slice = 1024,
): Promise<void> {
  for (let start = 0; start < items.length; start += slice) {
    const part = items.slice(start, start + slice);
    const contexts = part.map(contextOf);
    if (learner.prepare) await Promise.all(contexts.map((c) => learner.prepare!(c)));
    part.forEach((item, j) => each(item, contexts[j]!));
  }
}

/** The learner's greedy action: argmax of its per-action scores (ties: first), else its choice. */
export function greedyAction(learner: Learner, ctx: RoutingContext, actions: string[]): string {
  const s = learner.scores?.(ctx);
  if (!s) return learner.choose(ctx).action;
  let best = 0;
  for (let i = 1; i < s.length; i++) if (s[i]! > s[best]!) best = i;
  return actions[best]!;
}

export interface EvalResult {
  n: number;
  quality: number;
  reward: number;
  actionCounts: Record<string, number>;
}

export function evalOnRows(learner: Learner, rows: DatasetRow[], task: DatasetTask, actions: string[]): EvalResult {
  let q = 0;
  let r = 0;
  const counts: Record<string, number> = {};
  rows.forEach((row, i) => {
    const action = greedyAction(learner, contextFromRow(row, i), actions);
    const model = task.actionModel[action]!;
    q += row.scores![model]!;
    r += task.reward(row, model);
    counts[action] = (counts[action] ?? 0) + 1;
  });
  return {
    n: rows.length,
    quality: q / Math.max(1, rows.length),
    reward: r / Math.max(1, rows.length),
    actionCounts: counts,
  };
}

/**
 * Indices 0..n-1 in a seeded order (Fisher-Yates, mulberry32): the order training passes use.
 * The stream is derived from the seed, not the seed itself: a learner built with the same seed
 * draws mulberry32(seed), and sharing that stream tied which row came next to the learner's own
 * draws (on RouterDC a Thompson arm was fed rows 9 points easier than the others').
 */
export function shuffled(n: number, seed: number): number[] {
  const rand = mulberry32(hashString53('training-order', seed) >>> 0);
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
