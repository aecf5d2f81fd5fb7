/**
 * A pool's recent joules per processed token, from consecutive telemetry samples (energy
 * counter delta over prompt + generation token counter delta). The online reward's energy
 * term uses it while a run goes; the exact per-request figure is attributed at the end.
 */
import type { TelemetrySample } from '../telemetry/types.ts';

interface Reading {
  energyJ?: number;
  tokens?: number;
}

export class EnergyRate {
  private readonly last = new Map<string, Reading>();
  private readonly anchor = new Map<string, Required<Reading>>();
  private readonly rate = new Map<string, number>();

  add(s: TelemetrySample): void {
    if (s.error !== undefined) return;
    const r = this.last.get(s.pool) ?? {};
    if (s.kind === 'energy' && s.energy_j !== undefined) r.energyJ = s.energy_j;
    if (s.kind === 'metrics' && s.prompt_tokens_total !== undefined && s.generation_tokens_total !== undefined) {
      r.tokens = s.prompt_tokens_total + s.generation_tokens_total;
    }
    this.last.set(s.pool, r);
    if (r.energyJ === undefined || r.tokens === undefined) return;
    const a = this.anchor.get(s.pool);
    // Update once enough tokens went by for a stable ratio, then move the anchor.
    if (a === undefined || r.energyJ < a.energyJ || r.tokens < a.tokens) {
      this.anchor.set(s.pool, { energyJ: r.energyJ, tokens: r.tokens });
    } else if (r.tokens - a.tokens >= 100) {
      this.rate.set(s.pool, (r.energyJ - a.energyJ) / (r.tokens - a.tokens));
      this.anchor.set(s.pool, { energyJ: r.energyJ, tokens: r.tokens });
    }
  }

  joulesPerToken(pool: string): number | undefined {
    return this.rate.get(pool);
  }
}
