import { describe, expect, it } from 'vitest';
import { LOAD_WORKER_HEAP_MB, withLoadWorkerFlags } from './launcher.ts';

describe('withLoadWorkerFlags', () => {
  it("adds a larger initial heap and baseline compilation to the parent's flags", () => {
    expect(withLoadWorkerFlags(['--import', 'tsx'])).toEqual([
      '--import',
      'tsx',
      `--initial-heap-size=${LOAD_WORKER_HEAP_MB}`,
      '--always-sparkplug',
    ]);
  });

  it('keeps an initial heap the parent set, and leaves the given array alone', () => {
    const parent = ['--initial-heap-size=64', '--enable-source-maps'];
    const out = withLoadWorkerFlags(parent);
    expect(out).toEqual(parent);
    expect(out).not.toBe(parent);
  });
});
