/**
 * A training pass's learning curve, kept in policy.json (`training.curve`) for reports:
 * mean reward per window of steps, cumulative regret against the per-row best action when
 * the data show every action's reward (datasets), and how many rows of each category went
 * to each action per window. At most ~100 windows, so the file stays small for any
 * number of steps. The shape is `TrainingCurve` (harness/report/policy-files.ts).
 */
import type { TrainingCurve } from '../../harness/report/policy-files.ts';

const WINDOWS = 100;

export class LearningCurve {
  private readonly window: number;
  private readonly curve: TrainingCurve;
  private seen = 0;
  private sum = 0;
  private count = 0;
  private regret = 0;
  private hasRegret = false;
  private share = new Map<string, number>();

  constructor(steps: number) {
    // At most ~100 windows; at least 20 steps each (or a tenth of a short pass), so a point is not one row's noise.
    this.window = Math.max(1, Math.ceil(steps / WINDOWS), Math.min(20, Math.ceil(steps / 10)));
    this.curve = { window: this.window, points: [], share: [] };
  }

  /** One step: the category, the action taken, its reward, and (full information) the best reward any action had. */
  step(category: string, action: string, reward: number, bestReward?: number): void {
    this.seen++;
    this.sum += reward;
    this.count++;
    if (bestReward !== undefined) {
      this.regret += bestReward - reward;
      this.hasRegret = true;
    }
    const k = `${category}\u0000${action}`;
    this.share.set(k, (this.share.get(k) ?? 0) + 1);
    if (this.seen % this.window === 0) this.close();
  }

  private close(): void {
    if (this.count === 0) return;
    this.curve.points.push({
      steps: this.seen,
      reward: this.sum / this.count,
      ...(this.hasRegret ? { regret: this.regret } : {}),
    });
    for (const [k, n] of this.share) {
      const [category, action] = k.split('\u0000') as [string, string];
      this.curve.share.push({ steps: this.seen, category, action, count: n });
    }
    this.sum = 0;
    this.count = 0;
    this.share = new Map();
  }

  result(): TrainingCurve {
    this.close();
    return this.curve;
  }
}
