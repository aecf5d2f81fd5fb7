import { describe, expect, it } from 'vitest';
import { summaryLines, TERMINAL_WIDTH, wrap } from './print-summary.ts';
import type { RunSummary, SummaryRow } from './summary.ts';

const row = (over: SummaryRow): SummaryRow => ({
  requests: 12345,
  error_rate: 0.1234,
  ttft_p50_ms: 123.4,
  ttft_p99_ms: 123_456,
  tpot_p50_ms: 45.6,
  e2e_p99_ms: 98_765,
  goodput_share: 0.9876,
  quality: 0.5123,
  reward: 0.6789,
  cost_per_1k_req_usd: 12.3456,
  ...over,
});

const summary = {
  experiment: 'an-experiment-with-a-rather-long-name',
  sent: 12345,
  ok: 12000,
  failed: 300,
  cancelled: 45,
  durationS: 3600.5,
  stoppedBy: 'duration (3600 s)',
  notes: ['pool large: token frames reached clients up to 4.2 modelled steps late at p99; '.repeat(3)],
  tables: {
    overall: [row({ scope: 'all' })],
    pool: [row({ pool: 'a-pool-name-that-goes-on-and-on-and-on' }), row({ pool: 'small', quality: null })],
    policy: [row({ policy: 'beta_thompson' })],
    category: [row({ category: 'never printed on the terminal' })],
  },
} as unknown as RunSummary;

describe('the terminal summary', () => {
  it('fits 100 columns whatever the names and notes, and leaves the rest to summary.md', () => {
    const lines = summaryLines(summary);
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(TERMINAL_WIDTH);
    const text = lines.join('\n');
    expect(text).toMatch(/^all +12345 +12\.3% +123ms +123\.5s +46ms +98\.8s +98\.8% +0\.512 +0\.679 +12\.346$/m);
    expect(text).toMatch(/^pool small .* - +0\.679/m); // a missing value is a dash
    expect(text).toMatch(/^policy beta_thompson/m);
    expect(text).not.toContain('never printed');
    expect(text).toContain('summary.md');
  });

  it('wraps long text at word boundaries', () => {
    expect(wrap('aaa bbb ccc', 7)).toEqual(['aaa bbb', '  ccc']);
  });
});
