import { describe, expect, it } from 'vitest';
import { initTf } from './backend.ts';

describe('initTf', () => {
  it('picks a backend, logs it once, and computes', async () => {
    const lines: string[] = [];
    const first = await initTf({ log: (l) => lines.push(l) });
    const again = await initTf({ log: (l) => lines.push(l) });
    expect(again).toBe(first);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(first.backend);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`backend: ${first.backend}`);
    console.log(lines[0]);
    const { tf } = first;
    const y = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync());
    expect(Array.from(y)).toEqual([11]);
  });
});
