import { describe, expect, it } from 'vitest';
import type { DatasetRow } from '../../datasets/types.ts';
import { ResponseCascadePolicy, type ResponseCascadeOptions } from './response-cascade.ts';
import { replayResponseCascade, twoLevelCurve } from './response-cascade-sim.ts';
import { Rng } from '../../core/rng.ts';

const LETTERS = ['A', 'B', 'C', 'D'];
const COSTS = { weak: 1, peer: 1, strong: 10 };
const PROMPT = 'Example.\nA) x\nB) y\nAnswer:\nA\n\nWhich one?\nA) one\nB) two\nC) three\nD) four\nAnswer:';

/**
 * Synthetic letter questions: the weak model is right with P_WEAK[category] and, when wrong,
 * gives another letter or (1 time in 4) no letter at all; the peer is right 80% of the time
 * independently, so agreement with it tells a right weak answer from a wrong one.
 */
const P_WEAK: Record<string, number> = { easy: 0.9, hard: 0.55 };
function rows(n: number, seed: number, opts: { signal?: boolean } = {}): DatasetRow[] {
  const rng = new Rng(seed);
  const other = (l: string) => LETTERS.filter((x) => x !== l)[rng.int(3)]!;
  return Array.from({ length: n }, (_, i) => {
    const category = opts.signal === false ? 'easy' : rng.next() < 0.5 ? 'easy' : 'hard';
    const truth = LETTERS[rng.int(4)]!;
    const weakRight = rng.next() < (opts.signal === false ? 0.7 : P_WEAK[category]!);
    // Without signal the weak answer is a clean random letter, whatever its score.
    const weak =
      opts.signal === false
        ? LETTERS[rng.int(4)]!
        : weakRight
          ? truth
          : rng.next() < 0.25
            ? 'I cannot tell'
            : other(truth);
    const peer = rng.next() < 0.8 ? truth : other(truth);
    const strongRight = rng.next() < 0.95;
    return {
      promptId: `q${seed}-${i}`,
      source: 'synthetic',
      category,
      prompt: PROMPT,
      scores: { weak: weakRight ? 1 : 0, peer: peer === truth ? 1 : 0, strong: strongRight ? 1 : 0 },
      costs: { ...COSTS },
      responses: { weak, peer, strong: strongRight ? truth : other(truth) },
    };
  });
}

function policy(extra: Partial<ResponseCascadeOptions> = {}, peers = true): ResponseCascadePolicy {
  return new ResponseCascadePolicy({
    levels: [
      { pool: 'weak', model: 'weak', costPerCall: COSTS.weak },
      { pool: 'strong', model: 'strong', costPerCall: COSTS.strong },
    ],
    peers: peers ? [{ pool: 'peer', model: 'peer', costPerCall: COSTS.peer }] : [],
    categories: ['easy', 'hard'],
    seed: 3,
    ...extra,
  });
}

const trained = (extra: Partial<ResponseCascadeOptions> = {}, peers = true, data = rows(3000, 1)) => {
  const p = policy(extra, peers);
  replayResponseCascade(data, p, { train: true });
  return p;
};

describe('ResponseCascadePolicy', () => {
  it('learns from served-answer feedback to escalate the answers that disagree with the peer', () => {
    // Cost matters (w = 0.2): an agreeing answer is right ~95% of the time, as often as the strong model.
    const p = trained({ costQualityTradeoff: 0.2 }).frozen();
    const q = { id: 'x', category: 'hard', prompt: PROMPT };
    expect(p.decide(q, 0, 'B', ['B']).action).toBe('accept');
    expect(p.decide(q, 0, 'B', ['C']).action).toBe('escalate');
    expect(p.decide(q, 0, 'I cannot tell', ['C']).action).toBe('escalate');
    expect(p.escalationValue(q, 0, 'B', ['C'])).toBeGreaterThan(p.escalationValue(q, 0, 'B', ['B']));
    const curve = twoLevelCurve(rows(2000, 9), p);
    expect(curve.apgr).toBeGreaterThan(0.8);
    // The weak and the peer calls are paid on every request: the cost curve is below the share curve.
    expect(curve.costApgr).toBeLessThan(curve.apgr);
    expect(curve.cpt50!).toBeLessThan(0.3);
  });

  it('without a peer still ranks answers without a letter and the hard category first', () => {
    const curve = twoLevelCurve(rows(2000, 9), trained({}, false).frozen());
    expect(curve.apgr).toBeGreaterThan(0.6);
    expect(curve.apgr).toBeLessThan(twoLevelCurve(rows(2000, 9), trained().frozen()).apgr);
  });

  it('finds nothing where the answer carries no signal (APGR near 0.5)', () => {
    const curve = twoLevelCurve(
      rows(3000, 9, { signal: false }),
      trained({}, true, rows(3000, 1, { signal: false })).frozen(),
    );
    expect(curve.apgr).toBeGreaterThan(0.4);
    expect(curve.apgr).toBeLessThan(0.6);
  });

  it('counts the weak and peer calls on every request and the strong call when escalating', () => {
    const p = trained();
    const res = replayResponseCascade(rows(500, 4), p.frozen());
    expect(res.callsPerRow).toBeCloseTo(2 + res.lastLevelShare, 12);
    expect(res.meanCost).toBeCloseTo(COSTS.weak + COSTS.peer + res.lastLevelShare * COSTS.strong, 12);
    expect(res.servedBy[0]! + res.servedBy[1]!).toBe(500);
  });

  it('learns about an escalated answer only where the feedback mode gives or implies its grade', () => {
    const acceptUpdates = (p: ResponseCascadePolicy) => (p.save().parameters['accept'] as { n: number }[])[0]!.n;
    const q = { id: 'r1', category: 'hard', prompt: PROMPT };
    for (const [feedback, servedAnswer, servedQuality, expected] of [
      ['served', 'B', 1, 0],
      ['inferred', 'B', 1, 1], // served right with the same letter: the weak answer was right
      ['inferred', 'C', 1, 1], // served right with another letter: the weak answer was wrong
      ['inferred', 'C', 0, 0], // both may be wrong: nothing implied
      ['called', 'C', 0, 1],
    ] as const) {
      const p = policy({ feedback, probeRate: 1 });
      while (p.decide(q, 0, 'B', ['B']).action !== 'escalate');
      p.observe(q.id, { level: 1, quality: servedQuality, answer: servedAnswer }, [{ level: 0, quality: 1 }]);
      expect(acceptUpdates(p), `${feedback} ${servedAnswer} ${servedQuality}`).toBe(expected);
      expect((p.save().parameters['escalate'] as { n: number }[])[0]!.n).toBe(1);
    }
  });

  it('reports the exact propensity of probes', () => {
    const p = trained({ probeRate: 0.2, v: 0 });
    const q = { id: 'p', category: 'easy', prompt: PROMPT };
    const props = Array.from({ length: 4000 }, (_, i) => p.decide({ ...q, id: `p${i}` }, 0, 'A', ['A']));
    expect(new Set(props.map((d) => d.propensity))).toEqual(new Set([0.9, 0.1]));
    const off = props.filter((d) => d.propensity === 0.1).length / props.length;
    expect(off).toBeGreaterThan(0.07);
    expect(off).toBeLessThan(0.13);
  });

  it('round-trips through policy.json, random stream included', () => {
    const p = trained({}, true, rows(800, 2));
    const copy = ResponseCascadePolicy.load(JSON.parse(JSON.stringify(p.save())));
    const q = { id: 'z', category: 'hard', prompt: PROMPT };
    expect(copy.escalationValue(q, 0, 'B', ['C'])).toBe(p.escalationValue(q, 0, 'B', ['C']));
    for (let i = 0; i < 50; i++)
      expect(copy.decide({ ...q, id: `z${i}` }, 0, 'B', [LETTERS[i % 4]!])).toEqual(
        p.decide({ ...q, id: `z${i}` }, 0, 'B', [LETTERS[i % 4]!]),
      );
    expect(copy.save()).toEqual(p.save());
  });

  it('rejects levels without a price and files of another learner', () => {
    expect(
      () =>
        new ResponseCascadePolicy({
          levels: [
            { pool: 'a', model: 'a' },
            { pool: 'b', model: 'b', costPerCall: 1 },
          ],
          categories: [],
        }),
    ).toThrow(/costPerCall/);
    expect(() => ResponseCascadePolicy.load({ ...policy().save(), learner: 'cascade' })).toThrow(
      /policy\.json: learner: expected response_cascade, got cascade/,
    );
  });
});
