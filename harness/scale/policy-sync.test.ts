import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import type { Decision, Policy, RoutingContext } from '../types.ts';
import { forkRngStates, PolicyHub, PolicyReplica, type PolicySnapshot, type PolicyUpdate } from './policy-sync.ts';

/** A counting learner with an RNG: picks by sampling, learns mean rewards; its state is plain JSON. */
class Counter implements Policy {
  readonly name = 'counter';
  sums: Record<string, number> = { a: 0, b: 0 };
  counts: Record<string, number> = { a: 0, b: 0 };
  rng = new Rng(7);
  choose(_ctx: RoutingContext): Decision {
    return { action: this.rng.next() < 0.5 ? 'a' : 'b', propensity: 0.5 };
  }
  update(_ctx: RoutingContext, action: string, reward: number): void {
    this.sums[action]! += reward;
    this.counts[action]!++;
  }
  checkpoint(): unknown {
    return { sums: this.sums, counts: this.counts, nested: { rng: this.rng.state() } };
  }
  restore(state: unknown): void {
    const s = structuredClone(state) as {
      sums: Record<string, number>;
      counts: Record<string, number>;
      nested: { rng: { s: number; spare: null } };
    };
    this.sums = s.sums;
    this.counts = s.counts;
    this.rng = Rng.fromState(s.nested.rng);
  }
}

const ctx = {} as RoutingContext;

describe('a central policy with batched updates', () => {
  it('replicas learn only through snapshots; the hub sees every update once', () => {
    const sent: PolicySnapshot[] = [];
    const hub = new PolicyHub(new Counter(), (s) => sent.push(s));
    const batches: PolicyUpdate[][] = [];
    const states = [new Counter(), new Counter()];
    const replicas = states.map((c, w) => new PolicyReplica(c, w, (b) => batches.push(b)));
    replicas[0]!.update(ctx, 'a', 1);
    replicas[1]!.update(ctx, 'b', 0.5);
    replicas[1]!.update(ctx, 'a', 0);
    expect(hub.sync()).toBe(false); // nothing learned yet
    expect(replicas.map((r) => r.flush())).toEqual([1, 2]);
    for (const b of batches) hub.receive(b);
    expect(hub.sync()).toBe(true);
    expect(sent).toHaveLength(1);
    for (const r of replicas) r.apply(sent[0]!);
    for (const s of states)
      expect([s.sums, s.counts]).toEqual([
        { a: 1, b: 0.5 },
        { a: 2, b: 1 },
      ]);
    expect((hub.policy as Counter).counts).toEqual({ a: 2, b: 1 });
    expect(hub.stats).toEqual({ updates: 3, syncs: 1 });
    // Each worker draws its own stream after a snapshot, and the same one given the same sync.
    expect(states[0]!.rng.state().s).not.toBe(states[1]!.rng.state().s);
    const twin = new Counter();
    new PolicyReplica(twin, 1, () => {}).apply(sent[0]!);
    expect(twin.rng.state()).toEqual(states[1]!.rng.state());
  });

  it('moves every RNG state of a snapshot, and nothing else', () => {
    const state = { a: { s: 5, spare: 0.3 }, list: [{ s: 9, spare: null }], n: 4, other: { s: 1, spare: 2, x: 3 } };
    const forked = forkRngStates(state, 'worker', 1, 2) as typeof state;
    expect(forked.a.s).not.toBe(5);
    expect(forked.a.spare).toBeNull();
    expect(forked.list[0]!.s).not.toBe(9);
    expect(forked.n).toBe(4);
    expect(forked.other).toEqual({ s: 1, spare: 2, x: 3 });
    expect(forkRngStates(state, 'worker', 1, 2)).toEqual(forked);
    expect((forkRngStates(state, 'worker', 2, 2) as typeof state).a.s).not.toBe(forked.a.s);
  });

  it('refuses a policy without checkpoint hooks', () => {
    const plain: Policy = { name: 'static', choose: () => ({ action: 'a', propensity: 1 }), update: () => {} };
    expect(() => new PolicyHub(plain, () => {})).toThrow(/static has no checkpoint\/restore/);
  });
});
