import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { extractAnswer, responsePieces, wrongAnswer } from './answer-text.ts';

const norm = (s: string): string => s.replace(/\s+/g, '').toLowerCase();

describe('wrongAnswer', () => {
  it('never equals the reference (case/whitespace-insensitive), for any reference and salt', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.integer(),
        (ref, salt) => norm(wrongAnswer(ref, salt)) !== norm(ref),
      ),
      { numRuns: 2000 },
    );
    const kinds = fc.oneof(
      fc.constantFrom('A', 'B', 'C', 'D', 'E', 'a', 'e', ' C '),
      fc.integer({ min: -1e9, max: 1e9 }).map(String),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => x.toFixed(2)),
      fc.constantFrom('none of the above', 'None Of The Above', 'all of the above', '1,234', '99999999999999999999'),
    );
    fc.assert(
      fc.property(kinds, fc.double({ noNaN: true }), (ref, salt) => norm(wrongAnswer(ref, salt)) !== norm(ref)),
      { numRuns: 2000 },
    );
  });

  it('keeps the kind: letter -> letter, number -> number of another value', () => {
    for (let salt = 0; salt < 50; salt++) {
      expect(wrongAnswer('B', salt)).toMatch(/^[ACDE]$/);
      expect(wrongAnswer('b', salt)).toMatch(/^[acde]$/);
      const w = wrongAnswer('48', salt);
      expect(w).toMatch(/^\d+$/);
      expect(Number(w)).not.toBe(48);
      expect(Number(wrongAnswer('-3.25', salt))).not.toBe(-3.25);
      expect(wrongAnswer('Paris', salt)).not.toBe('Paris');
    }
    expect(wrongAnswer('48', 5)).toBe(wrongAnswer('48', 5)); // deterministic
    expect(new Set(Array.from({ length: 50 }, (_, s) => wrongAnswer('A', s))).size).toBeGreaterThan(1);
  });
});

describe('responsePieces', () => {
  it('returns exactly N pieces for any N, answer and salt', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 600 }),
        fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
        fc.integer(),
        (n, ans, salt) => {
          return responsePieces(n, ans, salt).length === n;
        },
      ),
    );
  });

  it('round-trips the answer through extractAnswer when there is room', () => {
    const answers = fc.oneof(
      fc.constantFrom('A', 'C', '72', '-3.5', '1,234', 'none of the above', 'x.y.z'),
      fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== '' && !s.includes('The answer is ')),
    );
    fc.assert(
      fc.property(answers, fc.integer({ min: 20, max: 500 }), fc.integer(), (ans, n, salt) => {
        const text = responsePieces(n, ans, salt).join('');
        return extractAnswer(text) === ans.trim() && text.trimEnd().endsWith('.');
      }),
      { numRuns: 1000 },
    );
  });

  it('reads as filler reasoning ending with the answer sentence', () => {
    const text = responsePieces(40, 'B', 3).join('');
    expect(text).toMatch(/^[A-Z]/); // no leading space on the first piece
    expect(text.endsWith(' The answer is B.')).toBe(true);
    expect(responsePieces(5, 'B', 3).join('')).toBe('The answer is B.');
    expect(extractAnswer(responsePieces(30, undefined, 1).join(''))).toBeUndefined();
  });

  it('models truncation: too few tokens cut the answer sentence', () => {
    expect(responsePieces(0, 'B', 1)).toEqual([]);
    const cut = responsePieces(4, 'B', 1).join('');
    expect(cut).toBe('The answer is B'); // the period is cut off
    expect(extractAnswer(cut)).toBeUndefined();
    expect(extractAnswer(responsePieces(2, 'B', 1).join(''))).toBeUndefined();
    // Laid out for 200 tokens, cut to 100 by max_tokens: the answer never comes.
    const capped = responsePieces(100, 'B', 1, 200);
    expect(capped).toHaveLength(100);
    expect(extractAnswer(capped.join(''))).toBeUndefined();
    expect(capped).toEqual(responsePieces(200, 'B', 1).slice(0, 100)); // a prefix of the full text
    expect(responsePieces(200, 'B', 1, 150)).toEqual(responsePieces(200, 'B', 1)); // natural < N: ignored
  });

  it('is deterministic and reuses filler strings', () => {
    expect(responsePieces(100, '7', 9)).toEqual(responsePieces(100, '7', 9));
    expect(responsePieces(100, '7', 9).join('')).not.toBe(responsePieces(100, '7', 10).join(''));
  });
});

describe('extractAnswer', () => {
  it('takes the last answer sentence', () => {
    expect(extractAnswer('The answer is A. On reflection, the answer is wrong. The answer is C.')).toBe('C');
    expect(extractAnswer('The answer is 3.5. Done')).toBe('3.5');
    expect(extractAnswer('no answer here')).toBeUndefined();
    expect(extractAnswer('The answer is .')).toBeUndefined();
  });
});
