/**
 * score_table: full-information datasets (RouterBench-style) carry every model's score on
 * each prompt in labels.scores. The quality of a request is the score of the dataset model
 * that the serving pool stands for; the answer text is not read.
 */
import type { RequestLabels } from '../types.ts';
import { failedEvaluation, type Evaluator } from './types.ts';

export interface ScoreTableOptions {
  /**
   * Pool model (or pool name) -> dataset model. A pool whose model is in neither the map
   * nor the scores gets no quality.
   */
  modelMap?: Record<string, string>;
  /** The score that means perfect, default 1 (10 for MT-bench-style 1..10 tables). quality = clamp01(score / max). */
  scoreMax?: number;
}

/** The dataset model a pool stands for: the map by model, then by pool name, then the model itself. */
export function datasetModel(pool: { name: string; model: string }, modelMap: Record<string, string> = {}): string {
  return modelMap[pool.model] ?? modelMap[pool.name] ?? pool.model;
}

/** The normalised score (0..1) of `pool` on this prompt, or undefined when the table has none. */
export function tableQuality(
  labels: RequestLabels,
  pool: { name: string; model: string },
  opts: ScoreTableOptions = {},
): number | undefined {
  const score = labels.scores?.[datasetModel(pool, opts.modelMap)];
  if (score === undefined || !Number.isFinite(score)) return undefined;
  return Math.min(1, Math.max(0, score / (opts.scoreMax ?? 1)));
}

export function scoreTableEvaluator(opts: ScoreTableOptions = {}): Evaluator {
  const name = 'score_table';
  return {
    name,
    async evaluate({ labels, record, pool }) {
      if (!record.ok) return failedEvaluation(name, record);
      if (labels.scores === undefined) return { evaluator: name, detail: 'no scores in labels' };
      const model = datasetModel(pool, opts.modelMap);
      const quality = tableQuality(labels, pool, opts);
      if (quality === undefined)
        return { evaluator: name, detail: `no score for dataset model ${JSON.stringify(model)}` };
      return { quality, evaluator: name, detail: `score of ${model}` };
    },
  };
}
