import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyChatTemplate, blockHashes, countTokens, fnv1a32, hashString53, tokenize } from './tokenizer.ts';

const ENGLISH = `Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.
How many clips did Natalia sell altogether in April and May? Think carefully about the arithmetic,
because the intermediate quantities matter: the total is the sum of both months' sales.`;

const SYSTEM =
  'You are a helpful assistant for a large retail company. '.repeat(12) +
  'Answer questions about orders, refunds and shipping politely and concisely.';

describe('tokenize', () => {
  it('is deterministic, with pinned ids (stable across runs and platforms)', () => {
    expect(Array.from(tokenize(ENGLISH))).toEqual(Array.from(tokenize(ENGLISH)));
    // FNV-1a 32-bit reference values: "a" -> 0xe40c292c, "foobar" -> 0xbf9cf968.
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect(Array.from(tokenize('Hello world'))).toEqual([fnv1a32('Hello'), fnv1a32(' world')]);
  });

  it('countTokens agrees with tokenize on any text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => countTokens(s) === tokenize(s).length));
    expect(countTokens(ENGLISH)).toBe(tokenize(ENGLISH).length);
  });

  it('gives sane counts on English (between chars/6 and chars/2)', () => {
    const n = countTokens(ENGLISH);
    expect(n).toBeGreaterThan(ENGLISH.length / 6);
    expect(n).toBeLessThan(ENGLISH.length / 2);
  });

  it('follows the documented splitting rules', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('cat')).toBe(1);
    expect(countTokens(' internationalization')).toBe(5); // 20 letters in 4-letter pieces
    expect(countTokens('1234567')).toBe(3); // 3-digit groups
    expect(countTokens('a, b')).toBe(3); // "a" "," " b"
    expect(countTokens('中文测试')).toBe(4); // one per CJK character
    expect(countTokens('<|eot_id|>')).toBe(1); // special token
    expect(countTokens('😀')).toBe(1); // one code point
    expect(countTokens('word.')).toBe(2); // punctuation is its own token
  });
});

describe('applyChatTemplate', () => {
  it('renders a Llama-3 style prompt with a generation prompt', () => {
    const s = applyChatTemplate([{ role: 'user', content: ' hi ' }]);
    expect(s).toBe(
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });
});

describe('blockHashes', () => {
  it('hashes full blocks only, deterministically, as safe integers', () => {
    const toks = tokenize(ENGLISH);
    const h = blockHashes(toks, 16);
    expect(h).toHaveLength(Math.floor(toks.length / 16));
    expect(blockHashes(toks, 16)).toEqual(h);
    for (const x of h) expect(Number.isSafeInteger(x) && x >= 0).toBe(true);
    expect(blockHashes(toks.slice(0, 15), 16)).toEqual([]);
    expect(() => blockHashes(toks, 0)).toThrow(RangeError);
  });

  it('chains: a block hash depends on every earlier block', () => {
    const a = Array.from({ length: 64 }, (_, i) => i);
    const b = [...a];
    b[3] = 999; // differs in block 0 only
    const ha = blockHashes(a, 16);
    const hb = blockHashes(b, 16);
    for (let i = 0; i < 4; i++) expect(hb[i]).not.toBe(ha[i]);
    // Same block content at a different position (different parent) hashes differently.
    const rep = blockHashes(new Array(32).fill(7), 16);
    expect(rep[0]).not.toBe(rep[1]);
  });

  it('two chats with the same system prompt share their first blocks, then differ', () => {
    const chatA = applyChatTemplate([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'Where is my order 1234?' },
    ]);
    const chatB = applyChatTemplate([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'Can I get a refund for a broken lamp?' },
    ]);
    const prefixTokens = countTokens(
      applyChatTemplate([{ role: 'system', content: SYSTEM }]).replace(
        /<\|start_header_id\|>assistant<\|end_header_id\|>\n\n$/,
        '',
      ),
    );
    const ta = tokenize(chatA);
    const tb = tokenize(chatB);
    const ha = blockHashes(ta, 16);
    const hb = blockHashes(tb, 16);
    const shared = Math.floor(prefixTokens / 16);
    expect(shared).toBeGreaterThan(3);
    expect(ha.slice(0, shared)).toEqual(hb.slice(0, shared));
    const n = Math.min(ha.length, hb.length);
    let firstDiff = 0;
    while (firstDiff < n && ha[firstDiff] === hb[firstDiff]) firstDiff++;
    expect(firstDiff).toBeLessThan(n); // they do differ after the shared prefix...
    expect(firstDiff).toBeLessThanOrEqual(shared + 1); // ...from the first block holding the user turn
    for (let i = firstDiff; i < n; i++) expect(ha[i]).not.toBe(hb[i]); // and every later block
  });

  it('text prefixes give token prefixes at special-token boundaries', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), (x, y) => {
        const a = Array.from(tokenize(`${x}<|eot_id|>`));
        const b = Array.from(tokenize(`${x}<|eot_id|>${y}`));
        return a.every((t, i) => b[i] === t);
      }),
    );
  });
});

describe('hashString53', () => {
  it('is deterministic, seed-dependent and a safe integer', () => {
    expect(hashString53('abc')).toBe(hashString53('abc'));
    expect(hashString53('abc', 1)).not.toBe(hashString53('abc', 2));
    expect(Number.isSafeInteger(hashString53('x'.repeat(100)))).toBe(true);
  });
});
