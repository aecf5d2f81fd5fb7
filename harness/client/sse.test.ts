import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSseChunks, SseParser, type SseEvent } from './sse.ts';

const enc = new TextEncoder();

/** Splits bytes at the given cut points (any byte offset, even mid-character). */
function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

interface GenEvent {
  lines: string[];
  event?: string;
  id?: string;
  comment?: string;
}

// Field values: any text (multibyte included) without line breaks; ids without NUL.
const lineText = fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/[\r\n\0]/g, '_'));
const name = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }).map((s) => s.replace(/[\r\n\0]/g, '_'));
const genEvent: fc.Arbitrary<GenEvent> = fc.record(
  {
    lines: fc.array(lineText, { minLength: 1, maxLength: 3 }),
    event: name,
    id: name,
    comment: lineText,
  },
  { requiredKeys: ['lines'] },
);

function serialize(events: GenEvent[], eol: string): string {
  let s = '';
  for (const e of events) {
    if (e.comment !== undefined) s += `:${e.comment}${eol}`;
    if (e.event !== undefined) s += `event: ${e.event}${eol}`;
    if (e.id !== undefined) s += `id: ${e.id}${eol}`;
    // The space after the colon is stripped once, so a value starting with a space survives.
    for (const l of e.lines) s += `data: ${l}${eol}`;
    s += eol;
  }
  return s;
}

const expected = (events: GenEvent[]): SseEvent[] =>
  events.map((e) => ({ id: e.id, event: e.event, data: e.lines.join('\n') }));

describe('SseParser', () => {
  it('gives the same events for any split of a valid stream (LF, CR, CRLF)', () => {
    fc.assert(
      fc.property(
        fc.array(genEvent, { maxLength: 6 }),
        fc.constantFrom('\n', '\r', '\r\n'),
        fc.array(fc.nat(), { maxLength: 20 }),
        (events, eol, cuts) => {
          const bytes = enc.encode(serialize(events, eol));
          const whole = parseSseChunks([bytes]);
          expect(whole).toEqual(expected(events));
          expect(parseSseChunks(splitAt(bytes, cuts))).toEqual(whole);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('handles byte-at-a-time delivery', () => {
    const text = 'data: héllo €\r\ndata: 😀\r\n\r\n: ping\r\ndata: [DONE]\r\n\r\n';
    const bytes = enc.encode(text);
    const chunks = Array.from(bytes, (b) => Uint8Array.of(b));
    expect(parseSseChunks(chunks).map((e) => e.data)).toEqual(['héllo €\n😀', '[DONE]']);
  });

  it('joins CRLF split between chunks into one line break', () => {
    const chunks = ['data: a\r', '\ndata: b\r', '\n\r', '\n'].map((s) => enc.encode(s));
    expect(parseSseChunks(chunks).map((e) => e.data)).toEqual(['a\nb']);
  });

  it('dispatches a CR-only stream whose last byte is CR', () => {
    expect(parseSseChunks([enc.encode('data: x\r\rdata: y\r\r')]).map((e) => e.data)).toEqual(['x', 'y']);
  });

  it('handles mixed line endings within one stream', () => {
    const s = 'data: a\ndata: b\r\n\rdata: c\r\r\n\n';
    expect(parseSseChunks([enc.encode(s)]).map((e) => e.data)).toEqual(['a\nb', 'c']);
  });

  it('decodes a multibyte character split at every byte offset', () => {
    for (const ch of ['é', '€', '😀']) {
      const bytes = enc.encode(`data: <${ch}>\n\n`);
      for (let i = 1; i < bytes.length; i++) {
        expect(parseSseChunks(splitAt(bytes, [i]))[0]?.data).toBe(`<${ch}>`);
      }
    }
  });

  it('reports comments and skips them as events', () => {
    const comments: string[] = [];
    const events: SseEvent[] = [];
    const p = new SseParser(
      (e) => events.push(e),
      (c) => comments.push(c),
    );
    p.push(enc.encode(': keep-alive\n\ndata: {"x":1}\n\n'));
    p.end();
    expect(comments).toEqual(['keep-alive']);
    expect(events.map((e) => e.data)).toEqual(['{"x":1}']);
  });

  it('discards a final event that lacks its blank line', () => {
    expect(parseSseChunks([enc.encode('data: a\n\ndata: partial\n')]).map((e) => e.data)).toEqual(['a']);
  });

  it('strips one leading byte-order mark, however the stream is split', () => {
    fc.assert(
      fc.property(
        fc.array(genEvent, { minLength: 1, maxLength: 4 }),
        fc.constantFrom('\n', '\r', '\r\n'),
        fc.array(fc.nat(), { maxLength: 8 }),
        (events, eol, cuts) => {
          const bytes = enc.encode(`\ufeff${serialize(events, eol)}`);
          expect(parseSseChunks(splitAt(bytes, cuts))).toEqual(expected(events));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps a huge event whole across any split', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100_000, max: 1_500_000 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.constantFrom('\n', '\r\n'),
        (size, cuts, eol) => {
          const big = 'é€x'.repeat(Math.ceil(size / 3)).slice(0, size);
          const bytes = enc.encode(`: ping${eol}data: ${big}${eol}data: tail${eol}${eol}data: [DONE]${eol}${eol}`);
          const got = parseSseChunks(
            splitAt(
              bytes,
              cuts.map((c) => c * 7919),
            ),
          );
          expect(got.map((e) => e.data)).toEqual([`${big}\ntail`, '[DONE]']);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('with end(true), dispatches a final event whose lines are complete, never one cut mid-line', () => {
    const loose = (text: string, cuts: number[]) => {
      const got: SseEvent[] = [];
      const p = new SseParser((e) => got.push(e));
      for (const c of splitAt(enc.encode(text), cuts)) p.push(c);
      p.end(true);
      return got;
    };
    fc.assert(
      fc.property(
        fc.array(genEvent, { minLength: 1, maxLength: 4 }),
        fc.constantFrom('\n', '\r', '\r\n'),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.nat(),
        (events, eol, cuts, into) => {
          // The stream without its final blank line: strict parsing drops the last event, loose keeps it.
          const text = serialize(events, eol).slice(0, -eol.length);
          expect(parseSseChunks(splitAt(enc.encode(text), cuts))).toEqual(expected(events.slice(0, -1)));
          expect(loose(text, cuts)).toEqual(expected(events));
          // Cut inside the last data line (after its `data: `, before its line break): that event is dropped.
          const lineStart = text.lastIndexOf('data: ') + 'data: '.length;
          const lineEnd = text.length - eol.length;
          const cut = lineStart + (into % Math.max(1, lineEnd - lineStart));
          if (cut < lineEnd) expect(loose(text.slice(0, cut), cuts)).toEqual(expected(events.slice(0, -1)));
        },
      ),
      { numRuns: 500 },
    );
  });
});
