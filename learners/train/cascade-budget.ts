/**
 * A cascade's operating point from a budget (two levels): after training, the frozen policy's
 * escalation value ranks the training rows (higher = more worth the strong model); escalating
 * the k highest costs mean(cost if accepted) + the strong calls of those k. The threshold is
 * the one that escalates the k with the best training quality whose mean cost is within the
 * budget (fewest escalations on ties); a request is escalated iff its value exceeds it. Ties in
 * value are escalated together, so only group boundaries are candidates. If even k = 0 costs
 * more than the budget (the weak call, and peers, already do), nothing is escalated and the
 * result says so.
 */
import type { DatasetRow } from '../../datasets/types.ts';
import { CascadePolicy, simulateCascade } from '../rl/cascade-policy.ts';
import type { ResponseCascadePolicy } from '../rl/response-cascade.ts';
export interface BudgetRows {
  value: readonly number[];
  /** Quality and cost of each row when its weak answer is kept / when it is escalated. */
  qualityIfAccepted: readonly number[];
  qualityIfEscalated: readonly number[];
  costIfAccepted: readonly number[];
  costIfEscalated: readonly number[];
}

export interface OperatingPoint {
  budgetUsd: number;
  /** Escalate iff value > threshold. */
  threshold: number;
  /** Share of training rows escalated, and their mean quality and cost there. */
  escalatedShare: number;
  quality: number;
  meanCost: number;
  /** The budget is below what every request costs before any escalation. */
  belowFloor: boolean;
}

export function budgetOperatingPoint(rows: BudgetRows, budgetUsd: number): OperatingPoint {
  const n = rows.value.length;
  if (n === 0) throw new RangeError('budgetOperatingPoint: expected at least one row');
  if (!(budgetUsd > 0)) throw new RangeError(`budget_usd: expected a positive USD amount, got ${budgetUsd}`);
  const order = [...rows.value.keys()].sort((a, b) => rows.value[b]! - rows.value[a]! || a - b);
  let cost = rows.costIfAccepted.reduce((a, b) => a + b, 0);
  let quality = rows.qualityIfAccepted.reduce((a, b) => a + b, 0);
  let best = { k: 0, quality, cost };
  for (let k = 1; k <= n; k++) {
    const i = order[k - 1]!;
    cost += rows.costIfEscalated[i]! - rows.costIfAccepted[i]!;
    quality += rows.qualityIfEscalated[i]! - rows.qualityIfAccepted[i]!;
    const boundary = k === n || rows.value[order[k]!] !== rows.value[i];
    if (boundary && cost / n <= budgetUsd && quality > best.quality) best = { k, quality, cost };
  }
  const v = (j: number) => rows.value[order[j]!]!;
  const threshold = best.k === 0 ? v(0) : best.k === n ? v(n - 1) - 1 : (v(best.k - 1) + v(best.k)) / 2;
  return {
    budgetUsd,
    threshold,
    escalatedShare: best.k / n,
    quality: best.quality / n,
    meanCost: best.cost / n,
    belowFloor: best.k === 0 && best.cost / n > budgetUsd,
  };
}

/** The rows the budget ranks, from a trained two-level cascade acting on posterior means. */
export function cascadeBudgetRows(
  policy: CascadePolicy,
  rows: readonly DatasetRow[],
  sim: { confidence: 'none' | 'proxy'; confidenceNoise?: number; seed: number },
): BudgetRows {
  // Never escalating, every row is answered at level 0: its confidence is what the value reads.
  const f = policy.save();
  const frozen = CascadePolicy.load({
    ...f,
    hyperparameters: { ...f.hyperparameters, explore: false, escalationThreshold: Number.MAX_VALUE },
  });
  const planCosts = frozen.levels.map((l) => l.costPerCall ?? 0);
  const [weak, strong] = frozen.levels.map((l) => l.model) as [string, string];
  const cascadeRows = rows.map((r) => ({
    id: r.promptId,
    category: r.category,
    scores: r.scores ?? {},
    costs: r.costs ?? {},
  }));
  const trace = simulateCascade(cascadeRows, frozen, { ...sim, trace: true, planCosts }).trace!;
  return {
    value: rows.map((r, i) => frozen.escalationValue(r.category, 0, trace[i]!.confidence[0], planCosts)),
    qualityIfAccepted: rows.map((r) => r.scores![weak]!),
    qualityIfEscalated: rows.map((r) => r.scores![strong]!),
    costIfAccepted: rows.map((r) => r.costs![weak]!),
    costIfEscalated: rows.map((r) => r.costs![weak]! + r.costs![strong]!),
  };
}

/** The same for the response-aware cascade (it reads level 0's answer and the peers'). */
export function responseCascadeBudgetRows(policy: ResponseCascadePolicy, rows: readonly DatasetRow[]): BudgetRows {
  const frozen = policy.frozen();
  const [weak, strong] = frozen.levels.map((l) => l.model) as [string, string];
  const peers = frozen.peers.map((p) => p.model);
  const accepted = rows.map((r) => r.costs![weak]! + peers.reduce((a, m) => a + r.costs![m]!, 0));
  return {
    value: rows.map((r) =>
      frozen.escalationValue(
        { id: r.promptId, category: r.category, prompt: r.prompt },
        0,
        r.responses![weak]!,
        peers.map((m) => r.responses![m]),
      ),
    ),
    qualityIfAccepted: rows.map((r) => r.scores![weak]!),
    qualityIfEscalated: rows.map((r) => r.scores![strong]!),
    costIfAccepted: accepted,
    costIfEscalated: rows.map((r, i) => accepted[i]! + r.costs![strong]!),
  };
}
