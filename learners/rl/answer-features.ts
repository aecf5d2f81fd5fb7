/**
 * What a cascade can read from an answer it has already paid for (response-aware escalation,
 * FrugalGPT / AutoMix style): the option letter the answer gives, whether it is a single
 * clean letter, whether that letter is among the question's options, hedging, length, and
 * agreement with the answers of cheap "peer" models called alongside (answer consistency).
 *
 * answerVector() lays these out as a fixed-length vector: the layout depends only on the
 * categories, the number of peers and the hashed-answer width (the model stores them).
 */
import { hashNgramsInto } from '../features/hashing.ts';

export interface QuestionOptions {
  /** Option letters in order of appearance, upper case (`['A', 'B']`). */
  letters: string[];
  /** Lower-cased option text by letter (for answers that name the option instead of its letter). */
  texts: Record<string, string>;
}

const OPTION_LINE = /^\s*\(?([A-Ja-j])[).:]\s+(.+?)\s*$/;

/**
 * The options of the question a prompt ends with. Few-shot prompts repeat solved examples
 * before it, so only the text after the last blank line is read (all of it when that has
 * no option lines).
 */
export function questionOptions(prompt: string): QuestionOptions {
  const blocks = prompt.split(/\n\s*\n/);
  for (const text of [blocks[blocks.length - 1] ?? '', prompt]) {
    const letters: string[] = [];
    const texts: Record<string, string> = {};
    for (const line of text.split('\n')) {
      const m = OPTION_LINE.exec(line);
      if (!m) continue;
      const letter = m[1]!.toUpperCase();
      if (letters.includes(letter)) continue;
      letters.push(letter);
      texts[letter] = m[2]!.toLowerCase();
    }
    if (letters.length > 0) return { letters, texts };
  }
  return { letters: [], texts: {} };
}

export interface AnswerSignals {
  /** The option the answer picks, when one can be read. */
  letter?: string;
  /** The whole answer is one option letter (optionally `(B)`, `B)`, `B.`). */
  clean: boolean;
  /** A letter was read and the question lists it (false when the question lists no options). */
  inOptions: boolean;
  hedge: boolean;
  chars: number;
}

const CLEAN = /^\(?([A-Ja-j])\)?[.):]?$/;
const LEADING = /^\(?([A-J])[).:\s]/;
const STATED = /\banswer(?: is)?[:\s]+\(?([A-J])\b/i;
const HEDGE =
  /\b(maybe|perhaps|possibly|probably|not sure|unsure|unclear|i think|i believe|might|could be|cannot|can't|it depends)\b/i;

/** Reads an answer against the question's options. */
export function answerSignals(answer: string, options: QuestionOptions): AnswerSignals {
  const text = answer.trim();
  const clean = CLEAN.exec(text);
  let letter = clean?.[1]?.toUpperCase();
  if (letter === undefined) letter = (LEADING.exec(text) ?? STATED.exec(text))?.[1]?.toUpperCase();
  if (letter === undefined) {
    // One option letter standing alone somewhere in the text ("Maybe A, not sure").
    const alone = new Set(
      [...text.matchAll(/\b([A-J])\b/g)].map((m) => m[1]!).filter((l) => options.letters.includes(l)),
    );
    if (alone.size === 1) letter = [...alone][0];
  }
  if (letter === undefined && text.length >= 3) {
    // An answer naming an option's text (possibly cut short) picks that option, if only one matches.
    const low = text.toLowerCase();
    const hits = options.letters.filter((l) => options.texts[l]!.startsWith(low) || low === options.texts[l]);
    if (hits.length === 1) letter = hits[0];
  }
  return {
    ...(letter !== undefined ? { letter } : {}),
    clean: clean !== null,
    inOptions: letter !== undefined && options.letters.includes(letter),
    hedge: HEDGE.test(text),
    chars: text.length,
  };
}

export interface AnswerLayout {
  categories: string[];
  /** Peer models whose answers are compared with the answer being judged. */
  peers: number;
  /** Width of the hashed word/char n-grams of the answer text (0: none). */
  hashDim: number;
}

/** Option letters with their own one-hot slot (others share one). */
const LETTERS = ['A', 'B', 'C', 'D', 'E'];

export function answerDim(l: AnswerLayout): number {
  const cats = l.categories.length + 1;
  // bias, category, 5 shape flags, letters + other + none, per peer: agree/disagree per category + no peer letter.
  return 1 + cats + 5 + LETTERS.length + 2 + l.peers * (2 * cats + 1) + l.hashDim;
}

/**
 * The vector of one answer: bias; category one-hot (+ other); [clean, no letter, letter not
 * among the options, hedge, ln(1 + chars) / 5]; letter one-hot (A..E, other, none); per peer,
 * agreement and disagreement with the peer's letter, each per category (consistency means
 * more on some tasks than others), and "the peer gave no letter"; hashed n-grams of the text.
 */
export function answerVector(
  l: AnswerLayout,
  category: string,
  answer: AnswerSignals,
  text: string,
  peers: readonly (AnswerSignals | undefined)[],
): Float64Array {
  if (peers.length !== l.peers)
    throw new RangeError(`answerVector: expected ${l.peers} peer answers, got ${peers.length}`);
  const x = new Float64Array(answerDim(l));
  const cats = l.categories.length + 1;
  const ci = l.categories.indexOf(category);
  const cat = ci >= 0 ? ci : cats - 1;
  let o = 0;
  x[o++] = 1;
  x[o + cat] = 1;
  o += cats;
  x[o++] = answer.clean ? 1 : 0;
  x[o++] = answer.letter === undefined ? 1 : 0;
  x[o++] = answer.letter !== undefined && !answer.inOptions ? 1 : 0;
  x[o++] = answer.hedge ? 1 : 0;
  x[o++] = Math.log1p(answer.chars) / 5;
  const li = answer.letter === undefined ? LETTERS.length + 1 : LETTERS.indexOf(answer.letter);
  x[o + (li >= 0 ? li : LETTERS.length)] = 1;
  o += LETTERS.length + 2;
  for (const p of peers) {
    if (p?.letter !== undefined && answer.letter !== undefined)
      x[o + (p.letter === answer.letter ? 0 : cats) + cat] = 1;
    else x[o + 2 * cats] = 1;
    o += 2 * cats + 1;
  }
  if (l.hashDim > 0) hashNgramsInto(text, x, o, l.hashDim, [1], [2], 0x5eed);
  return x;
}
