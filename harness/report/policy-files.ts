/**
 * The machine-readable files `wrp train` and `wrp eval` leave in a policy folder, as the
 * report reads them: policy.json's `training` block (its `curve` written by
 * learners/train/learning-curve.ts) and eval.json (what `wrp eval` printed, as JSON).
 * Defined here, below learners/, so the report never imports learner code; the readers
 * check the fields they draw and ignore the rest.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputFileError } from '../../core/errors.ts';

export interface TrainingCurve {
  /** Steps per window. */
  window: number;
  /** Mean reward over each window; cumulative regret at its end (full-information data only). */
  points: { steps: number; reward: number; regret?: number }[];
  /** Rows of each category routed to each action, per window (keyed by the window's end). */
  share: { steps: number; category: string; action: string; count: number }[];
}

export interface IntervalJson {
  estimate: number;
  lower: number;
  upper: number;
}

/** Per category and action: how the policy did on the rows it sent there. */
export interface CategoryActionJson {
  category: string;
  action: string;
  n: number;
  quality: IntervalJson;
  cost?: IntervalJson;
  reward: IntervalJson;
}

export interface EvalFile {
  /** `dataset` (full information), `logged` (off-policy estimates) or `cascade`. */
  kind: 'dataset' | 'logged' | 'cascade';
  learner: string;
  data: string;
  n: number;
  quality?: IntervalJson;
  meanCost?: number;
  reward?: number;
  regret?: number;
  actionCounts?: Record<string, number>;
  byCategory?: CategoryActionJson[];
  references?: {
    oracle: { quality: number; cost?: number };
    singleModels: { model: string; n: number; quality: number; cost?: number }[];
    bestSingle: { model: string; quality: number; cost?: number };
    bestPerCategory: { quality: number; cost?: number };
  };
  twoModel?: {
    strong: string;
    weak: string;
    apgr: number;
    cpt50?: number;
    cpt80?: number;
    curve?: { share: number; pgr: number }[];
  };
  manyModels?: { aiq: number; zeroRouterAiq: number; points: { cost: number; quality: number; label?: string }[] };
  /** Logged runs: off-policy estimates of the policy's reward. */
  ips?: IntervalJson;
  dr?: IntervalJson;
  snips?: number;
  ess?: number;
  loggedReward?: number;
  matched?: number;
  /** Anything else the command printed (cascade figures, ...). */
  [key: string]: unknown;
}

export interface PolicyJson {
  learner: string;
  actions: { pool: string; model: string }[];
  training: Record<string, unknown> & { curve?: TrainingCurve };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputFileError(file, `expected JSON (${(e as Error).message})`);
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readPolicyJson(dir: string): PolicyJson | undefined {
  const file = join(dir, 'policy.json');
  if (!existsSync(file)) return undefined;
  const v = readJson(file);
  if (!isObj(v) || typeof v.learner !== 'string' || !Array.isArray(v.actions))
    throw new InputFileError(file, 'expected a policy file with `learner` and `actions` (written by wrp train)');
  return {
    learner: v.learner,
    actions: v.actions as PolicyJson['actions'],
    training: isObj(v.training) ? v.training : {},
  };
}

export function readEvalJson(dir: string): EvalFile | undefined {
  const file = join(dir, 'eval.json');
  if (!existsSync(file)) return undefined;
  const v = readJson(file);
  if (!isObj(v) || typeof v.kind !== 'string' || typeof v.learner !== 'string' || typeof v.n !== 'number')
    throw new InputFileError(file, 'expected an evaluation with `kind`, `learner` and `n` (written by wrp eval)');
  return v as EvalFile;
}
