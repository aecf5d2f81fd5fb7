/** `wrp train` then `wrp eval` on the shared RouterDC data (skipped when WRP_DATA_DIR has none). */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { dataDir } from '../datasets/paths.ts';
import { evaluate } from '../scripts/commands/eval.ts';
import { train } from '../scripts/commands/train.ts';

const hasData = existsSync(join(dataDir(), 'routerdc-7b'));
const out = mkdtempSync(join(tmpdir(), 'wrp-train-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe.skipIf(!hasData)('wrp train / wrp eval on RouterDC', () => {
  it('trains a per-category bandit that beats the best single model on the test split', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await train({
        learner: 'beta_thompson',
        data: 'routerdc',
        split: 'train',
        files: 'gsm8k,mmlu,humaneval',
        out,
        params: '{}',
        lambda: 0,
        requests: 0,
        seed: 1,
      });
      const policy = JSON.parse(readFileSync(join(out, 'policy.json'), 'utf8'));
      expect(policy.version).toBe(2);
      expect(policy.learner).toBe('beta_thompson');
      expect(policy.actions).toHaveLength(7);
      await evaluate({ policy: out, data: 'routerdc', split: 'test', files: 'gsm8k,mmlu,humaneval', lambda: 0 });
      const printed = log.mock.calls.map((c) => String(c[0])).join('\n');
      const quality = Number(/quality ([\d.]+)/.exec(printed)![1]);
      const bestSingle = Number(/best single \([^)]*\) ([\d.]+)/.exec(printed)![1]);
      expect(quality).toBeGreaterThan(bestSingle);
    } finally {
      log.mockRestore();
    }
  });
});
