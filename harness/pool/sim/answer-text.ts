/**
 * The text a simulated model streams: filler "reasoning" ending with `The answer is X.` (a
 * task with a reference answer) or, for free-form tasks, a closing remark that is either
 * on target or not; one piece per output token; and the parsers a downstream evaluator or a
 * simulated judge uses to read the answer or the remark back.
 *
 * Cost matters (thousands of concurrent streams): filler pieces are precomputed strings that
 * every response shares; a response allocates only its array and the answer's pieces.
 */

const MARKER = 'The answer is ';

// Filler sentences, split into word pieces with their leading space (as BPE tokens carry it).
// None contains the answer marker, so extractAnswer never picks up filler.
const FILLER_SENTENCES = [
  'Let me think about this step by step.',
  'First, I restate the question in my own words.',
  'The key facts given in the problem are listed below.',
  'Next, I check each option against these facts.',
  'Some of the options can be ruled out quickly.',
  'Now I combine the remaining pieces of information.',
  'This calculation needs to be done carefully, one part at a time.',
  'I double-check the intermediate result before going on.',
  'Looking at it from another angle gives the same picture.',
  'So the reasoning is consistent so far.',
];

const FILLER: string[] = [];
const SENTENCE_STARTS: number[] = [];
for (const s of FILLER_SENTENCES) {
  SENTENCE_STARTS.push(FILLER.length);
  for (const w of s.split(' ')) FILLER.push(' ' + w);
}
// Piece 0 of a response carries no leading space; precomputed for each sentence start.
const FIRST_PIECE = new Map<number, string>(SENTENCE_STARTS.map((i) => [i, FILLER[i]!.slice(1)]));

function norm(s: string): string {
  return s.replace(/\s+/g, '').toLowerCase();
}

/** Small deterministic integer mix of a salt (any number) for picking variants. */
function mix(salt: number): number {
  let h = Math.imul((salt | 0) ^ Math.floor(salt / 0x100000000), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

const LETTERS = ['A', 'B', 'C', 'D', 'E'];
const WRONG_TEXTS = [
  'none of the above',
  'it cannot be determined',
  'the opposite of what was asked',
  'an unrelated result',
  'there is no solution',
  'all of the above',
];

/**
 * A deterministic wrong answer of the same kind as `reference`: another letter for a
 * multiple-choice letter (A-E), a number with a different value for a number (one digit
 * changed, which always changes the value), else a clearly different phrase. Never equal to
 * the reference ignoring case and whitespace.
 */
export function wrongAnswer(reference: string, salt: number): string {
  const ref = reference.trim();
  const r = mix(salt);
  if (/^[A-Ea-e]$/.test(ref)) {
    const others = LETTERS.filter((l) => l !== ref.toUpperCase());
    const pick = others[r % others.length]!;
    return ref === ref.toLowerCase() ? pick.toLowerCase() : pick;
  }
  if (/^[-+]?\d[\d,]*(\.\d+)?$/.test(ref)) {
    // Change the last digit by 1..9 (mod 10): a different value, same shape (sign, decimals).
    let last = ref.length - 1;
    while (ref.charCodeAt(last) < 48 || ref.charCodeAt(last) > 57) last--;
    const d = ref.charCodeAt(last) - 48;
    const nd = (d + 1 + (r % 9)) % 10;
    return ref.slice(0, last) + String(nd) + ref.slice(last + 1);
  }
  const target = norm(ref);
  for (let k = 0; k < WRONG_TEXTS.length; k++) {
    const candidate = WRONG_TEXTS[(r + k) % WRONG_TEXTS.length]!;
    if (norm(candidate) !== target) return candidate; // distinct phrases: at most one can match
  }
  return WRONG_TEXTS[0]!; // unreachable
}

/** Pieces of the closing sentence: " The", " answer", " is", the answer's words, ".". */
function answerPieces(answer: string): string[] {
  // Words keep their preceding whitespace, so the pieces rejoin to the exact (trimmed) answer.
  const words = answer.match(/\s*\S+/g) ?? [];
  return [' The', ' answer', ' is', ...words.map((w, i) => (i === 0 ? ' ' + w : w)), '.'];
}

/**
 * How a free-form answer (a summary, code, a chat reply: no reference to check) ends: what a
 * reader, or a judge, takes as the sign that it did or did not do what was asked. The
 * simulator decides good or poor as it does for graded answers (quality.ts).
 */
export type Remark = 'good' | 'poor';

const REMARKS: Record<Remark, string[]> = {
  good: [
    'This covers every part of your request.',
    'That completes what you asked for, with each point addressed.',
    'Everything you asked about is answered above.',
  ],
  poor: [
    'I could not work out parts of this, so some of it may be off.',
    'This leaves part of your request unanswered.',
    'Some points here are guesses and may not fit what you asked.',
  ],
};
const REMARK_PIECES: Record<Remark, string[][]> = {
  good: REMARKS.good.map((r) => r.split(' ').map((w) => ' ' + w)),
  poor: REMARKS.poor.map((r) => r.split(' ').map((w) => ' ' + w)),
};

/** Whether a free-form text ends well or poorly: its last closing remark; undefined without one (e.g. cut). */
export function remarkOf(text: string): Remark | undefined {
  let best: { at: number; remark: Remark } | undefined;
  for (const remark of ['good', 'poor'] as const)
    for (const r of REMARKS[remark]) {
      const at = text.lastIndexOf(r);
      if (at >= 0 && (best === undefined || at > best.at)) best = { at, remark };
    }
  return best?.remark;
}

/**
 * Exactly `outputTokens` text pieces (one per token, what the server streams as deltas).
 * Concatenated: filler reasoning, then `The answer is <answer>.` when an answer is given, else
 * the closing `remark` of a free-form answer when one is given.
 * The response is laid out for `naturalTokens` (default: outputTokens) and cut to
 * `outputTokens`, as max_tokens cuts it: when the closing sentence does not fit, the answer (or
 * its final period) is missing. Pass the natural length for a finish_reason "length" stream.
 */
export function responsePieces(
  outputTokens: number,
  answer: string | undefined,
  salt: number,
  naturalTokens = outputTokens,
  remark?: Remark,
): string[] {
  const n = Math.max(0, Math.floor(outputTokens));
  const natural = Math.max(n, Math.floor(naturalTokens));
  const closing =
    answer !== undefined && answer.trim() !== ''
      ? answerPieces(answer.trim())
      : remark !== undefined
        ? REMARK_PIECES[remark][mix(salt + 1) % REMARK_PIECES[remark].length]!
        : [];
  const out = new Array<string>(n);
  const fillerCount = Math.max(0, natural - closing.length);
  const fillerOut = Math.min(n, fillerCount);
  let pos = SENTENCE_STARTS[mix(salt) % SENTENCE_STARTS.length]!;
  for (let i = 0; i < fillerOut; i++) {
    out[i] = i === 0 ? FIRST_PIECE.get(pos)! : FILLER[pos]!;
    pos = pos + 1 === FILLER.length ? 0 : pos + 1;
  }
  for (let i = fillerOut; i < n; i++) {
    const piece = closing[i - fillerCount]!;
    out[i] = i === 0 ? piece.trimStart() : piece;
  }
  return out;
}

/**
 * The answer in such a text: the last `The answer is X.`. When the text ends with the period,
 * X is everything between the last marker and that period (exact for any answer); otherwise X
 * runs to the first period followed by whitespace. Undefined when there is none (e.g. cut).
 */
export function extractAnswer(text: string): string | undefined {
  const at = text.lastIndexOf(MARKER);
  if (at < 0) return undefined;
  const rest = text.slice(at + MARKER.length);
  const trimmed = rest.trimEnd();
  let x: string | undefined;
  if (trimmed.endsWith('.')) x = trimmed.slice(0, -1);
  else {
    const m = /^([\s\S]*?)\.(\s|$)/.exec(rest);
    x = m?.[1];
  }
  x = x?.trim();
  return x === undefined || x === '' ? undefined : x;
}
