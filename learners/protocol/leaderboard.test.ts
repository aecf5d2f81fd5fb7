import { describe, expect, it } from 'vitest';
import { boardMarkdown, buildBoards, overallMarkdown } from './leaderboard.ts';
import type { RunRecord } from './run.ts';

function rec(learner: string, seed: number, reward: number, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    scenario: 's',
    learner,
    seed,
    poolAware: false,
    kind: learner === 'static' ? 'baseline' : 'learner',
    backgroundLoad: true,
    requests: 100,
    reward,
    quality: reward,
    costUsd: 1e-5,
    regret: 10 * (1 - reward),
    optimalShare: 0.5,
    sloViolationShare: 0,
    failedShare: 0,
    meanTtftS: 0.1,
    masked: 0,
    feedback: { delivered: 100, flipped: 0, dropped: 0 },
    virtualSeconds: 10,
    wallMs: 1,
    ...extra,
  };
}

// Seed effects shared by every learner (the pairing), plus each learner's own offset.
const seedEffect = [0.05, -0.04, 0.1, -0.08, 0.02, 0];
const runs = (learner: string, offset: number, extra: Partial<RunRecord> = {}, jitter = 0) =>
  seedEffect.map((e, s) => rec(learner, s + 1, 0.6 + offset + e + (s % 2 ? jitter : -jitter), extra));

describe('buildBoards', () => {
  const records = [
    ...runs('static', 0),
    ...runs('aware', 0.02, { poolAware: true }, 0.002),
    ...runs('blind', 0.005, {}, 0.002),
    ...runs('other', 0.001, { kind: 'baseline' }, 0.03),
  ];

  it('ranks by mean reward and pairs seeds against static and the leader', () => {
    const [b] = buildBoards(records);
    expect(b!.rows.map((r) => r.learner)).toEqual(['aware', 'blind', 'other', 'static']);
    const aware = b!.rows[0]!;
    expect(aware.metrics.reward!.halfWidth).toBeGreaterThan(0.05); // seed effects widen the unpaired interval
    expect(aware.vsStatic!.mean).toBeCloseTo(0.02, 10);
    expect(aware.vsStatic!.lower).toBeGreaterThan(0.015); // ... but not the paired one
    expect(b!.rows[1]!.vsLeader!.upper).toBeLessThan(0); // blind: behind on every seed
    expect(b!.rows[2]!.vsLeader!.upper).toBeGreaterThan(0); // other: too noisy to tell from the leader
    expect(b!.poolAware!.shown).toBe(true); // against the pool-blind learners; baselines are not in the verdict
    expect(b!.poolAware!.text).toMatch(/pool-aware routing shown: aware beats every pool-blind learner/);
  });

  it('says plainly when pool-aware routing is not shown', () => {
    const [b] = buildBoards([
      ...runs('static', 0),
      ...runs('aware', 0.001, { poolAware: true }, 0.02),
      ...runs('blind', 0.002),
    ]);
    expect(b!.poolAware!.shown).toBe(false);
    expect(b!.poolAware!.text).toMatch(/NOT shown.*blind/);
  });

  it('prints the tables', () => {
    const boards = buildBoards(records);
    expect(buildBoards(records.map((r) => ({ ...r, backgroundLoad: false })))[0]!.poolAware).toBeUndefined();
    const md = boardMarkdown(boards[0]!);
    expect(md).toMatch(/### s\n\n6 paired seeds/);
    expect(md).toMatch(/\| 1 \| aware \(pool-aware\) \| 0\.6[0-9]+ ± /);
    expect(md).toMatch(/\(reference\)/);
    expect(md).toMatch(/\| 3 \| other \(baseline\) \| .* \| yes \|/);
    expect(overallMarkdown(boards)).toMatch(/\| aware \| 1\.00 \| 1 \| 1 \| 1 \| 0 \|/);
  });
});
