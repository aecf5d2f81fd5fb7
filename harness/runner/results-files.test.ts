import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { describeRead, dropTornTail, readJsonlAll as readJsonl, scanJsonl } from './results-reader.ts';
import { JsonlWriter } from './results-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'wrp-jsonl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string) => {
  const f = join(dir, `f${n++}.jsonl`);
  writeFileSync(f, text);
  return f;
};

describe('scanJsonl (through readJsonlAll)', () => {
  it('reads complete lines and reports a clean file as such', async () => {
    const r = await readJsonl(file('{"a":1}\n{"a":2}\n'));
    expect(r.values).toEqual([{ a: 1 }, { a: 2 }]);
    expect(r.report).toMatchObject({ lines: 2, tornBytes: 0, invalidLines: [] });
    expect(describeRead(r.report)).toBe('');
  });

  it('drops a torn last line (unterminated, or invalid) and can cut it off for appending', async () => {
    const f = file('{"a":1}\n{"a":2}\n{"a":3,"b":"x');
    const r = await readJsonl(f);
    expect(r.values).toHaveLength(2);
    expect(r.report.tornBytes).toBe(13);
    expect(describeRead(r.report)).toMatch(/2 valid lines; torn last line dropped \(13 bytes\)/);
    expect(dropTornTail(r.report)).toBe(true);
    appendFileSync(f, '{"a":4}\n');
    expect((await readJsonl(f)).values).toEqual([{ a: 1 }, { a: 2 }, { a: 4 }]);
    // A complete JSON text the kill left without its newline is torn too: it may be cut short.
    expect((await readJsonl(file('{"a":1}\n{"a":2}'))).report).toMatchObject({ lines: 1, tornBytes: 7 });
    expect((await readJsonl(file('{"a":1}\n12\n'))).report).toMatchObject({ lines: 1, tornBytes: 3 });
  });

  it('skips and reports corruption before the last line, and records failing the check', async () => {
    const r = await readJsonl(file('{"a":1}\nnot json\n{"b":1}\n\n{"a":3}\n'), (v) => 'a' in v);
    expect(r.values).toEqual([{ a: 1 }, { a: 3 }]);
    expect(r.report).toMatchObject({ lines: 2, tornBytes: 0, invalidLines: [2, 3], invalidCount: 2 });
  });

  it('a missing file reads as empty', async () => {
    expect((await readJsonl(join(dir, 'nope.jsonl'))).report).toMatchObject({ lines: 0, tornBytes: 0 });
  });

  it('any cut of a valid file keeps exactly the lines before the cut', async () => {
    const objs = Array.from({ length: 20 }, (_, i) => ({ i, s: 'é😀'.repeat(i % 3), nested: { k: [i] } }));
    const full = Buffer.from(objs.map((o) => JSON.stringify(o) + '\n').join(''));
    const f = join(dir, 'cut.jsonl');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: full.length }), async (cut) => {
        writeFileSync(f, full.subarray(0, cut));
        const r = await readJsonl<{ i: number }>(f);
        const complete = full.subarray(0, cut).toString('latin1').split('\n').length - 1;
        expect(r.values.map((v) => v.i)).toEqual(objs.slice(0, complete).map((o) => o.i));
        expect(r.report.validBytes + r.report.tornBytes).toBe(cut);
      }),
      { numRuns: 200 },
    );
  });
});

describe('scanJsonl read buffer', () => {
  it('lines across read boundaries and longer than the buffer read the same as whole, with their file spans', async () => {
    const f = join(dir, 'chunks.jsonl');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ s: fc.string({ unit: 'binary', maxLength: 40 }), n: fc.integer() }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 64 }),
        fc.constantFrom('', '\n', '{"torn":'),
        async (objs, chunk, tail) => {
          const text = objs.map((o) => JSON.stringify(o) + '\n').join('') + tail;
          writeFileSync(f, text);
          const raw = readFileSync(f);
          const seen: unknown[] = [];
          const report = await scanJsonl(
            f,
            (v, span) => {
              seen.push(v);
              expect(JSON.parse(raw.subarray(span.offset, span.offset + span.length).toString('utf8'))).toEqual(v);
            },
            undefined,
            chunk,
          );
          expect(seen).toEqual(objs);
          expect(report.lines).toBe(objs.length);
          expect(report.tornBytes).toBe(tail === '{"torn":' ? tail.length : 0);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('JsonlWriter', () => {
  it('flushes on its own while open (a killed run keeps what it had), and appends', async () => {
    const f = join(dir, 'w.jsonl');
    const w = new JsonlWriter(f);
    w.write({ x: 1 });
    // Generous: the writer flushes every second; a loaded machine may be late.
    for (let i = 0; i < 100 && !(existsSync(f) && statSync(f).size > 0); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(f, 'utf8')).toBe('{"x":1}\n');
    await w.close();
    await w.close(); // idempotent
    const again = new JsonlWriter(f);
    again.write({ x: 2 });
    await again.close();
    expect(readFileSync(f, 'utf8')).toBe('{"x":1}\n{"x":2}\n');
    expect(() => again.write({ x: 3 })).toThrow(/write after close/);
  });
});
