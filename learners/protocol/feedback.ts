/**
 * What the learner is told about a request (PROTOCOL.md "Feedback"), apart from what
 * happened: the metrics always read the true outcome.
 * - drop: a share of verdicts never arrive;
 * - flip, random: a share of quality verdicts is inverted (good <-> bad);
 * - flip, adversarial: for a share of verdicts an attacker reports the promoted pool's answers
 *   as good and every other pool's as bad (pushing traffic to the promoted pool);
 * - delay: a verdict arrives `delay_requests` decisions after its request completed;
 * - batch: verdicts arrive together at every `batch_requests`-th decision (after any delay), as
 *   updates reach a central policy that worker processes decide from between syncs.
 * Whether verdict t is flipped or dropped is decided by the World's draws for decision t, so
 * every learner of a seed sees the same corruption. A failed request (outage) is reported as
 * it is: a failure is seen, not judged.
 */
import type { RoutingContext } from '../../harness/types.ts';
import type { Scenario } from './scenario.ts';
import type { World } from './world.ts';

export interface Verdict {
  /** Decision index of the request. */
  t: number;
  ctx: RoutingContext;
  pool: string;
  quality: number;
  failed: boolean;
  /** The reward for a given quality (cost and SLO as they were). */
  rewardFor(quality: number): number;
}

export class FeedbackChannel {
  private readonly pending: { release: number; ctx: RoutingContext; pool: string; reward: number }[] = [];
  readonly counts = { delivered: 0, flipped: 0, dropped: 0 };

  constructor(
    private readonly spec: Scenario['feedback'],
    private readonly world: World,
    private readonly deliver: (ctx: RoutingContext, pool: string, reward: number) => void,
  ) {}

  /** A request completed when `decisions` decisions had been made. */
  report(v: Verdict, decisions: number): void {
    if (this.spec.drop > 0 && this.world.dropDraw[v.t]! < this.spec.drop) {
      this.counts.dropped++;
      return;
    }
    let quality = v.quality;
    const flip = this.spec.flip;
    if (flip && !v.failed && this.world.flipDraw[v.t]! < flip.share) {
      const told = flip.mode === 'random' ? 1 - quality : v.pool === flip.promote ? 1 : 0;
      if (told !== quality) this.counts.flipped++;
      quality = told;
    }
    const reward = v.failed ? 0 : v.rewardFor(quality);
    const { delay_requests: delay, batch_requests: batch } = this.spec;
    if (delay === 0 && batch === 1) this.send(v.ctx, v.pool, reward);
    else {
      // Released with the batch that follows the delay (release times never decrease: `due` reads the queue in order).
      const release = Math.ceil((decisions + delay) / batch) * batch;
      this.pending.push({ release, ctx: v.ctx, pool: v.pool, reward });
    }
  }

  /** Delivers every delayed verdict due by decision index `t` (call before deciding t). */
  due(t: number): void {
    let i = 0;
    while (i < this.pending.length && this.pending[i]!.release <= t) {
      const p = this.pending[i++]!;
      this.send(p.ctx, p.pool, p.reward);
    }
    if (i > 0) this.pending.splice(0, i);
  }

  private send(ctx: RoutingContext, pool: string, reward: number): void {
    this.counts.delivered++;
    this.deliver(ctx, pool, reward);
  }
}
