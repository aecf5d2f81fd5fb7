import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attributeEnergy, energyPoints, type EnergyPoint, type RequestWork } from './energy-attribution.ts';

const pts = (pool: string, ...xs: Array<[number, number]>): EnergyPoint[] =>
  xs.map(([tMs, energyJ]) => ({ pool, tMs, energyJ }));

describe('attributeEnergy (token-share-per-interval)', () => {
  it('splits each interval by tokens processed in it (hand-computed)', () => {
    const requests: RequestWork[] = [
      // prefill [0, 500] 100 tokens; decode [500, 1500] 100 tokens
      {
        id: 'r1',
        pool: 'a',
        startMs: 0,
        ttftMs: 500,
        e2eMs: 1500,
        promptTokens: 100,
        cachedTokens: 0,
        outputTokens: 100,
      },
      // prefill [1000, 1200] 60 - 20 cached = 40 tokens; decode [1200, 2200] 50 tokens
      {
        id: 'r2',
        pool: 'a',
        startMs: 1000,
        ttftMs: 200,
        e2eMs: 1200,
        promptTokens: 60,
        cachedTokens: 20,
        outputTokens: 50,
      },
    ];
    const r = attributeEnergy(pts('a', [0, 1000], [1000, 1100], [2000, 1250], [3000, 1300]), requests);
    expect(r.method).toBe('token-share-per-interval');
    // [0,1000): r1 only (150 tokens) -> 100 J. [1000,2000): r1 50 tokens, r2 40 + 40 -> 150 J split 50:80.
    // [2000,3000]: r2 10 tokens -> 50 J.
    expect(r.perRequest.get('r1')).toBeCloseTo(100 + (150 * 50) / 130, 9);
    expect(r.perRequest.get('r2')).toBeCloseTo((150 * 80) / 130 + 50, 9);
    expect(r.totals).toEqual({ totalJ: 300, attributedJ: 300, idleJ: 0, resets: 0 });
  });

  it('reports idle intervals apart, falls back to active time without tokens, skips counter resets', () => {
    const requests: RequestWork[] = [
      // Fully cached prompt, waiting until its (zero-token) end at 1800: active in [1000, 2000) without tokens.
      {
        id: 'q',
        pool: 'p',
        startMs: 1000,
        ttftMs: undefined,
        e2eMs: 800,
        promptTokens: 50,
        cachedTokens: 50,
        outputTokens: 0,
      },
      // Runs only inside the interval where the counter went down: gets nothing.
      { id: 'w', pool: 'p', startMs: 2000, ttftMs: 0, e2eMs: 500, promptTokens: 0, outputTokens: 10 },
    ];
    const r = attributeEnergy(pts('p', [0, 0], [1000, 40], [2000, 100], [3000, 10], [4000, 30]), requests);
    // [0,1000): idle 40 J. [1000,2000): q alone by active time -> 60 J. [2000,3000): reset, dropped.
    // [3000,4000]: nobody active -> idle 20 J.
    expect(r.perRequest.get('q')).toBe(60);
    expect(r.perRequest.get('w')).toBe(0);
    expect(r.perPool.get('p')).toEqual({ totalJ: 120, attributedJ: 60, idleJ: 60, resets: 1 });
  });

  it('keeps pools apart, merges duplicate timestamps, and reads telemetry samples', () => {
    const samples = [
      { kind: 'energy', pool: 'x', t_ms: 0, energy_j: 5 },
      { kind: 'energy', pool: 'x', t_ms: 1000, energy_j: 7 },
      { kind: 'energy', pool: 'x', t_ms: 1000, energy_j: 9 },
      { kind: 'energy', pool: 'x', t_ms: 2000, energy_j: 15 },
      { kind: 'energy', pool: 'x', t_ms: 1500, error: 'timeout' },
      { kind: 'metrics', pool: 'x', t_ms: 1500 },
      { kind: 'energy', pool: 'y', t_ms: 0, energy_j: 0 },
      { kind: 'energy', pool: 'y', t_ms: 1000, energy_j: 8 },
    ];
    const requests: RequestWork[] = [
      { id: 'x1', pool: 'x', startMs: 0, ttftMs: 100, e2eMs: 2000, promptTokens: 10, outputTokens: 19 },
      { id: 'y1', pool: 'y', startMs: 500, ttftMs: 0, e2eMs: 0, promptTokens: 3, outputTokens: 0 },
      { id: 'z1', pool: 'z', startMs: 0, ttftMs: 1, e2eMs: 2, promptTokens: 1, outputTokens: 1 },
    ];
    const r = attributeEnergy(energyPoints(samples), requests);
    expect(r.perRequest.get('x1')).toBe(10); // 4 + 6 J, all of pool x
    expect(r.perRequest.get('y1')).toBe(8); // a point-like request still takes its interval
    expect(r.perRequest.has('z1')).toBe(false); // no energy samples for pool z
    expect(r.totals).toEqual({ totalJ: 18, attributedJ: 18, idleJ: 0, resets: 0 });
  });

  it('conserves energy: sum over requests + idle == pool energy (property)', () => {
    const req = fc.record({
      pool: fc.constantFrom('a', 'b'),
      startMs: fc.integer({ min: -500, max: 5000 }),
      ttftMs: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
      decodeMs: fc.integer({ min: 0, max: 3000 }),
      promptTokens: fc.nat(4000),
      cachedTokens: fc.option(fc.nat(4000), { nil: undefined }),
      outputTokens: fc.nat(1000),
    });
    // Distinct sample times (duplicates are covered above).
    const series = fc.uniqueArray(
      fc.tuple(fc.integer({ min: 0, max: 6000 }), fc.double({ min: 0, max: 500, noNaN: true })),
      { maxLength: 12, selector: (x) => x[0] },
    );
    fc.assert(
      fc.property(fc.array(req, { maxLength: 20 }), series, series, (rs, sa, sb) => {
        const requests: RequestWork[] = rs.map((r, i) => ({ ...r, id: `r${i}`, e2eMs: (r.ttftMs ?? 0) + r.decodeMs }));
        // Monotone counters from random increments.
        const counter = (pool: string, s: Array<[number, number]>) => {
          let e = 0;
          return s
            .map(([t, d]) => ({ pool, tMs: t, energyJ: (e += d) }))
            .sort((x, y) => x.tMs - y.tMs)
            .map((p, i, all) => ({ ...p, energyJ: all.slice(0, i + 1).reduce((m, q) => Math.max(m, q.energyJ), 0) }));
        };
        const points = [...counter('a', sa), ...counter('b', sb)];
        const r = attributeEnergy(points, requests);
        for (const [pool, t] of r.perPool) {
          const ps = points.filter((p) => p.pool === pool);
          const span =
            ps.length === 0 ? 0 : Math.max(...ps.map((p) => p.energyJ)) - Math.min(...ps.map((p) => p.energyJ));
          expect(t.totalJ).toBeCloseTo(span, 6);
          expect(t.attributedJ + t.idleJ).toBeCloseTo(t.totalJ, 6);
          const perReq = requests.filter((q) => q.pool === pool).reduce((s, q) => s + r.perRequest.get(q.id)!, 0);
          expect(perReq).toBeCloseTo(t.attributedJ, 6);
        }
        for (const v of r.perRequest.values()) expect(v).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 500 },
    );
  });
});
