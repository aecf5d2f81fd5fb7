/** Options and exported shapes of the cascade policy (cascade-policy.ts). */

export interface CascadeLevel {
  pool: string;
  model: string;
  /** Cost of one call, any unit shared by all levels; else estimated from pool pricing. */
  costPerCall?: number;
}

export interface CascadeOptions {
  /** Ordered small -> large. */
  levels: CascadeLevel[];
  /** w in [0, 1): weight of cost against quality (exported as cost_quality_tradeoff). */
  costQualityTradeoff: number;
  /** Confidence bins over [0, 1]. */
  bins?: number;
  /** Pseudo-counts pulling a bin's posterior toward its level's. */
  shrinkage?: number;
  /** Thompson-sample the quality posterior in afterAnswer and probe level 0 in plan; false: posterior means only. */
  explore?: boolean;
  /** Exploring: share of requests started at level 0 although a larger start looks better. */
  probeRate?: number;
  seed?: number;
  /** Semantic Router confidence method the answer features come from (normalised 0..1 scores). */
  confidenceMethod?: 'hybrid' | 'margin' | 'avg_logprob' | 'self_verify';
  /** Output tokens assumed when a cost is estimated from pricing. */
  expectedOutputTokens?: number;
  /**
   * Operating point (set from a budget, learners/train/cascade-budget.ts): acting on posterior
   * means, every request starts at level 0 and escalates iff its escalation value exceeds this.
   */
  escalationThreshold?: number;
  name?: string;
}

export interface AnswerFeatures {
  /** Self-confidence / quality estimate of the answer in [0, 1]; absent: the level's prior only. */
  confidence?: number;
}

export type CascadeAction = 'accept' | 'escalate';

/** Sufficient statistics of one (category, level). */
export interface LevelStats {
  binN: number[];
  binGood: number[];
  binBad: number[];
  good: number;
  bad: number;
}

export interface ConfidenceAlgorithm {
  type: 'confidence';
  confidence: {
    confidence_method: string;
    threshold: number;
    escalation_order: 'small_to_large';
    cost_quality_tradeoff: number;
  };
}
