/** Seeded PRNG (mulberry32): tiny, fast and deterministic across platforms. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    return mulberry32Output(a);
  };
}

/**
 * mulberry32's output for an already-advanced 32-bit state (`s = (s + 0x6d2b79f5) >>> 0`):
 * shared with the learners' RNGs, whose state must be saved and restored.
 */
export function mulberry32Output(state: number): number {
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
