/** Where the datasets live and which files a loader reads. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatasetError } from '../core/errors.ts';

/**
 * The folder holding the project's package.json: found by walking up from this module, so it
 * is the same whether the sources run (datasets/) or the compiled CLI does (dist/wrp.mjs).
 */
export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(from, '..');
  }
}

/** `override`, else $WRP_DATA_DIR, else ../shared/data; relative paths are taken from the project root. */
export function dataDir(override?: string): string {
  return resolve(PROJECT_ROOT, override ?? process.env.WRP_DATA_DIR ?? '../shared/data');
}

/** File name -> task family and split: strips the extension and a `_train`/`_test`/`-train`/`-test` suffix. */
export function familyOf(file: string): { family: string; split?: 'train' | 'test'; base: string } {
  const base = basename(file).replace(/\.[^.]+$/, '');
  const m = /^(.*)[_-](train|test)$/.exec(base);
  return m ? { family: m[1]!, split: m[2] as 'train' | 'test', base } : { family: base, base };
}

export type SplitFilter = 'train' | 'test' | 'all';

export interface FileSelection {
  /** File bases (`gsm8k-test`) or families (`gsm8k`); default all. */
  files?: string[];
  /** `test` keeps test splits and single files (never seen in training), `train` keeps train splits and single files. */
  split?: SplitFilter;
}

/**
 * The files of `dir` ending in `ext`, sorted, filtered by name and split. A named file or
 * family that matches nothing is an error, so a typo never silently loads less.
 */
export function selectFiles(dir: string, ext: string, sel: FileSelection = {}): string[] {
  if (!existsSync(dir)) throw new DatasetError(dir, 'no such directory (set WRP_DATA_DIR, or the source `dir`)');
  if (!statSync(dir).isDirectory()) throw new DatasetError(dir, 'expected a directory');
  const all = readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .sort();
  if (all.length === 0) throw new DatasetError(dir, `no *${ext} files`);
  const split = sel.split ?? 'all';
  const bySplit = all.filter((f) => {
    const s = familyOf(f).split;
    return split === 'all' || s === undefined || s === split;
  });
  if (bySplit.length === 0) throw new DatasetError(dir, `no *${ext} file with split ${split}`);
  if (!sel.files || sel.files.length === 0) return bySplit.map((f) => join(dir, f));
  const out = new Set<string>();
  for (const name of sel.files) {
    const hits = bySplit.filter((f) => familyOf(f).base === name || familyOf(f).family === name || f === name);
    if (hits.length === 0) {
      const known = [...new Set(all.map((f) => familyOf(f).base))].join(', ');
      throw new DatasetError(dir, `no file matches "${name}" with split ${split}; expected one of ${known}`);
    }
    for (const h of hits) out.add(join(dir, h));
  }
  return [...out].sort();
}

/** Throws a DatasetError naming the path when `file` is not a readable file. */
export function requireFile(file: string): void {
  if (!existsSync(file)) throw new DatasetError(file, 'no such file');
  if (!statSync(file).isFile()) throw new DatasetError(file, 'expected a file');
}
