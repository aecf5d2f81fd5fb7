/**
 * Merges JSONL files that are each in order of a key into one file in that order (a k-way
 * merge), streaming: one line per file in memory at a time, lines written as they were read
 * (never re-serialised). Shards append records as they complete, so merging by completion
 * time gives the file one process would have written. A file out of order still merges
 * completely (every valid line once); only the order suffers.
 *
 * Lines that are not JSON objects, or that `accept` refuses (a torn last line, corruption),
 * are left out and counted per file.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface MergeCounts {
  /** Per input: lines kept, lines left out. */
  kept: number[];
  invalid: number[];
}

interface Head<T> {
  line: string;
  value: T;
  key: number;
}

/** Merges `inputs` into `out` by `key`; `visit` sees every line kept, in merged order, with the index of its file. */
export async function mergeJsonl<T>(
  inputs: string[],
  out: string,
  key: (v: T) => number,
  accept: (v: Record<string, unknown>) => boolean,
  visit: (value: T, input: number) => void = () => {},
): Promise<MergeCounts> {
  const counts: MergeCounts = { kept: inputs.map(() => 0), invalid: inputs.map(() => 0) };
  const readers = inputs.map((f) =>
    createInterface({ input: createReadStream(f), crlfDelay: Infinity })[Symbol.asyncIterator](),
  );
  /** The next valid line of input i, or undefined at its end. */
  const advance = async (i: number): Promise<Head<T> | undefined> => {
    for (;;) {
      const r = await readers[i]!.next();
      if (r.done) return undefined;
      const line = r.value;
      if (line.trim() === '') continue;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        counts.invalid[i]!++;
        continue;
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v) || !accept(v as Record<string, unknown>)) {
        counts.invalid[i]!++;
        continue;
      }
      return { line, value: v as T, key: key(v as T) };
    }
  };
  const heads = await Promise.all(inputs.map((_, i) => advance(i)));
  const sink = createWriteStream(out);
  let batch: string[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const ok = sink.write(batch.join('\n') + '\n');
    batch = [];
    if (!ok) await once(sink, 'drain');
  };
  try {
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h && (best < 0 || h.key < heads[best]!.key)) best = i;
      }
      if (best < 0) break;
      const h = heads[best]!;
      batch.push(h.line);
      counts.kept[best]!++;
      visit(h.value, best);
      if (batch.length >= 256) await flush();
      heads[best] = await advance(best);
    }
    await flush();
  } finally {
    await new Promise<void>((resolve, reject) => sink.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }
  return counts;
}
