/**
 * Evaluators that compare the answer text with labels.reference: mc_letter, numeric,
 * exact_match, regex. All share the same frame: a failed request scores 0 (verdict failed),
 * a request without reference gets no quality, an answer with nothing to read scores 0.
 */
import type { Evaluation } from '../types.ts';
import { extractAnswerPhrase, extractLetter, extractNumber, normalizeAnswer, parseNumber } from './extract.ts';
import { failedEvaluation, type EvalInput, type Evaluator } from './types.ts';

type Judge = (text: string, reference: string, input: EvalInput) => { quality: number; detail?: string };

/** Wraps a judge of (answer, reference) into an Evaluator with the shared failure rules. */
function referenceEvaluator(name: string, judge: Judge, needsReference = true): Evaluator {
  return {
    name,
    async evaluate(input: EvalInput): Promise<Evaluation> {
      if (!input.record.ok) return failedEvaluation(name, input.record);
      const ref = input.labels.reference;
      if (needsReference && (ref === undefined || ref.trim() === ''))
        return { evaluator: name, detail: 'no reference' };
      const { quality, detail } = judge(input.text, ref ?? '', input);
      return detail === undefined ? { quality, evaluator: name } : { quality, evaluator: name, detail };
    },
  };
}

export interface McLetterOptions {
  /** The allowed choice letters, default "ABCDE". */
  letters?: string;
}

/** A reference's letter: its leading "B", "(b)", "B. Paris", else any letter an answer would show. */
function referenceLetter(reference: string, letters: string): string | undefined {
  const lead = /^\s*[([]?\s*([A-Za-z])\s*(?:[)\].:]|$|\s)/.exec(reference)?.[1]?.toUpperCase();
  if (lead !== undefined && letters.toUpperCase().includes(lead)) return lead;
  return extractLetter(reference, letters);
}

export function mcLetterEvaluator(opts: McLetterOptions = {}): Evaluator {
  const letters = opts.letters ?? 'ABCDE';
  return referenceEvaluator('mc_letter', (text, reference) => {
    // References come as "B", "(B)", "b" or "B. Paris": read them like answers.
    const want = referenceLetter(reference, letters);
    if (want === undefined)
      return { quality: 0, detail: `reference ${JSON.stringify(reference)} is not a letter in ${letters}` };
    const got = extractLetter(text, letters);
    if (got === undefined) return { quality: 0, detail: 'no letter found' };
    return { quality: got === want ? 1 : 0, detail: `answered ${got}, reference ${want}` };
  });
}

export interface NumericOptions {
  /** Relative tolerance (as Python's math.isclose): default 1e-6. */
  relTol?: number;
  /** Absolute tolerance: default 1e-9. */
  absTol?: number;
}

/** True when a and b agree within max(absTol, relTol * max(|a|, |b|)). */
export function numbersClose(a: number, b: number, relTol: number, absTol: number): boolean {
  return Math.abs(a - b) <= Math.max(absTol, relTol * Math.max(Math.abs(a), Math.abs(b)));
}

export function numericEvaluator(opts: NumericOptions = {}): Evaluator {
  const relTol = opts.relTol ?? 1e-6;
  const absTol = opts.absTol ?? 1e-9;
  return referenceEvaluator('numeric', (text, reference) => {
    const want = extractNumber(reference) ?? parseNumber(reference);
    if (want === undefined) return { quality: 0, detail: `reference ${JSON.stringify(reference)} is not a number` };
    const got = extractNumber(text);
    if (got === undefined) return { quality: 0, detail: 'no number found' };
    return { quality: numbersClose(got, want, relTol, absTol) ? 1 : 0, detail: `answered ${got}, reference ${want}` };
  });
}

export interface ExactMatchOptions {
  /** Also accept when the normalised reference occurs as whole words in the normalised text. Default false. */
  contains?: boolean;
}

/**
 * Normalised (lower case, no punctuation or articles) equality of the reference with the
 * stated answer ("The answer is X." / "Answer: X"), else with the whole text.
 */
export function exactMatchEvaluator(opts: ExactMatchOptions = {}): Evaluator {
  return referenceEvaluator('exact_match', (text, reference) => {
    const want = normalizeAnswer(reference);
    const phrase = extractAnswerPhrase(text);
    const candidates = [phrase, text].filter((c): c is string => c !== undefined).map(normalizeAnswer);
    if (candidates.some((c) => c === want)) return { quality: 1 };
    if (opts.contains && want !== '' && ` ${normalizeAnswer(text)} `.includes(` ${want} `))
      return { quality: 1, detail: 'contained' };
    return {
      quality: 0,
      detail: phrase === undefined ? 'no match' : `answered ${JSON.stringify(phrase.slice(0, 80))}`,
    };
  });
}

export interface RegexOptions {
  pattern: string;
  flags?: string;
  /** Capture group (index or name) compared, normalised, to the reference; absent: the match itself is the verdict. */
  group?: number | string;
}

/**
 * With `group`: the group of the last match is compared (normalised) with the reference.
 * Without: quality 1 when the pattern matches, else 0 (no reference needed, e.g. a format check).
 */
export function regexEvaluator(opts: RegexOptions): Evaluator {
  const flags = (opts.flags ?? '').replace(/g/g, '') + 'g';
  const re = new RegExp(opts.pattern, flags);
  const group = opts.group;
  const judge: Judge = (text, reference) => {
    const matches = [...text.matchAll(re)];
    if (group === undefined) return { quality: matches.length > 0 ? 1 : 0 };
    const last = matches.at(-1);
    const got = last === undefined ? undefined : typeof group === 'number' ? last[group] : last.groups?.[group];
    if (got === undefined) return { quality: 0, detail: 'no match' };
    const equal = normalizeAnswer(got) === normalizeAnswer(reference);
    return { quality: equal ? 1 : 0, detail: `captured ${JSON.stringify(got.slice(0, 80))}` };
  };
  return referenceEvaluator('regex', judge, group !== undefined);
}
