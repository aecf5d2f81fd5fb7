/**
 * Reading an answer out of free model text: a multiple-choice letter, a number, or a short
 * answer phrase. Real models wrap answers in markdown, LaTeX \boxed{}, parentheses, or
 * restate them; an explicit answer statement wins over any letter or number that merely
 * appears in the reasoning, and the last such statement wins (models correct themselves).
 */

/** Drops `<think>...</think>` blocks (and an unclosed leading one) that reasoning models emit inline. */
export function stripReasoning(text: string): string {
  let out = text.replace(/<think>[\s\S]*?<\/think>/gi, ' ');
  const close = out.search(/<\/think>/i); // "<think>" sent in the prompt, only the close in the answer
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

function allMatches(re: RegExp, text: string, accept: (m: RegExpExecArray) => string | undefined): Hit[] {
  const out: Hit[] = [];
  for (const m of text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g'))) {
    const v = accept(m);
    if (v !== undefined) out.push({ value: v, index: m.index });
  }
  return out;
}

function letterClass(letters: string): string {
  return letters.replace(/[^A-Za-z]/g, '').toUpperCase();
}

/**
 * The chosen letter (upper case) among `letters` (default A-E), or undefined. Order of
 * evidence: the last explicit statement ("The answer is B.", "Answer: (C)", "\boxed{D}",
 * "B is correct"); else the last bold or bracketed letter ("**D**", "(C)"); else the last
 * standalone capital letter that is not the article "A" starting a phrase.
 */
export function extractLetter(raw: string, letters = 'ABCDE'): string | undefined {
  const text = stripReasoning(raw).replace(/\\text(?:bf)?\{([^}]*)\}/g, '$1');
  const L = letterClass(letters);
  const set = `[${L}${L.toLowerCase()}]`;
  // Only "a" is an English word among a-e; "A" starts phrases ("A good choice"); "e.g." is not E.
  const ok = (m: RegExpExecArray, group = 1): string | undefined => {
    const v = m[group]!;
    const after = text.slice(m.index + m[0].length);
    if (/^\.\w/.test(after)) return undefined;
    const wrapped = /[(*[_]\s*A$/.test(m[0].trimEnd());
    if ((v === 'a' || v === 'A') && !wrapped && /^\s+[a-z]/.test(after)) return undefined;
    return v.toUpperCase();
  };
  const explicit = [
    ...allMatches(
      new RegExp(String.raw`${ANSWER_LEAD}\s*(?:option|choice|letter)?\s*[(\[*_"']*\s*(${set})(?![A-Za-z0-9])`, 'i'),
      text,
      (m) => ok(m),
    ),
    ...allMatches(new RegExp(String.raw`\\boxed\{\s*\(?(${set})\)?\s*\}`), text, (m) => m[1]!.toUpperCase()),
    ...allMatches(
      new RegExp(
        String.raw`(?<![A-Za-z0-9])[(\[*]*(${set})[)\]*]*\s+(?:is|would\s+be|seems)\s+(?:the\s+)?(?:correct|right|best)`,
        'i',
      ),
      text,
      (m) => ok(m),
    ),
  ];
  const e = lastHit(explicit);
  if (e) return e.value;
  // Bold or bracketed capitals: "**D**", "**(B)**", "**C. Paris**", "(C)".
  const marked = allMatches(
    new RegExp(
      String.raw`(?:\*\*|__)\s*\(?([${L}])(?:\)?[.):]?\s*|[.):]\s+[^*_\n]{1,80})(?:\*\*|__)|\(([${L}])\)`,
      'g',
    ),
    text,
    (m) => m[1] ?? m[2],
  );
  const k = lastHit(marked);
  if (k) return k.value;
  const bare = allMatches(new RegExp(String.raw`(?<![A-Za-z0-9'’\-])([${L}])(?![A-Za-z0-9'’\-])`, 'g'), text, (m) =>
    ok(m),
  );
  return lastHit(bare)?.value;
}

// A number: optional sign and $, thousands separators, decimals, exponent, or a fraction.
const NUM = String.raw`(?:(?<![\w).])[-−+]\s?)?[$€£]?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?(?:\s?\/\s?\d+(?:\.\d+)?)?|(?<![\w)])[-−+]?\.\d+`;

/** Parses one number token as NUM matches it (commas, $, unicode minus, a/b fractions). */
export function parseNumber(token: string): number | undefined {
  const s = token.replace(/[\s$€£,]/g, '').replace('−', '-');
  const frac = /^([-+]?[\d.eE+-]+)\/([\d.]+)$/.exec(s);
  const v = frac ? Number(frac[1]) / Number(frac[2]) : Number(s);
  return Number.isFinite(v) ? v : undefined;
}

function numbersIn(text: string): Hit[] {
  const withFracs = text.replace(/\\d?frac\{([^{}]+)\}\{([^{}]+)\}/g, ' $1/$2 ');
  return allMatches(new RegExp(NUM, 'g'), withFracs, (m) => {
    const v = parseNumber(m[0]);
    return v === undefined ? undefined : String(v);
  });
}

/**
 * The answer's number: the first number after the last explicit answer statement ("The
 * answer is $1,234.", "#### 72", "\boxed{3/4}", "Answer: -5"), else the last number in the text.
 */
export function extractNumber(raw: string): number | undefined {
  const text = stripReasoning(raw);
  const leads = [
    ...allMatches(/\\boxed\{((?:[^{}]|\{[^{}]*\})*)\}/g, text, (m) => m[1]),
    ...allMatches(/(?:^|\n)\s*####\s*([^\n]*)/g, text, (m) => m[1]),
    ...allMatches(new RegExp(String.raw`${ANSWER_LEAD}\s*([^\n]*)`, 'gi'), text, (m) => m[1]),
  ];
  // Latest statement first; a statement with no number in it does not count.
  for (const h of leads.sort((a, b) => b.index - a.index)) {
    const first = numbersIn(h.value)[0];
    if (first) return Number(first.value);
  }
  const last = lastHit(numbersIn(text));
  return last ? Number(last.value) : undefined;
}

/** SQuAD-style normalisation: lower case, no punctuation, no articles, single spaces. */
export function normalizeAnswer(s: string): string {
  return s
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[\p{P}\p{S}]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The phrase after the last "The answer is" / "Answer:" up to the end of its sentence. */
export function extractAnswerPhrase(raw: string): string | undefined {
  const text = stripReasoning(raw);
  const hits = allMatches(/(?:final\s+)?answer\s*(?:is|:)\s*([^\n]*)/gi, text, (m) => m[1]);
  const last = lastHit(hits);
  if (!last) return undefined;
  const phrase = last.value.replace(/^[\s*_"'`]+/, '');
  // End of sentence: a period followed by space or the end, but not a decimal point.
  const end = /\.(?=\s|$)/.exec(phrase);
  const out = (end ? phrase.slice(0, end.index) : phrase).replace(/[\s*_"'`]+$/, '').trim();
  return out === '' ? undefined : out;
}
