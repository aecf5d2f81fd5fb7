/**
 * Parser for the Python literals RouterBench stores in CSV cells: `str(list_of_str)`, e.g.
 * `['What is 2+2?\nA) 3\nB) 4']` or `["It's here"]`. Handles single/double/triple quotes,
 * u/r/b prefixes, adjacent literal concatenation, a trailing comma and every Python string
 * escape. A bare string literal (no brackets) parses as a one-element list.
 */
import { WrpError } from '../core/errors.ts';

export class PythonLiteralError extends WrpError {
  override name = 'PythonLiteralError';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super('WRP_DATASET', `${message} at offset ${position}`);
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

class Reader {
  pos = 0;
  constructor(readonly s: string) {}
  skipSpace(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos]!)) this.pos++;
  }
  peek(): string | undefined {
    return this.s[this.pos];
  }
  fail(message: string): never {
    throw new PythonLiteralError(message, this.pos);
  }
}

function hexAt(r: Reader, len: number): string {
  const hex = r.s.slice(r.pos, r.pos + len);
  if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) r.fail(`bad \\x/\\u escape "${hex}"`);
  r.pos += len;
  const cp = parseInt(hex, 16);
  if (cp > 0x10ffff) r.fail(`code point ${hex} out of range`);
  return String.fromCodePoint(cp);
}

/** Decodes one escape; r.pos is just after the backslash. */
function escape(r: Reader): string {
  const c = r.s[r.pos];
  if (c === undefined) r.fail('unterminated escape');
  r.pos++;
  if (c in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[c]!;
  if (c === '\n') return ''; // line continuation
  if (c === 'x') return hexAt(r, 2);
  if (c === 'u') return hexAt(r, 4);
  if (c === 'U') return hexAt(r, 8);
  if (c >= '0' && c <= '7') {
    let oct = c;
    while (oct.length < 3 && /[0-7]/.test(r.s[r.pos] ?? '')) oct += r.s[r.pos++];
    return String.fromCharCode(parseInt(oct, 8));
  }
  // Python keeps unknown escapes (and \N{...}, which needs a name table) verbatim.
  return `\\${c}`;
}

/** One string literal (with optional prefix) starting at r.pos. */
function stringLiteral(r: Reader): string {
  const prefix = /^[uUrRbB]{0,2}/.exec(r.s.slice(r.pos, r.pos + 2))![0];
  const raw = /[rR]/.test(prefix);
  r.pos += prefix.length;
  const q = r.peek();
  if (q !== "'" && q !== '"') r.fail('expected a string literal');
  const triple = r.s.startsWith(q.repeat(3), r.pos);
  const close = triple ? q.repeat(3) : q;
  r.pos += close.length;
  let out = '';
  for (;;) {
    if (r.pos >= r.s.length) r.fail('unterminated string');
    if (r.s.startsWith(close, r.pos)) {
      r.pos += close.length;
      return out;
    }
    const c = r.s[r.pos]!;
    if (c === '\n' && !triple) r.fail('newline inside a single-quoted string');
    r.pos++;
    if (c !== '\\') out += c;
    else if (raw) out += c + (r.s[r.pos++] ?? '');
    else out += escape(r);
  }
}

/** A string item: one or more adjacent literals, concatenated as Python does. */
function stringItem(r: Reader): string {
  let out = stringLiteral(r);
  for (;;) {
    r.skipSpace();
    const next = r.s.slice(r.pos, r.pos + 3);
    if (!/^[uUrRbB]{0,2}['"]/.test(next)) return out;
    out += stringLiteral(r);
  }
}

/** Parses a Python list (or tuple) of strings; throws PythonLiteralError with the offset. */
export function parsePythonStringList(text: string): string[] {
  const r = new Reader(text);
  r.skipSpace();
  const open = r.peek();
  if (open !== '[' && open !== '(') {
    const only = stringItem(r);
    r.skipSpace();
    if (r.pos !== text.length) r.fail('unexpected text after the string');
    return [only];
  }
  const closeCh = open === '[' ? ']' : ')';
  r.pos++;
  const items: string[] = [];
  for (;;) {
    r.skipSpace();
    if (r.peek() === closeCh) {
      r.pos++;
      break;
    }
    items.push(stringItem(r));
    r.skipSpace();
    const sep = r.peek();
    if (sep === ',') r.pos++;
    else if (sep !== closeCh) r.fail(`expected "," or "${closeCh}"`);
  }
  r.skipSpace();
  if (r.pos !== text.length) r.fail('unexpected text after the list');
  return items;
}
