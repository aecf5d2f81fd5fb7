import { describe, expect, it } from 'vitest';
import { LOAD_WORKER_HEAP_MB, withLoadWorkerHeap } from './launcher.ts';

describe('withLoadWorkerHeap', () => {
  it("adds a larger initial heap to the parent's flags", () => {
    expect(withLoadWorkerHeap(['--import', 'tsx'])).toEqual([
      '--import',
      'tsx',
      `--initial-heap-size=${LOAD_WORKER_HEAP_MB}`,
    ]);
  });

  it('keeps an initial heap the parent set, and leaves the given array alone', () => {
    const parent = ['--initial-heap-size=64', '--enable-source-maps'];
    const out = withLoadWorkerHeap(parent);
    expect(out).toEqual(parent);
    expect(out).not.toBe(parent);
  });
});
