/**
 * Hashed n-gram text features: word n-grams and character n-grams of the text, signed feature
 * hashing into `dim` buckets, then L2 normalisation. No weights, no vocabulary: deterministic
 * from the layout alone (integer-only hashing via Math.imul, fixed summation order).
 *
 * Normalisation of the text: ASCII letters lower-cased (other letters kept as they are), any
 * whitespace run is one space, and the text is padded with one space at each end so char
 * n-grams see word boundaries. Words: runs of ASCII letters/digits and non-ASCII characters
 * (except spaces); punctuation ends a word. Every n-gram counts 1 before normalisation.
 * Bucket = (fmix32(hash) & 0x7fffffff) mod dim, sign = its top bit (independent of the bucket
 * bits when dim is a power of two; nearly so otherwise).
 */

/** Longest n-gram; a power of two, so ring positions are `count & (MAX_ORDER - 1)`. */
const MAX_ORDER = 8;

/** murmur3's finaliser: full avalanche; int32 result (kept signed: Smi arithmetic in V8). */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Folds one 32-bit value into a running hash (murmur3 body step). */
function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function isSpace(c: number): boolean {
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 0xa0 ||
    (c >= 0x2000 && c <= 0x200b) ||
    c === 0x3000 ||
    c === 0x2028 ||
    c === 0x2029
  );
}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c >= 128;
}

// Scratch state, reused across calls (featurize is synchronous, so no reentrancy). Rings are
// indexed modulo MAX_ORDER.
const wordRing = new Int32Array(MAX_ORDER);
const charRing = new Int32Array(MAX_ORDER);
const wordOrders = new Int32Array(MAX_ORDER);
const charOrders = new Int32Array(MAX_ORDER);
const wordNs = new Int32Array(MAX_ORDER);
const charNs = new Int32Array(MAX_ORDER);

export function checkOrders(orders: readonly number[], what: string): void {
  for (const n of orders) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_ORDER)
      throw new RangeError(`${what}: n-gram orders must be integers in 1..${MAX_ORDER}, got ${n}`);
  }
}

/** Adds +-1 at the hash's bucket: bucket from the low 31 bits, sign from bit 31. */
function addHash(out: Float64Array, offset: number, dim: number, h: number): void {
  const f = fmix32(h);
  const j = offset + ((f & 0x7fffffff) % dim);
  out[j] = out[j]! + (f < 0 ? -1 : 1);
}

/**
 * Writes the block into out[offset, offset + dim). `wordN` and `charN` are the n-gram orders
 * (e.g. [1, 2] and [3]); `seed` changes every bucket and sign.
 */
export function hashNgramsInto(
  text: string,
  out: Float64Array,
  offset: number,
  dim: number,
  wordN: readonly number[],
  charN: readonly number[],
  seed: number,
): void {
  checkOrders(wordN, 'word n-grams');
  checkOrders(charN, 'char n-grams');
  out.fill(0, offset, offset + dim);
  const base = mix(0x2545f491, seed | 0);
  // Per-order namespaces, so a word unigram and a char gram of the same code never collide by design.
  const nw = Math.min(wordN.length, MAX_ORDER);
  const nc = Math.min(charN.length, MAX_ORDER);
  for (let k = 0; k < nw; k++) {
    wordOrders[k] = wordN[k]!;
    wordNs[k] = mix(base, 0x100 + wordN[k]!);
  }
  for (let k = 0; k < nc; k++) {
    charOrders[k] = charN[k]!;
    charNs[k] = mix(base, 0x200 + charN[k]!);
  }

  let words = 0; // words completed
  let chars = 0; // normalised chars seen
  let wordHash = 0;
  let inWord = false;
  let prevSpace = true; // the virtual leading space
  const len = text.length;
  // i === -1 and i === len are the virtual boundary spaces.
  for (let i = -1; i <= len; i++) {
    let c = i < 0 || i === len ? 32 : text.charCodeAt(i);
    if (c >= 65 && c <= 90) c |= 0x20;
    const space = isSpace(c);
    const word = !space && isWordChar(c);
    if (inWord && !word) {
      wordRing[words & (MAX_ORDER - 1)] = wordHash;
      words++;
      for (let k = 0; k < nw; k++) {
        const n = wordOrders[k]!;
        if (words < n) continue;
        let h = wordNs[k]!;
        for (let m = n; m >= 1; m--) h = mix(h, wordRing[(words - m) & (MAX_ORDER - 1)]!);
        addHash(out, offset, dim, h);
      }
      inWord = false;
    }
    if (word) {
      if (!inWord) {
        wordHash = 0x811c9dc5 | 0;
        inWord = true;
      }
      wordHash = Math.imul(wordHash ^ c, 0x01000193);
    }
    if (space) {
      if (prevSpace && i >= 0) continue; // a whitespace run is one space
      c = 32;
    }
    prevSpace = space;
    if (nc === 0) continue;
    charRing[chars & (MAX_ORDER - 1)] = c;
    chars++;
    for (let k = 0; k < nc; k++) {
      const n = charOrders[k]!;
      if (chars < n) continue;
      let h = charNs[k]!;
      for (let m = n; m >= 1; m--) h = mix(h, charRing[(chars - m) & (MAX_ORDER - 1)]!);
      addHash(out, offset, dim, h);
    }
  }

  let ss = 0;
  for (let j = offset; j < offset + dim; j++) ss += out[j]! * out[j]!;
  if (ss > 0) {
    const inv = 1 / Math.sqrt(ss);
    for (let j = offset; j < offset + dim; j++) out[j] = out[j]! * inv;
  }
}
