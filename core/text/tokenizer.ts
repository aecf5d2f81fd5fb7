/**
 * Deterministic tokenizer approximation for the simulated vLLM pool (no vocabulary files).
 *
 * What it approximates: a Llama-3 style byte-level BPE on English and code, close enough for
 * token counts (prefill/decode cost, KV-cache size, max_model_len checks) and for prefix
 * caching (equal text prefixes give equal token prefixes). It does NOT reproduce real ids.
 *
 * Splitting rules (one "piece" = one token):
 * - `<|name|>` special tokens (chat template markers) are one token each.
 * - A word (run of letters, including non-CJK non-ASCII letters) takes one leading space with
 *   it, as BPE does (" word"). Words of up to 8 letters are one token (a 128k vocabulary holds
 *   most common words whole); longer words are split into 4-letter pieces, the leading space
 *   going with the first piece.
 * - Numbers are split into groups of up to 3 digits (Llama-3 does the same).
 * - Punctuation runs are split into pieces of up to 3 characters (e.g. "});" is one token).
 * - Other whitespace runs (newlines, indentation) are one token per 4 characters.
 * - CJK ideographs, kana and hangul are one token per character; any other symbol (emoji,
 *   astral plane characters) is one token per code point.
 * Together this gives about 4 characters per token on English prose (4.1 on GSM8K questions,
 * 3.4 on code), and every
 * word/number/punctuation run is at least one token.
 *
 * Token id = FNV-1a 32-bit hash of the piece's UTF-16 code units: deterministic across runs
 * and platforms (only integer arithmetic via Math.imul).
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const MAX_WORD_ONE_TOKEN = 8;
const WORD_PIECE = 4;
const DIGIT_PIECE = 3;
const PUNCT_PIECE = 3;
const SPACE_PIECE = 4;

// Character classes, looked up per UTF-16 code unit.
const C_SPACE = 0;
const C_NEWLINE = 1; // whitespace other than ' '
const C_LETTER = 2;
const C_DIGIT = 3;
const C_PUNCT = 4;
const C_CJK = 5;
const C_OTHER = 6; // symbols, surrogates: one token per code point

const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (c === 32) ASCII_CLASS[c] = C_SPACE;
  else if (c === 9 || c === 10 || c === 11 || c === 12 || c === 13) ASCII_CLASS[c] = C_NEWLINE;
  else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) ASCII_CLASS[c] = C_LETTER;
  else if (c >= 48 && c <= 57) ASCII_CLASS[c] = C_DIGIT;
  else if (c < 32 || c === 127)
    ASCII_CLASS[c] = C_NEWLINE; // control characters: like whitespace
  else ASCII_CLASS[c] = C_PUNCT;
}

function classOf(c: number): number {
  if (c < 128) return ASCII_CLASS[c]!;
  if (c >= 0xd800 && c <= 0xdfff) return C_OTHER;
  if (
    (c >= 0x3040 && c <= 0x30ff) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0xac00 && c <= 0xd7af) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0x3000 && c <= 0x303f) ||
    (c >= 0xff00 && c <= 0xffef)
  )
    return C_CJK;
  if (c === 0xa0 || (c >= 0x2000 && c <= 0x200b)) return C_SPACE;
  if ((c >= 0x2010 && c <= 0x2bff) || (c >= 0xa1 && c <= 0xbf) || c === 0xd7 || c === 0xf7) return C_PUNCT;
  return C_LETTER; // Latin-1 letters, Greek, Cyrillic, Arabic, ...: word characters
}

/** FNV-1a 32-bit over the code units text[start..end). */
export function fnv1a32(text: string, start = 0, end = text.length, seed = FNV_OFFSET): number {
  let h = seed >>> 0;
  for (let i = start; i < end; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  }
  return h >>> 0;
}

/** Length of a `<|name|>` special token starting at i, or 0. */
function specialTokenLength(text: string, i: number): number {
  if (text.charCodeAt(i + 1) !== 124 /* | */) return 0;
  const limit = Math.min(text.length - 1, i + 40);
  for (let j = i + 2; j < limit; j++) {
    const c = text.charCodeAt(j);
    if (c === 124 && text.charCodeAt(j + 1) === 62 /* > */) return j > i + 2 ? j + 2 - i : 0;
    const ok = c === 95 || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
    if (!ok) return 0;
  }
  return 0;
}

/**
 * The scanner shared by tokenize and countTokens. Writes ids into `out` when given (out must
 * hold text.length entries: never more tokens than code units) and returns the count.
 */
function scan(text: string, out: Uint32Array | null): number {
  const n = text.length;
  let count = 0;
  let i = 0;
  const emit = (start: number, end: number): void => {
    if (out !== null) out[count] = fnv1a32(text, start, end);
    count++;
  };
  // Emits [start, end) in pieces of at most `size` (the first piece holds `lead` extra chars).
  const emitChunks = (start: number, end: number, size: number, lead: number): void => {
    let s = start;
    let first = true;
    while (s < end) {
      const e = Math.min(end, s + size + (first ? lead : 0));
      emit(s, e);
      s = e;
      first = false;
    }
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 60 /* < */) {
      const len = specialTokenLength(text, i);
      if (len > 0) {
        emit(i, i + len);
        i += len;
        continue;
      }
    }
    let cls = classOf(c);
    const start = i;
    let lead = 0;
    // A single space joins the following word/number/punctuation piece.
    if (cls === C_SPACE && i + 1 < n) {
      const nextCls = classOf(text.charCodeAt(i + 1));
      // ...but never a special token, which stays one token of its own.
      const special = text.charCodeAt(i + 1) === 60 && specialTokenLength(text, i + 1) > 0;
      if (!special && (nextCls === C_LETTER || nextCls === C_DIGIT || nextCls === C_PUNCT)) {
        lead = 1;
        i++;
        cls = nextCls;
      }
    }
    if (cls === C_SPACE || cls === C_NEWLINE) {
      let j = i + 1;
      while (j < n) {
        const k = classOf(text.charCodeAt(j));
        if (k !== C_SPACE && k !== C_NEWLINE) break;
        j++;
      }
      // Leave a final single space to the next word (prefix stability with " word").
      if (j - i > 1 && j < n && text.charCodeAt(j - 1) === 32) {
        const k = classOf(text.charCodeAt(j));
        if (k === C_LETTER || k === C_DIGIT || k === C_PUNCT) j--;
      }
      emitChunks(i, j, SPACE_PIECE, 0);
      i = j;
      continue;
    }
    if (cls === C_CJK) {
      emit(i, i + 1);
      i++;
      continue;
    }
    if (cls === C_OTHER) {
      // A surrogate pair is one code point, one token.
      const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      emit(i, i + (pair ? 2 : 1));
      i += pair ? 2 : 1;
      continue;
    }
    let j = i + 1;
    while (j < n && classOf(text.charCodeAt(j)) === cls) {
      if (cls === C_PUNCT && text.charCodeAt(j) === 60 && specialTokenLength(text, j) > 0) break;
      j++;
    }
    const len = j - i;
    if (cls === C_LETTER) {
      if (len <= MAX_WORD_ONE_TOKEN) emit(start, j);
      else emitChunks(start, j, WORD_PIECE, lead);
    } else {
      emitChunks(start, j, cls === C_DIGIT ? DIGIT_PIECE : PUNCT_PIECE, lead);
    }
    i = j;
  }
  return count;
}

/** Token ids of `text` (see the header for the rules). */
export function tokenize(text: string): Uint32Array {
  const buf = new Uint32Array(text.length);
  const count = scan(text, buf);
  return buf.slice(0, count);
}

/** Same count as tokenize(text).length, without hashing or allocating ids. */
export function countTokens(text: string): number {
  return scan(text, null);
}

export interface ChatMessage {
  role: string;
  content: string;
}

/**
 * Llama-3 chat template approximation: `<|begin_of_text|>`, then per message
 * `<|start_header_id|>ROLE<|end_header_id|>\n\nCONTENT<|eot_id|>`, then the generation prompt
 * for the assistant. Real Llama 3.1 also injects a "Cutting Knowledge Date" system block; we
 * leave it out (a constant prefix that changes no comparison). Contents are trimmed as the
 * real template does. Messages sharing a system prompt/conversation share a token prefix.
 */
export function applyChatTemplate(messages: readonly ChatMessage[]): string {
  let s = '<|begin_of_text|>';
  for (const m of messages) {
    s += `<|start_header_id|>${m.role}<|end_header_id|>\n\n${m.content.trim()}<|eot_id|>`;
  }
  return s + '<|start_header_id|>assistant<|end_header_id|>\n\n';
}

// ---------------------------------------------------------------------------------------------
// 53-bit hashing: two murmur3-style 32-bit lanes joined into a safe integer. 32 bits alone
// would collide (birthday bound ~65k blocks); 53 bits keep collisions negligible (~0.5% at
// 10 million distinct blocks).

const M_C1 = 0xcc9e2d51;
const M_C2 = 0x1b873593;

function mixWord(h: number, k: number): number {
  k = Math.imul(k, M_C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, M_C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number, len: number): number {
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function join53(lo: number, hi: number): number {
  return (hi >>> 11) * 0x100000000 + (lo >>> 0);
}

/** Seed of the first block's chain, as vLLM's NONE_HASH for the parent of block 0. */
const ROOT_HASH = 0x5eed;

/**
 * One chained hash per FULL block of `blockSize` tokens: hash(block i) covers block i's
 * tokens and hash(block i-1), so equal hashes mean equal whole prefixes (vLLM prefix caching
 * keys blocks this way). A partial last block gets no hash. Values are integers < 2^53.
 */
export function blockHashes(tokens: ArrayLike<number>, blockSize: number): number[] {
  if (!Number.isInteger(blockSize) || blockSize <= 0)
    throw new RangeError(`blockSize must be a positive integer, got ${blockSize}`);
  const nBlocks = Math.floor(tokens.length / blockSize);
  const out = new Array<number>(nBlocks);
  let parent = ROOT_HASH;
  for (let b = 0; b < nBlocks; b++) {
    // Seed both lanes from the parent hash (low 32 bits and the high 21 bits).
    let a = (parent >>> 0) ^ 0x9e3779b9;
    let c = Math.floor(parent / 0x100000000) ^ 0x7f4a7c15;
    const base = b * blockSize;
    for (let t = 0; t < blockSize; t++) {
      const tok = tokens[base + t]! | 0;
      a = mixWord(a, tok);
      c = mixWord(c, tok ^ 0x5bd1e995);
    }
    parent = join53(fmix(a, blockSize), fmix(c, blockSize + 1));
    out[b] = parent;
  }
  return out;
}

/** 53-bit hash of a string (UTF-16 code units), optionally chained from a previous hash. */
export function hashString53(text: string, seed = 0): number {
  let a = (seed >>> 0) ^ 0x2545f491;
  let c = Math.floor(seed / 0x100000000) ^ 0x68e31da4;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    a = mixWord(a, k);
    c = mixWord(c, k ^ 0x5bd1e995);
  }
  return join53(fmix(a, text.length), fmix(c, text.length + 7));
}
