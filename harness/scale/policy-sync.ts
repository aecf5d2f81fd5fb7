/**
 * One routing policy for a run spread over worker processes (`wrp run --workers N`): a central
 * policy with batched updates. The hub (the parent process) holds the one policy that learns;
 * each worker decides with a replica of it. A replica never learns by itself: it buffers its
 * updates (context, action, reward) and sends them in a batch every `syncMs`; the hub applies
 * every batch in arrival order, then sends its checkpoint() to every worker, which restores it.
 * So every worker decides on the same policy, the hub's as of the last sync, and the policy
 * that is saved is the one that saw every update, once.
 *
 * Why a hub and not per-worker learners merged at the end: merging needs each learner's
 * algebra (sums of counts or of Gram matrices; none for a neural net), while checkpoint /
 * restore is what every wrp learner already has. The price is staleness: between two syncs a
 * worker does not see the outcomes of the last `syncMs` of traffic, its own included; the
 * learning scenarios measure it as `feedback.batch_requests` (bench --only scale).
 *
 * Random draws: a restored replica would repeat the hub's RNG stream in every worker, so each
 * worker re-derives every RNG state of the snapshot from its index and the sync number
 * (`forkRngStates`): workers draw independently, and still deterministically.
 */
import { deriveSeed } from '../../core/rng.ts';
import type { Decision, Policy, RoutingContext } from '../types.ts';

export interface PolicyUpdate {
  ctx: RoutingContext;
  action: string;
  reward: number;
}

/** Hub -> worker: the policy as of `sync`. */
export interface PolicySnapshot {
  sync: number;
  state: unknown;
}

/** Whether a policy can take part: a learner with checkpoint hooks (others decide alone and never need a sync). */
export const syncable = (p: Policy): boolean => typeof p.checkpoint === 'function' && typeof p.restore === 'function';

const isRngState = (v: Record<string, unknown>): boolean =>
  Object.keys(v).length === 2 && typeof v.s === 'number' && (v.spare === null || typeof v.spare === 'number');

/** A copy of `state` with every core Rng state in it ({s, spare}) moved to the stream `parts` of its seed. */
export function forkRngStates(state: unknown, ...parts: (string | number)[]): unknown {
  if (Array.isArray(state)) return state.map((v) => forkRngStates(v, ...parts));
  if (state === null || typeof state !== 'object') return state;
  const o = state as Record<string, unknown>;
  if (isRngState(o)) return { s: deriveSeed(o.s as number, ...parts), spare: null };
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, forkRngStates(v, ...parts)]));
}

/** A worker's copy: decides with the last snapshot, sends its updates to the hub. */
export class PolicyReplica implements Policy {
  private pending: PolicyUpdate[] = [];
  /** Snapshots restored (the hub's sync number of the last one). */
  lastSync = 0;

  constructor(
    private readonly inner: Policy,
    private readonly worker: number,
    private readonly send: (batch: PolicyUpdate[]) => void,
  ) {
    if (!syncable(inner)) throw new TypeError(`${inner.name} has no checkpoint/restore: it cannot be shared`);
  }

  get name(): string {
    return this.inner.name;
  }
  prepare(ctx: RoutingContext): Promise<void> {
    return this.inner.prepare?.(ctx) ?? Promise.resolve();
  }
  choose(ctx: RoutingContext): Decision {
    return this.inner.choose(ctx);
  }
  /** Buffered for the hub: the replica learns only through snapshots. */
  update(ctx: RoutingContext, action: string, reward: number): void {
    this.pending.push({ ctx, action, reward });
  }

  /** Sends the buffered updates (the worker calls it every syncMs and at the end); how many went. */
  flush(): number {
    const n = this.pending.length;
    if (n > 0) this.send(this.pending);
    this.pending = [];
    return n;
  }

  /** The hub's policy as of a sync, with this worker's own random streams. */
  apply(s: PolicySnapshot): void {
    this.inner.restore!(forkRngStates(s.state, 'worker', this.worker, s.sync));
    this.lastSync = s.sync;
  }
}

export interface HubStats {
  updates: number;
  syncs: number;
}

/** The parent's policy: applies the workers' updates, hands out snapshots. */
export class PolicyHub {
  private dirty = false;
  readonly stats: HubStats = { updates: 0, syncs: 0 };

  constructor(
    readonly policy: Policy,
    private readonly broadcast: (s: PolicySnapshot) => void,
  ) {
    if (!syncable(policy)) throw new TypeError(`${policy.name} has no checkpoint/restore: it cannot be shared`);
  }

  /** A worker's batch, applied in the order it came. */
  receive(batch: readonly PolicyUpdate[]): void {
    for (const u of batch) this.policy.update(u.ctx, u.action, u.reward);
    this.stats.updates += batch.length;
    if (batch.length > 0) this.dirty = true;
  }

  /** Sends a snapshot if anything was learned since the last one (the parent calls it every syncMs). */
  sync(): boolean {
    if (!this.dirty) return false;
    this.dirty = false;
    this.broadcast({ sync: ++this.stats.syncs, state: this.policy.checkpoint!() });
    return true;
  }
}
