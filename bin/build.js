// Compiles the `wrp` CLI (scripts/wrp.ts and everything it imports from the project) into one
// JavaScript file, dist/wrp.mjs, with esbuild; packages stay external (node_modules). Run by
// `npm run build` and by `npm ci` (prepare), and by bin/wrp.js when the file is missing or
// older than a source it was built from. dist/wrp.inputs.json lists those sources (relative
// to the project root).
//
// Each file is written to a temporary name and renamed into place: several wrp processes may
// rebuild at once.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE = join(ROOT, 'dist', 'wrp.mjs');
export const INPUTS = join(ROOT, 'dist', 'wrp.inputs.json');

export async function buildCli() {
  const esbuild = await import('esbuild');
  mkdirSync(dirname(BUNDLE), { recursive: true });
  const result = await esbuild.build({
    entryPoints: [join(ROOT, 'scripts', 'wrp.ts')],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    write: false,
    absWorkingDir: ROOT,
    logLevel: 'error',
  });
  const put = (file, contents) => {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, contents);
    renameSync(tmp, file);
  };
  // The map first: a bundle in place always has its map.
  for (const f of result.outputFiles.filter((o) => o.path.endsWith('.map'))) put(f.path, f.contents);
  for (const f of result.outputFiles.filter((o) => !o.path.endsWith('.map'))) put(f.path, f.contents);
  // Relative to the project root (esbuild's working directory here).
  const inputs = Object.keys(result.metafile.inputs);
  put(INPUTS, JSON.stringify({ inputs }, null, 1) + '\n');
  return inputs.length;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const n = await buildCli();
  console.log(`built ${BUNDLE} from ${n} sources`);
}
