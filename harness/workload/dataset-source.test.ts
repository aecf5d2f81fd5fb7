import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadJsonl } from '../../datasets/jsonl.ts';
import { PROJECT_ROOT } from '../../datasets/paths.ts';
import { loadRouterBench } from '../../datasets/routerbench.ts';
import type { DatasetRow } from '../../datasets/types.ts';
import { DatasetSource, type DatasetSourceOptions } from './dataset-source.ts';
import { Rng } from '../../core/rng.ts';

const FIX = join(PROJECT_ROOT, 'datasets/fixtures');
const base: DatasetSourceOptions = {
  name: 'ds',
  sample: 'without-replacement',
  maxTokens: 512,
  thinkTimeS: 3,
  estimateOutputTokens: true,
};
const rowsOf = (n: number): DatasetRow[] =>
  Array.from({ length: n }, (_, i) => ({
    promptId: `p${i}`,
    source: 'test:rows',
    category: 'mmlu',
    prompt: `Question ${i}?`,
    answerFormat: 'letter',
    reference: 'B',
    scores: { m: i / n },
  }));
const draw = (src: DatasetSource, n: number) =>
  Array.from({ length: n }, (_, i) => src.session(new Rng(i), `s${i}`).turns.at(-1)!.labels.promptId!);

describe('DatasetSource', () => {
  it('without replacement: every row once per epoch, deterministic for a seed', () => {
    const ids = draw(new DatasetSource(rowsOf(25), base, 4), 50);
    expect(new Set(ids.slice(0, 25)).size).toBe(25);
    expect(new Set(ids.slice(25)).size).toBe(25);
    expect(ids.slice(0, 25)).not.toEqual(ids.slice(25)); // reshuffled each epoch
    expect(draw(new DatasetSource(rowsOf(25), base, 4), 50)).toEqual(ids);
    expect(draw(new DatasetSource(rowsOf(25), base, 5), 50)).not.toEqual(ids);
  });

  it('with replacement repeats rows; limit keeps a seeded subset', () => {
    const ids = draw(new DatasetSource(rowsOf(25), { ...base, sample: 'with-replacement' }, 4), 25);
    expect(new Set(ids).size).toBeLessThan(25);
    const limited = new DatasetSource(rowsOf(100), { ...base, limit: 10 }, 4);
    expect(limited.size).toBe(10);
    expect(new Set(draw(limited, 40)).size).toBe(10);
  });

  it('carries the row labels on a single turn', () => {
    const { rows } = loadRouterBench({ dir: join(FIX, 'routerbench'), files: ['arc_challenge_test'] });
    const src = new DatasetSource(rows, base, 1);
    const plan = src.toSession(rows[0]!, 's7');
    expect(plan.turns).toHaveLength(1);
    const t = plan.turns[0]!;
    expect(t.labels).toMatchObject({
      id: 's7/0',
      sessionId: 's7',
      turn: 0,
      source: 'routerbench:arc_challenge_test',
      category: 'arc_challenge',
      archetype: 'dataset',
      promptId: 'arc-fixture.test.1',
      reference: 'B',
      answerFormat: 'letter',
      warm: false,
      scores: { 'acme/big-1': 1, 'acme/small-1': 0, 'gpt-x': 1 },
      costs: { 'gpt-x': 0.001 },
      extra: { eval_name: 'arc-challenge' },
    });
    expect(t.user).toBe(rows[0]!.prompt);
    expect(t.maxTokens).toBe(512);
    // The per-prompt answer length is stable across draws.
    expect(src.toSession(rows[0]!, 's8').turns[0]!.labels.expectedOutputTokens).toBe(t.labels.expectedOutputTokens);
    expect(
      new DatasetSource(rows, { ...base, estimateOutputTokens: false }, 1).toSession(rows[0]!, 's').turns[0]!.labels
        .expectedOutputTokens,
    ).toBeUndefined();
  });

  it('plays earlier turns first and shares system-prompt prefixes', () => {
    const { rows } = loadJsonl(join(FIX, 'jsonl/sample.jsonl'));
    const src = new DatasetSource(rows, base, 1);
    const convo = rows.find((r) => r.system !== undefined)!;
    const a = src.toSession(convo, 'a');
    expect(a.system).toBe('You are terse.');
    expect(a.turns.map((t) => t.user)).toEqual(['Name a primary color.', 'Name another one.']);
    expect(a.turns.map((t) => t.thinkTimeS)).toEqual([0, 3]);
    expect(a.turns[0]!.labels.promptId).toBeUndefined();
    expect(a.turns[1]!.labels).toMatchObject({ promptId: 'sample:2', category: 'chitchat', warm: true });
    expect(a.turns[0]!.labels.warm).toBe(false);
    const b = src.toSession(convo, 'b');
    expect(b.turns[0]!.labels.warm).toBe(true);
    expect(b.turns[0]!.labels.prefixGroup).toBe(a.turns[0]!.labels.prefixGroup);
  });
});
