import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isWrpError } from '../../core/errors.ts';
import { loadExperiment } from '../../harness/runner/config.ts';
import { makeCtx } from '../bandits/testing.ts';
import { LEARNERS, loadLearner } from '../registry.ts';
import { workloadContexts } from './contexts.ts';
import { SignalRoutedLearner } from './routed-learner.ts';
import { BUILTIN_MAPS, loadSignalMap, SignalRouter, signalMapSchema } from './signal-map.ts';
import { ACTIONS, tempDir, writeExperiment } from './testing.ts';

const dir = tempDir('wrp-signals-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('signal maps', () => {
  it('builtin:synthetic: every first turn of the synthetic workload lands in its own category, follow-ups in the default', () => {
    const file = writeExperiment(dir);
    const e = loadExperiment(file);
    const ctxs = workloadContexts(e, file, [], 3000, 5);
    const router = new SignalRouter(BUILTIN_MAPS.synthetic!);
    const first = ctxs.filter((c) => c.labels.turn === 0);
    expect(first.length).toBeGreaterThan(500);
    expect(first.filter((c) => router.categoryOf(c.messages) !== c.labels.category)).toEqual([]);
    const later = ctxs.filter((c) => c.labels.turn > 0 && !c.text.startsWith('Another one:'));
    expect(later.every((c) => router.categoryOf(c.messages) === 'other')).toBe(true);
    expect(router.categoryOf([{ role: 'user', content: '' }])).toBe('other');
  });

  it('refuses duplicate routes, a default named like a route, and keywords the router would \\b-wrap badly', () => {
    const bad = signalMapSchema.safeParse({
      routes: [
        { name: 'a', keywords: ['x'] },
        { name: 'a', keywords: ['sum(x)'] },
      ],
      default: 'a',
    });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    expect(messages).toMatch(/routes\.1\.name: "a" twice/);
    expect(messages).toMatch(/routes\.1\.keywords\.0: a keyword with letters/);
    expect(messages).toMatch(/default: "a" is also a route/);
  });

  it('loads YAML files and names the file on errors; unknown built-ins are input-file errors', () => {
    const ok = join(dir, 'ok.yaml');
    writeFileSync(ok, 'routes:\n  - name: code\n    keywords: [function]\ndefault: rest\n');
    expect(loadSignalMap(ok)).toMatchObject({
      version: 1,
      default: 'rest',
      routes: [{ name: 'code', operator: 'OR' }],
    });
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'routes: []\n');
    expect(() => loadSignalMap(broken)).toThrow(/broken\.yaml: routes/);
    try {
      loadSignalMap('builtin:nope');
      expect.unreachable();
    } catch (e) {
      expect(isWrpError(e, 'WRP_INPUT_FILE')).toBe(true);
      expect((e as Error).message).toMatch(/builtin:synthetic/);
    }
  });
});

describe('SignalRoutedLearner', () => {
  it('learns on the routed categories, saves the map, and the registry loads it back wrapped', () => {
    const router = new SignalRouter(loadSignalMap('builtin:synthetic'));
    const inner = LEARNERS.beta_thompson!.create(
      { type: 'beta_thompson' },
      { pools: ACTIONS.map((a) => a.pool), seed: 1, file: 't', actions: ACTIONS },
    );
    const learner = new SignalRoutedLearner(inner, router);
    const code = makeCtx({ category: 'math', text: 'Write a function that counts vowels.' });
    for (let i = 0; i < 50; i++) learner.update(code, 'large', 1);
    const file = learner.save();
    expect(file.signals?.name).toBe('builtin:synthetic');
    // The stats are under "code" (what the text says), not the label "math".
    expect(JSON.stringify(file.parameters)).toMatch(/"code"/);
    expect(JSON.stringify(file.parameters)).not.toMatch(/"math"/);
    const loaded = loadLearner(JSON.parse(JSON.stringify(file)));
    expect(loaded).toBeInstanceOf(SignalRoutedLearner);
    expect(loaded.scores!(code)).toEqual(learner.scores(code));
    expect(loaded.save().signals).toEqual(file.signals);
  });
});
