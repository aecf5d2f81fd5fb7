import { describe, expect, it } from 'vitest';
import { parsePythonStringList, PythonLiteralError } from './python-literal.ts';

describe('parsePythonStringList', () => {
  it('parses single- and double-quoted items with escapes', () => {
    expect(parsePythonStringList(`['a\\nb', "it's", 'say \\'hi\\'', 'back\\\\slash']`)).toEqual([
      'a\nb',
      "it's",
      "say 'hi'",
      'back\\slash',
    ]);
  });
  it('decodes hex, unicode, octal and keeps unknown escapes', () => {
    expect(parsePythonStringList(`['\\x41\\u00e9\\U0001F600\\101\\d']`)).toEqual(['A\u00e9\u{1F600}A\\d']);
  });
  it('handles raw, prefixed, triple-quoted and concatenated literals, tuples and trailing commas', () => {
    expect(parsePythonStringList(`(r'a\\n', u"b" 'c', '''x\ny''',)`)).toEqual(['a\\n', 'bc', 'x\ny']);
  });
  it('reads a bare string and an empty list', () => {
    expect(parsePythonStringList(`'solo'`)).toEqual(['solo']);
    expect(parsePythonStringList(' [ ] ')).toEqual([]);
  });
  it('throws with the offset on malformed input', () => {
    expect(() => parsePythonStringList(`['open`)).toThrow(PythonLiteralError);
    expect(() => parsePythonStringList(`['a' 1]`)).toThrow(/expected "," or "]" at offset 5/);
    expect(() => parsePythonStringList(`['a'] tail`)).toThrow(/after the list/);
  });
});
