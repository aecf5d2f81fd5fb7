/**
 * Per-scope reward statistics for the non-contextual bandits: for each scope key (the request
 * category, or '*' when global) and action, the pull count n and the reward sum s.
 */
import { z } from 'zod';
import type { RoutingContext } from '../../harness/types.ts';

export type Scope = 'category' | 'global';
export const scopeSchema = z.enum(['category', 'global']);

export interface ArmStats {
  n: Float64Array;
  s: Float64Array;
}

/** Serialised form: [key, counts, sums] in insertion order (object keys would reorder "1"). */
export type StatsJson = [string, number[], number[]][];

export const statsJsonSchema = z.array(z.tuple([z.string(), z.array(z.number()), z.array(z.number())]));

export class ScopedStats {
  private readonly table = new Map<string, ArmStats>();
  constructor(
    private readonly k: number,
    readonly scope: Scope,
  ) {}

  keyOf(ctx: RoutingContext): string {
    return this.scope === 'global' ? '*' : ctx.labels.category;
  }

  /** Stats for a context's scope (zeros for a scope not seen yet; not stored until updated). */
  peek(ctx: RoutingContext): ArmStats {
    return this.table.get(this.keyOf(ctx)) ?? { n: new Float64Array(this.k), s: new Float64Array(this.k) };
  }

  add(ctx: RoutingContext, arm: number, reward: number): void {
    const key = this.keyOf(ctx);
    let st = this.table.get(key);
    if (!st) this.table.set(key, (st = { n: new Float64Array(this.k), s: new Float64Array(this.k) }));
    st.n[arm] = st.n[arm]! + 1;
    st.s[arm] = st.s[arm]! + reward;
  }

  keys(): string[] {
    return [...this.table.keys()];
  }

  toJSON(): StatsJson {
    return [...this.table].map(([key, st]) => [key, Array.from(st.n), Array.from(st.s)]);
  }

  static fromJSON(json: StatsJson, k: number, scope: Scope): ScopedStats {
    const out = new ScopedStats(k, scope);
    for (const [key, n, s] of json) {
      if (n.length !== k || s.length !== k)
        throw new Error(`stats for "${key}": expected ${k} counts and sums, got ${n.length} and ${s.length}`);
      out.table.set(key, { n: Float64Array.from(n), s: Float64Array.from(s) });
    }
    return out;
  }
}
