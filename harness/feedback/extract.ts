/**
 * Reading an answer out of free model text: a multiple-choice letter, a number, or a short
 * answer phrase. Real models wrap answers in markdown, LaTeX \boxed{}, parentheses, or
 * restate them; an explicit answer statement wins over any letter or number that merely
 * appears in the reasoning, and the last such statement wins (models correct themselves).
 *
 * Every pattern is compiled once (per letter set for multiple choice), not per answer: the
 * evaluator runs on every request of a run.
 */

/** Drops `<think>...</think>` blocks (and an unclosed leading one) that reasoning models emit inline. */
export function stripReasoning(text: string): string {
  let out = text.replace(THINK_BLOCK, ' ');
  const close = out.search(THINK_CLOSE); // "<think>" sent in the prompt, only the close in the answer
  if (close >= 0) out = out.slice(close + '</think>'.length);
  return out;
}

// Phrases that announce the answer; the letter/number follows them.
const ANSWER_LEAD = String.raw`(?:(?:final|correct|right|best)\s+(?:answer|option|choice)|\banswer)\s*(?:(?:is|would\s+be|will\s+be|should\s+be|must\s+be)\s*)?[:=\-–—]?`;

interface Hit {
  value: string;
  index: number;
}

function lastHit(hits: Hit[]): Hit | undefined {
  let best: Hit | undefined;
  for (const h of hits) if (best === undefined || h.index >= best.index) best = h;
  return best;
}

/** Every match of a global pattern (compiled once by the caller; its lastIndex is reset here). */
function allMatches(re: RegExp, text: string, accept: (m: RegExpExecArray) => string | undefined): Hit[] {
  const out: Hit[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0] === '') re.lastIndex++; // an empty match must not loop forever
    const v = accept(m);
    if (v !== undefined) out.push({ value: v, index: m.index });
  }
  return out;
}

const THINK_BLOCK = /<think>[\s\S]*?<\/think>/gi;
const THINK_CLOSE = /<\/think>/i;
const TEXT_MACRO = /\\text(?:bf)?\{([^}]*)\}/g;
const NOT_LETTER = /[^A-Za-z]/g;

function letterClass(letters: string): string {
  return letters.replace(NOT_LETTER, '').toUpperCase();
}

/** The patterns of one letter set, compiled on first use. */
interface LetterPatterns {
  explicit: RegExp;
  boxed: RegExp;
  isCorrect: RegExp;
  marked: RegExp;
  bare: RegExp;
}

const letterPatternCache = new Map<string, LetterPatterns>();

function letterPatterns(L: string): LetterPatterns {
  let p = letterPatternCache.get(L);
  if (p !== undefined) return p;
  const set = `[${L}${L.toLowerCase()}]`;
  p = {
    explicit: new RegExp(
      String.raw`${ANSWER_LEAD}\s*(?:option|choice|letter)?\s*[(\[*_"']*\s*(${set})(?![A-Za-z0-9])`,
      'gi',
    ),
    boxed: new RegExp(String.raw`\\boxed\{\s*\(?(${set})\)?\s*\}`, 'g'),
    isCorrect: new RegExp(
      String.raw`(?<![A-Za-z0-9])[(\[*]*(${set})[)\]*]*\s+(?:is|would\s+be|seems)\s+(?:the\s+)?(?:correct|right|best)`,
      'gi',
    ),
    // Bold or bracketed capitals: "**D**", "**(B)**", "**C. Paris**", "(C)".
    marked: new RegExp(
      String.raw`(?:\*\*|__)\s*\(?([${L}])(?:\)?[.):]?\s*|[.):]\s+[^*_\n]{1,80})(?:\*\*|__)|\(([${L}])\)`,
      'g',
    ),
    bare: new RegExp(String.raw`(?<![A-Za-z0-9'’\-])([${L}])(?![A-Za-z0-9'’\-])`, 'g'),
  };
  letterPatternCache.set(L, p);
  return p;
}

const DOT_WORD = /^\.\w/;
const WRAPPED_A = /[(*[_]\s*A$/;
const LOWER_WORD = /^\s+[a-z]/;

/**
 * The chosen letter (upper case) among `letters` (default A-E), or undefined. Order of
 * evidence: the last explicit statement ("The answer is B.", "Answer: (C)", "\boxed{D}",
 * "B is correct"); else the last bold or bracketed letter ("**D**", "(C)"); else the last
 * standalone capital letter that is not the article "A" starting a phrase.
 */
export function extractLetter(raw: string, letters = 'ABCDE'): string | undefined {
  const text = stripReasoning(raw).replace(TEXT_MACRO, '$1');
  const re = letterPatterns(letterClass(letters));
  // Only "a" is an English word among a-e; "A" starts phrases ("A good choice"); "e.g." is not E.
  const ok = (m: RegExpExecArray, group = 1): string | undefined => {
    const v = m[group]!;
    const after = text.slice(m.index + m[0].length);
    if (DOT_WORD.test(after)) return undefined;
    const wrapped = WRAPPED_A.test(m[0].trimEnd());
    if ((v === 'a' || v === 'A') && !wrapped && LOWER_WORD.test(after)) return undefined;
    return v.toUpperCase();
  };
  const explicit = [
    ...allMatches(re.explicit, text, (m) => ok(m)),
    ...allMatches(re.boxed, text, (m) => m[1]!.toUpperCase()),
    ...allMatches(re.isCorrect, text, (m) => ok(m)),
  ];
  const e = lastHit(explicit);
  if (e) return e.value;
  const k = lastHit(allMatches(re.marked, text, (m) => m[1] ?? m[2]));
  if (k) return k.value;
  return lastHit(allMatches(re.bare, text, (m) => ok(m)))?.value;
}

// A number: optional sign and $, thousands separators, decimals, exponent, or a fraction.
const NUM = String.raw`(?:(?<![\w).])[-−+]\s?)?[$€£]?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?(?:\s?\/\s?\d+(?:\.\d+)?)?|(?<![\w)])[-−+]?\.\d+`;

const NUM_RE = new RegExp(NUM, 'g');
const NUM_NOISE = /[\s$€£,]/g;
const FRACTION = /^([-+]?[\d.eE+-]+)\/([\d.]+)$/;
const LATEX_FRAC = /\\d?frac\{([^{}]+)\}\{([^{}]+)\}/g;
const BOXED = /\\boxed\{((?:[^{}]|\{[^{}]*\})*)\}/g;
const HASHES = /(?:^|\n)\s*####\s*([^\n]*)/g;
const LEAD_REST = new RegExp(String.raw`${ANSWER_LEAD}\s*([^\n]*)`, 'gi');

/** Parses one number token as NUM matches it (commas, $, unicode minus, a/b fractions). */
export function parseNumber(token: string): number | undefined {
  const s = token.replace(NUM_NOISE, '').replace('−', '-');
  const frac = FRACTION.exec(s);
  const v = frac ? Number(frac[1]) / Number(frac[2]) : Number(s);
  return Number.isFinite(v) ? v : undefined;
}

/** The number tokens of `text` in order (LaTeX fractions read as a/b), not yet parsed. */
function numberTokens(text: string): string[] {
  const withFracs = text.replace(LATEX_FRAC, ' $1/$2 ');
  const out: string[] = [];
  NUM_RE.lastIndex = 0;
  for (let m = NUM_RE.exec(withFracs); m !== null; m = NUM_RE.exec(withFracs)) out.push(m[0]);
  return out;
}

/**
 * The first (or last) token of `text` that parses as a number. Only the tokens needed are
 * parsed: a long reasoning trace holds many numbers and only one of them is the answer.
 */
function numberAt(text: string, end: 'first' | 'last'): number | undefined {
  const tokens = numberTokens(text);
  const n = tokens.length;
  for (let k = 0; k < n; k++) {
    const v = parseNumber(tokens[end === 'first' ? k : n - 1 - k]!);
    if (v !== undefined) return v + 0; // "-0" reads as 0
  }
  return undefined;
}

/**
 * The answer's number: the first number after the last explicit answer statement ("The
 * answer is $1,234.", "#### 72", "\boxed{3/4}", "Answer: -5"), else the last number in the text.
 */
export function extractNumber(raw: string): number | undefined {
  const text = stripReasoning(raw);
  const leads = [
    ...allMatches(BOXED, text, (m) => m[1]),
    ...allMatches(HASHES, text, (m) => m[1]),
    ...allMatches(LEAD_REST, text, (m) => m[1]),
  ];
  // Latest statement first; a statement with no number in it does not count.
  for (const h of leads.sort((a, b) => b.index - a.index)) {
    const first = numberAt(h.value, 'first');
    if (first !== undefined) return first;
  }
  return numberAt(text, 'last');
}

const PUNCTUATION = /[\p{P}\p{S}]/gu;
const ARTICLES = /\b(a|an|the)\b/g;
const SPACES = /\s+/g;

/** SQuAD-style normalisation: lower case, no punctuation, no articles, single spaces. */
export function normalizeAnswer(s: string): string {
  return s.toLowerCase().normalize('NFKC').replace(PUNCTUATION, ' ').replace(ARTICLES, ' ').replace(SPACES, ' ').trim();
}

const PHRASE_LEAD = /(?:final\s+)?answer\s*(?:is|:)\s*([^\n]*)/gi;
const SENTENCE_END = /\.(?=\s|$)/;
const LEADING_MARKS = /^[\s*_"'`]+/;
const TRAILING_MARKS = /[\s*_"'`]+$/;

/** The phrase after the last "The answer is" / "Answer:" up to the end of its sentence. */
export function extractAnswerPhrase(raw: string): string | undefined {
  const text = stripReasoning(raw);
  const hits = allMatches(PHRASE_LEAD, text, (m) => m[1]);
  const last = lastHit(hits);
  if (!last) return undefined;
  const phrase = last.value.replace(LEADING_MARKS, '');
  // End of sentence: a period followed by space or the end, but not a decimal point.
  const end = SENTENCE_END.exec(phrase);
  const out = (end ? phrase.slice(0, end.index) : phrase).replace(TRAILING_MARKS, '').trim();
  return out === '' ? undefined : out;
}
