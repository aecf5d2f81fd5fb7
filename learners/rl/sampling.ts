/** Sampling helpers of the RL learners: an index from a probability vector, and argmax. */

/** Index drawn from a probability vector (float32 sums may miss 1 by an ulp: fall back to the last positive entry). */
export function sampleIndex(probs: ArrayLike<number>, u: number): number {
  let acc = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    if (p <= 0) continue;
    acc += p;
    last = i;
    if (u < acc) return i;
  }
  return last;
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
