import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ERROR_CODES, isWrpError, UsageError, WrpError } from './errors.ts';

describe('the error model', () => {
  it('every class carries a code from the table and the exit status it implies', () => {
    const e = new ConfigError('x.yaml', ['seed: expected a number']);
    expect([e.code, e.exitStatus, e.message, e.name]).toEqual([
      'WRP_CONFIG',
      2,
      'x.yaml: seed: expected a number',
      'ConfigError',
    ]);
    expect(isWrpError(e, 'WRP_CONFIG')).toBe(true);
    expect(isWrpError(new UsageError('x'), 'WRP_CONFIG')).toBe(false);
    expect(new WrpError('WRP_RUN_FAILED', 'x').exitStatus).toBe(1);
  });

  it("the README's table lists every code with its exit status", () => {
    const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');
    for (const [code, v] of Object.entries(ERROR_CODES))
      expect(readme).toContain(`| \`${code}\` | ${v.exit} | ${v.what} |`);
  });
});
