import { afterEach, describe, expect, it, vi } from 'vitest';
import { warnOnMissingQuality } from './train.ts';

describe('wrp train on a log', () => {
  afterEach(() => vi.restoreAllMocks());

  it('says when more than a fifth of the records carry no quality verdict, and what that means', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(warnOnMissingQuality([{ quality: 1 }, {}, {}, { quality: 0 }])).toBe(2);
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0]![0])).toMatch(
      /^warning: 2 of 4 records \(50%\) have no quality verdict: .*feedback\.llm_judge/,
    );
    log.mockClear();
    expect(warnOnMissingQuality([{ quality: 1 }, { quality: 0 }, { quality: 1 }, { quality: 1 }, {}])).toBe(1);
    expect(log).not.toHaveBeenCalled(); // 20%: within the threshold
  });
});
