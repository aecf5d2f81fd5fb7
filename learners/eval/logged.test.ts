import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeLoggedRun, parseLoggedRun, readLoggedRun } from './logged.ts';
import { offPolicyEstimate } from './ope.ts';

const rec = (id: string, pool: string, propensity: number, reward?: number, category = 'math') => ({
  id,
  runId: 'r1',
  labels: {
    id,
    source: 'synthetic',
    category,
    archetype: 'chat',
    sessionId: id,
    turn: 0,
    warm: false,
    lengthClass: 'balanced',
  },
  stage: 0,
  stageLabel: '',
  features: { promptTokensEstimate: 10, textChars: 40, turn: 0, poolRunning: {}, poolWaiting: {} },
  decision: { pool, model: `${pool}-model`, propensity, policy: 'random' },
  status: 'ok',
  timing: { scheduledMs: 0, sentMs: 0, sendLagMs: 0, itlMs: [] },
  tokens: { output: 5, usageMissing: false },
  costUsd: 0.001,
  evaluator: 'none',
  ...(reward === undefined ? {} : { reward }),
  sloViolated: false,
});

const LINES = [
  rec('a', 'small', 0.5, 1),
  rec('b', 'large', 0.5, 0),
  rec('c', 'small', 0.5),
  rec('d', 'large', 0.5, 1),
].map((r) => JSON.stringify(r));

describe('logged runs', () => {
  it('reads records into OPE samples, leaving out those without a reward', () => {
    const run = parseLoggedRun(LINES.join('\n') + '\n');
    expect(run.records).toHaveLength(4);
    expect(run.samples.map((s) => [s.action, s.propensity, s.reward])).toEqual([
      ['small', 0.5, 1],
      ['large', 0.5, 0],
      ['large', 0.5, 1],
    ]);
    expect(run.report).toMatchObject({
      lines: 4,
      parsed: 4,
      tornLastLine: false,
      invalidLines: [],
      noReward: 1,
      used: 3,
    });
    // Always-large from uniform logs: IPS = (0 + 2 * 1) / 3.
    const r = offPolicyEstimate(run.samples, { kind: 'deterministic', choose: () => 'large' });
    expect(r.ips).toBeCloseTo(2 / 3, 12);
    expect(run.samples[0]!.context.labels.category).toBe('math');
  });

  it('tolerates and reports a torn last line', () => {
    const torn = LINES.join('\n') + '\n' + LINES[0]!.slice(0, 37);
    const run = parseLoggedRun(torn, 'x.jsonl');
    expect(run.report.tornLastLine).toBe(true);
    expect(run.report.lines).toBe(5);
    expect(run.report.parsed).toBe(4);
    expect(run.samples).toHaveLength(3);
    expect(describeLoggedRun(run.report)).toMatch(/torn last line skipped/);
    // A torn tail that still parses as JSON (a cut-off number) counts as torn too.
    expect(parseLoggedRun(LINES[0]! + '\n12').report.tornLastLine).toBe(true);
  });

  it('counts corrupt middle lines and malformed records separately', () => {
    const text = [LINES[0], '{not json', JSON.stringify({ id: 'x' }), LINES[1], ''].join('\n');
    const run = parseLoggedRun(text);
    expect(run.report.tornLastLine).toBe(false);
    expect(run.report.invalidLines).toEqual([2]);
    expect(run.report.malformed).toEqual([3]);
    expect(run.samples).toHaveLength(2);
    expect(describeLoggedRun(run.report)).toMatch(/1 invalid JSON lines \(first: 2\).*1 records without decision/);
  });

  it('reads a run directory or file; filter and reward options', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wrp-logged-'));
    writeFileSync(join(dir, 'requests.jsonl'), LINES.join('\n'));
    expect(readLoggedRun(dir).samples).toHaveLength(3);
    const onlySmall = readLoggedRun(join(dir, 'requests.jsonl'), {
      filter: (r) => r.decision.pool === 'small',
      reward: (r) => -r.costUsd,
    });
    expect(onlySmall.samples.map((s) => s.reward)).toEqual([-0.001, -0.001]);
    expect(() => readLoggedRun(join(dir, 'nope'))).toThrow(/no such file/);
    expect(parseLoggedRun('').report.used).toBe(0);
    rmSync(dir, { recursive: true });
  });
});
