/**
 * Every learner's policy file is validated on load: whatever one field of a saved policy is
 * changed to (another JSON value, removed, an array cut short), loading either succeeds or
 * fails with a user-fixable WrpError whose one line names the file, never a TypeError or an
 * error deep in tfjs. Property-based over random paths and values (fast-check).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWrpError } from '../core/errors.ts';
import { makeCtx } from './bandits/testing.ts';
import { upgradePolicyFile } from './policy-file.ts';
import { LEARNERS, loadLearner } from './registry.ts';
import { initTf } from './rl/backend.ts';
import { CascadePolicy } from './rl/cascade-policy.ts';
import { MultiTurnPolicy } from './rl/multiturn-policy.ts';
import { ResponseCascadePolicy } from './rl/response-cascade.ts';
import type { Learner, PolicyFile } from './types.ts';

const SOURCE = 'corrupt/policy.json';
const actions = [
  { pool: 'small', model: 'm-small' },
  { pool: 'large', model: 'm-large' },
];
const levels = actions.map((a, i) => ({ ...a, costPerCall: i + 1 }));

/** A saved policy of each learner, after a few updates (so its parameters are not all empty). */
function saved(name: string): PolicyFile {
  let l: Learner;
  if (name === 'cascade') l = new CascadePolicy({ levels, costQualityTradeoff: 0.3, bins: 4 });
  else if (name === 'response_cascade')
    l = new ResponseCascadePolicy({ levels, categories: ['math'], costQualityTradeoff: 0.3, hashDim: 4 });
  else if (name === 'multiturn') l = new MultiTurnPolicy({ actions });
  else
    l = LEARNERS[name]!.create(
      { type: name, ...(name === 'static' ? { default: 'small' } : {}), ...(name === 'knn' ? { k: 2 } : {}) },
      { pools: actions.map((a) => a.pool), seed: 3, file: 'x.yaml', actions },
    );
  if (!(l instanceof CascadePolicy || l instanceof ResponseCascadePolicy))
    for (let i = 0; i < 6; i++) {
      const ctx = makeCtx({
        id: `s${i}/0`,
        text: `question number ${i}`,
        category: i % 2 ? 'math' : 'code',
        scores: { 'm-small': 0.5, 'm-large': 1 },
        previousPool: 'small',
      });
      l.update(ctx, actions[i % 2]!.pool, i % 3 === 0 ? 1 : 0.25);
    }
  return JSON.parse(JSON.stringify(l.save())) as PolicyFile;
}

function load(json: unknown): void {
  const file = upgradePolicyFile(json, SOURCE);
  if (file.learner === 'multiturn') MultiTurnPolicy.load(file, SOURCE);
  else loadLearner(file, SOURCE);
}

/** Every path into a JSON value (arrays: their first three items), to pick one to change. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.slice(0, 3).forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) if (k !== 'training') paths(x, [...at, k], out);
  return out;
}

type Change = { kind: 'set'; value: unknown } | { kind: 'delete' } | { kind: 'cut' };

function changed(json: unknown, path: (string | number)[], change: Change): unknown {
  const copy = structuredClone(json) as Record<string | number, unknown>;
  if (path.length === 0) return change.kind === 'set' ? change.value : copy;
  let parent: Record<string | number, unknown> = copy;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
  const key = path[path.length - 1]!;
  if (change.kind === 'set') parent[key] = change.value;
  else if (change.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else if (Array.isArray(parent[key])) (parent[key] as unknown[]).splice(0, 1);
  return copy;
}

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ kind: fc.constant('set' as const), value: fc.constantFrom(-1, 0, 1e9, 1.5, '', null, [], {}) }),
  fc.constant({ kind: 'delete' as const }),
  fc.constant({ kind: 'cut' as const }),
);

const LEARNER_NAMES = [...Object.keys(LEARNERS), 'cascade', 'response_cascade', 'multiturn'];

beforeAll(async () => {
  await initTf();
});

describe('policy files are validated on load, for every learner', () => {
  it.each(LEARNER_NAMES)('%s: a saved policy loads back', (name) => {
    expect(() => load(saved(name))).not.toThrow();
  });

  it.each(LEARNER_NAMES)('%s: any one field changed loads, or fails in one line naming the file', (name) => {
    const json = saved(name);
    const all = paths(json);
    fc.assert(
      fc.property(fc.nat(all.length - 1), change, (i, c) => {
        const bad = changed(json, all[i]!, c);
        try {
          load(bad);
        } catch (e) {
          const detail = `${JSON.stringify(all[i])} ${JSON.stringify(c).slice(0, 120)}: ${String(e)}`;
          expect(isWrpError(e), detail).toBe(true);
          expect((e as { exitStatus: number }).exitStatus, detail).toBe(2);
          expect((e as Error).message.startsWith(`${SOURCE}: `), detail).toBe(true);
          expect((e as Error).message, detail).not.toContain('\n');
        }
      }),
      { numRuns: 150 },
    );
  });
});
