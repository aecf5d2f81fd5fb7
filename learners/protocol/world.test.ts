import { describe, expect, it } from 'vitest';
import { parseScenario } from './scenario.ts';
import { buildWorld } from './world.ts';

const pools = [
  {
    name: 'a',
    model: 'llama-3.2-1b',
    sim: { model: 'llama-3.2-1b', gpu: 'L4' },
    pricing: { input_per_1m: 0.05, output_per_1m: 0.05 },
  },
  { name: 'b', model: 'qwen3-8b', sim: { model: 'qwen3-8b' }, pricing: { input_per_1m: 0.2, output_per_1m: 0.2 } },
];
const scenario = (workload: Record<string, unknown>, requests = 200) =>
  parseScenario({
    name: 'w',
    requests,
    pools,
    workload: { arrival: { type: 'poisson', rate: 5 }, ...workload },
    reward: { quality: 1 },
  });

describe('buildWorld', () => {
  const single = scenario({ sources: [{ type: 'synthetic', archetypes: { chat: 1 } }] });

  it('is a function of the scenario and the seed', () => {
    const a = buildWorld(single, 3);
    expect(buildWorld(single, 3)).toEqual(a);
    expect(buildWorld(single, 4).sessions.map((s) => s.turns[0]!.text)).not.toEqual(
      a.sessions.map((s) => s.turns[0]!.text),
    );
    expect(a.requests).toBe(200);
    expect(a.sessions.every((s) => s.turns.length === 1)).toBe(true);
    expect(a.flipDraw).toHaveLength(200);
  });

  it('extends each turn of a conversation from the previous turn (shared prefix blocks)', () => {
    const w = buildWorld(scenario({ sources: [{ type: 'synthetic', archetypes: { agent: 1 } }], turns: 'all' }), 1);
    const s = w.sessions[0]!;
    expect(s.turns.length).toBeGreaterThan(3);
    for (let k = 1; k < s.turns.length; k++) {
      const [prev, cur] = [s.turns[k - 1]!, s.turns[k]!];
      expect(cur.historyTokens).toBe(prev.promptTokens);
      expect(cur.promptTokens).toBeGreaterThan(prev.promptTokens + prev.outputTokens);
      expect(cur.blockHashes.slice(0, prev.blockHashes.length)).toEqual(prev.blockHashes);
      expect(cur.thinkS).toBeGreaterThanOrEqual(0);
    }
    // Agent sessions of one prefix group share their system prompt's blocks.
    const group = (i: number) => w.sessions[i]!.turns[0]!.labels.prefixGroup;
    const j = w.sessions.findIndex((x, i) => i > 0 && group(i) === group(0));
    expect(j).toBeGreaterThan(0);
    expect(w.sessions[j]!.turns[0]!.blockHashes.slice(0, 50)).toEqual(s.turns[0]!.blockHashes.slice(0, 50));
  });

  it('drifts the mix abruptly or gradually at the planned request index', () => {
    const cats = (w: ReturnType<typeof buildWorld>, from: number, to: number) =>
      new Set(w.sessions.slice(from, to).map((s) => s.turns[0]!.labels.category));
    const src = [{ type: 'synthetic', archetypes: { chat: 1 }, categories: { math: 1 } }];
    const to = { categories: { code: 1 } };
    const abrupt = buildWorld(scenario({ sources: src, drift: [{ at_request: 100, weights: to }] }), 2);
    expect(cats(abrupt, 0, 100)).toEqual(new Set(['math']));
    expect(cats(abrupt, 100, 200)).toEqual(new Set(['code']));
    const gradual = buildWorld(
      scenario({ sources: src, drift: [{ at_request: 50, over_requests: 100, weights: to }] }),
      2,
    );
    expect(cats(gradual, 0, 50)).toEqual(new Set(['math']));
    expect(cats(gradual, 80, 120)).toEqual(new Set(['math', 'code']));
    expect(cats(gradual, 150, 200)).toEqual(new Set(['code']));
  });
});
