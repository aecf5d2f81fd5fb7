/**
 * TensorFlow.js backend selection: tfjs-node-gpu when it installed (an optional dependency
 * whose install downloads libtensorflow, so it is often absent), else the wasm backend
 * (about 4x the pure-JS cpu backend here), else cpu. One log line says which one runs.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as TfModule from '@tensorflow/tfjs';

export type Tf = typeof TfModule;

export interface TfHandle {
  tf: Tf;
  /** The active backend name: `tensorflow`, `wasm` or `cpu`. */
  backend: string;
}

export interface InitTfOptions {
  /** Skip backends (tests, benchmarks): e.g. `['tensorflow']` to force wasm. */
  exclude?: string[];
  /** Where the one line goes (default console.log). */
  log?: (line: string) => void;
}

let pending: Promise<TfHandle> | undefined;
let ready: TfHandle | undefined;

/** Idempotent: the first call picks the backend, later calls return the same handle. */
export function initTf(options: InitTfOptions = {}): Promise<TfHandle> {
  pending ??= pick(options).then((h) => (ready = h));
  return pending;
}

/** The handle once initTf has resolved (synchronous callers), else undefined. */
export function currentTf(): TfHandle | undefined {
  return ready;
}

async function pick(options: InitTfOptions): Promise<TfHandle> {
  const log = options.log ?? ((line: string) => console.log(line));
  const skip = new Set(options.exclude ?? []);
  const notes: string[] = [];

  if (!skip.has('tensorflow')) {
    try {
      // A variable specifier: the package is optional, so neither tsc nor vite may resolve it.
      const name = '@tensorflow/tfjs-node-gpu';
      const mod = (await import(name)) as { default?: Tf } & Tf;
      const tf = mod.default ?? mod;
      if (await tf.setBackend('tensorflow')) return done(tf, log, notes);
    } catch (err) {
      notes.push(`tfjs-node-gpu unavailable (${short(err)})`);
    }
  }

  const tf = await import('@tensorflow/tfjs');
  if (!skip.has('wasm')) {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // In Node the .wasm files are read from disk: point the loader at the package's dist/.
      const require = createRequire(import.meta.url);
      const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
      wasm.setWasmPaths(join(dist, '/'));
      if (await tf.setBackend('wasm')) return done(tf, log, notes);
      notes.push('wasm backend failed to initialise');
    } catch (err) {
      notes.push(`wasm unavailable (${short(err)})`);
    }
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('no TensorFlow.js backend could be initialised');
  return done(tf, log, notes);
}

async function done(tf: Tf, log: (line: string) => void, notes: string[]): Promise<TfHandle> {
  await tf.ready();
  const backend = tf.getBackend();
  log(`[wrp/rl] tfjs ${tf.version.tfjs} backend: ${backend}${notes.length ? ` (${notes.join('; ')})` : ''}`);
  return { tf, backend };
}

function short(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return 'not installed';
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.slice(0, 120);
}
