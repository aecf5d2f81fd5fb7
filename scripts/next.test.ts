import { describe, expect, it } from 'vitest';
import { shellLines, shown } from './next.ts';

describe('shown', () => {
  it('gives a path under the working folder relative to it, and drops a trailing slash', () => {
    const cwd = process.cwd();
    expect(shown(`${cwd}/results/run`)).toBe('results/run');
    expect(shown('router/')).toBe('router');
    expect(shown(`${cwd}/router//`)).toBe('router');
    expect(`${shown('router/')}/config.yaml`).toBe('router/config.yaml');
  });

  it('leaves other paths as given, the root included', () => {
    expect(shown('/elsewhere/run')).toBe('/elsewhere/run');
    expect(shown('../up')).toBe('../up');
    expect(shown('/')).toBe('/');
  });
});

describe('shellLines', () => {
  it('breaks a long command at words into continued lines under the width', () => {
    const lines = shellLines(`npx wrp train ${'--flag value '.repeat(12).trim()}`, 60);
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(60);
    expect(lines.slice(0, -1).every((l) => l.endsWith(' \\'))).toBe(true);
    expect(lines.map((l) => l.replace(/ \\$/, '').trim()).join(' ')).toBe(
      `npx wrp train ${'--flag value '.repeat(12).trim()}`,
    );
  });
});
