import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../datasets/paths.ts';
import { loadRequestTrace } from './trace-requests.ts';
import { loadTrace } from './trace.ts';

const dir = mkdtempSync(join(tmpdir(), 'wrp-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('Mooncake traces', () => {
  it('reads timestamps (ms), lengths and hash_ids, sorted and rebased, counting bad rows', () => {
    const t = loadRequestTrace(
      file(
        'm.jsonl',
        [
          '{"timestamp": 3052, "input_length": 2287, "output_length": 316, "hash_ids": [0, 42, 43, 44]}',
          '{"timestamp": 1000, "input_length": 655, "output_length": 52, "hash_ids": [46]}',
          'not json',
          '{"timestamp": 1500, "output_length": 5}',
          '{"timestamp": 1600, "input_length": 10, "output_length": 5, "hash_ids": ["x"]}',
        ].join('\n'),
      ),
      'mooncake',
    );
    expect(t.requests).toEqual([
      { atS: 0, inputTokens: 655, outputTokens: 52, hashIds: [46] },
      { atS: 2.052, inputTokens: 2287, outputTokens: 316, hashIds: [0, 42, 43, 44] },
    ]);
    expect(t.rowsRead).toBe(5);
    expect(t.skipped).toEqual({
      'not JSON': 1,
      'no input_length': 1,
      'hash_ids not a list of non-negative integers': 1,
    });
  });

  it('reads the shipped sample', () => {
    const t = loadRequestTrace(join(PROJECT_ROOT, 'experiments/learning/traces/mooncake-sample.jsonl'), 'mooncake');
    expect(t.requests).toHaveLength(400);
    expect(t.requests.every((r) => r.hashIds!.length === Math.floor(r.inputTokens / 512))).toBe(true);
  });
});

describe('BurstGPT traces', () => {
  const csv = [
    'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type',
    '5,ChatGPT,472,18,490,Conversation log',
    '9,GPT-4,1200,300,1500,Conversation log',
    '12,ChatGPT,300,0,300,Conversation log',
    '20,ChatGPT,,10,10,Conversation log',
  ].join('\n');

  it('reads seconds and token counts, filters by model, skips failed rows', () => {
    const t = loadRequestTrace(file('b.csv', csv), 'burstgpt', { model: 'ChatGPT', scale: 0.5 });
    expect(t.requests).toEqual([{ atS: 0, inputTokens: 472, outputTokens: 18 }]);
    expect(t.skipped).toEqual({
      'Model is not ChatGPT': 1,
      'failed request (0 Response tokens)': 1,
      'no Request tokens': 1,
    });
  });

  it('names a file that is not a BurstGPT CSV', () => {
    expect(() => loadRequestTrace(file('c.csv', 'a,b\n1,2\n'), 'burstgpt')).toThrow(
      /c\.csv: not a BurstGPT CSV: no column "Timestamp"/,
    );
    expect(() => loadRequestTrace(file('d.jsonl', 'nope\n'), 'mooncake')).toThrow(
      /no usable mooncake request in 1 rows/,
    );
  });
});

describe('the plain trace arrival (wrp run)', () => {
  it('replays the send times of either format through its column option', () => {
    const dir = join(PROJECT_ROOT, 'experiments/learning/traces');
    const m = loadTrace(join(dir, 'mooncake-sample.jsonl'), { column: 'timestamp', unit: 'ms' });
    expect(m.times).toEqual(
      loadRequestTrace(join(dir, 'mooncake-sample.jsonl'), 'mooncake').requests.map((r) => r.atS),
    );
    const b = loadTrace(join(dir, 'burstgpt-sample.csv'), { column: 'Timestamp' });
    expect(b.times).toHaveLength(400); // every row is an arrival, failed ones too
  });
});
