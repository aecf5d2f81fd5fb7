#!/usr/bin/env node
// The `wrp` executable. Runs the CLI compiled to one JavaScript file (dist/wrp.mjs: `npm run
// build`, which `npm ci` runs as `prepare`), not the TypeScript through tsx: a streamed
// request costs less CPU compiled (bench/loadgen.ts measures `wrp run` both ways) and it
// starts faster. A bundle missing or older than any source it was built from is rebuilt
// first (esbuild, about a second). Should that fail, the sources run through tsx and one
// line on stderr says why.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE, INPUTS, ROOT, buildCli } from './build.js';
import { relaunch, relaunchArgs, watchParent } from './relaunch.js';

/** Why the bundle cannot be used as it is (undefined: it is current). */
function staleness() {
  if (!existsSync(BUNDLE) || !existsSync(INPUTS)) return 'it is missing';
  const built = statSync(BUNDLE).mtimeMs;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(INPUTS, 'utf8')).inputs;
  } catch {
    return 'its list of sources is unreadable';
  }
  for (const rel of inputs) {
    const file = join(ROOT, rel);
    if (!existsSync(file) || statSync(file).mtimeMs > built) return `${rel} changed since it was built`;
  }
  return undefined;
}

// --debug prints stacks: map them back to the TypeScript.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);

let why = staleness();
if (why !== undefined) {
  try {
    await buildCli();
    why = undefined;
  } catch (e) {
    why = `${why} and rebuilding failed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`;
  }
}
// `run` and `start` go on in a child with a larger initial heap (bin/relaunch.js says why).
const relaunchWith = relaunchArgs(process.argv, process.execArgv, process.env, process.platform);
if (relaunchWith !== undefined) await relaunch(relaunchWith); // returns only if the child could not start
watchParent();
if (why === undefined) await import(pathToFileURL(BUNDLE).href);
else {
  console.error(`wrp: running the TypeScript sources through tsx: dist/wrp.mjs ${why}`);
  const { register } = await import('tsx/esm/api');
  register();
  await import('../scripts/wrp.ts');
}
