import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = resolve(ROOT, process.env.WRP_DATA_DIR ?? '../shared/data');
const BUILTIN = join(ROOT, 'datasets/quality/builtin.json');
const hasData = existsSync(join(DATA, 'routerdc-7b')) && existsSync(join(DATA, 'routerbench'));

describe('builtin.json', () => {
  const json = readFileSync(BUILTIN, 'utf8');
  const data = JSON.parse(json) as {
    provenance: { sources: { citation: string }[] };
    datasets: { routerbench: { emptyCellsByFile: Record<string, { emptyCells: Record<string, number> }> } };
  };

  it('cites RouterDC and RouterBench', () => {
    const cites = data.provenance.sources.map((s) => s.citation).join('\n');
    expect(cites).toMatch(/RouterDC.*NeurIPS 2024/);
    expect(cites).toMatch(/RouterBench.*2403\.12031/);
  });

  it('reports RouterBench empty score cells instead of reading them as 0', () => {
    const arc = data.datasets.routerbench.emptyCellsByFile['arc_challenge_test.csv']!.emptyCells;
    expect(arc['gpt-3.5-turbo-1106']).toBe(2);
    expect(arc['gpt-4-1106-preview']).toBe(6);
  });

  it.skipIf(!hasData)('holds no prompt text and matches a fresh build from the shared data', () => {
    const rows = JSON.parse(readFileSync(join(DATA, 'routerdc-7b/gsm8k-train.json'), 'utf8')) as { question: string }[];
    for (const r of rows.slice(0, 50)) expect(json).not.toContain(r.question.slice(0, 40));
    const dir = mkdtempSync(join(tmpdir(), 'wrp-quality-'));
    try {
      const out = join(dir, 'builtin.json');
      execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'tools/build-quality-table.ts'), '--out', out], {
        cwd: ROOT,
        env: { ...process.env, WRP_DATA_DIR: DATA },
        stdio: 'pipe',
      });
      // Stale builtin.json? Rerun `npx tsx tools/build-quality-table.ts`.
      expect(readFileSync(out, 'utf8')).toBe(json);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
