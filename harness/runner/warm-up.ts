/**
 * Warm-up (config `warmup.requests`): requests sent to the pools in turn before the schedule's
 * clock starts, `warmup.concurrency` at a time. A process's first requests pay for opening
 * connections and for code not yet compiled: at 2,000 sends/s that made the first ~0.35 s of an
 * open loop tens of ms late, enough to be a whole run's send-lag p99 (bench/loadgen.ts). Like
 * the test prompt vLLM's serving benchmark sends before it starts timing and GuideLLM's
 * warm-up, they are left out of the run's figures; like every request wrp sends, each is
 * recorded once: in warmup.jsonl, beside requests.jsonl. They do not go through the router,
 * so no policy learns from them.
 */
import { appendFileSync, closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { ErrorClass } from '../client/types.ts';
import type { ExperimentConfig } from './config.ts';
import type { PoolHandle } from './pools.ts';
import { JsonlWriter } from './results-writer.ts';

export interface WarmUpRecord {
  id: string;
  pool: string;
  ok: boolean;
  httpStatus?: number;
  errorClass?: ErrorClass;
  ttftMs?: number;
  e2eMs?: number;
  outputTokens: number;
}

export interface WarmedUp {
  sent: number;
  failed: number;
}

/** Sends the warm-up and records each request in `file` (appended: a resumed run warms up again). */
export async function warmUp(pools: PoolHandle[], o: ExperimentConfig['warmup'], file: string): Promise<WarmedUp> {
  const done: WarmedUp = { sent: 0, failed: 0 };
  if (o.requests === 0 || pools.length === 0) return done;
  const out = new JsonlWriter(file);
  let next = 0;
  const sender = async () => {
    while (next < o.requests) {
      const i = next++;
      const pool = pools[i % pools.length]!;
      done.sent++;
      const r = await pool.client.chat(
        {
          model: pool.model,
          messages: [{ role: 'user', content: `Warm-up request ${i}: answer with one word.` }],
          max_tokens: 16,
        },
        { tag: `warmup/${i}` },
      );
      if (!r.ok) done.failed++;
      const rec: WarmUpRecord = {
        id: `warmup/${i}`,
        pool: pool.name,
        ok: r.ok,
        httpStatus: r.httpStatus,
        errorClass: r.errorClass,
        ttftMs: r.ttftMs,
        e2eMs: r.e2eMs,
        outputTokens: r.outputTokens,
      };
      out.write(rec);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(o.concurrency, o.requests) }, sender));
  } finally {
    await out.close();
  }
  return done;
}

/** The summary's note on a warm-up, or undefined when there was none. */
export function warmUpNote(w: WarmedUp): string | undefined {
  if (w.sent === 0) return undefined;
  return `warm-up: ${w.sent} request(s) sent before the schedule's clock started (warmup.jsonl), not in these figures${w.failed ? `; ${w.failed} failed` : ''}`;
}

/**
 * Appends the workers' warm-up files to the run's warmup.jsonl (`wrp run --workers`); returns
 * how many requests (non-empty lines) they hold. Copied in 64 KiB pieces, not read whole.
 */
export function gatherWarmUps(files: string[], into: string): number {
  let n = 0;
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (const f of files) {
    if (!existsSync(f)) continue;
    const fd = openSync(f, 'r');
    let inLine = false;
    try {
      for (let got = readSync(fd, buf); got > 0; got = readSync(fd, buf)) {
        for (let i = 0; i < got; i++) {
          if (buf[i] !== NEWLINE) inLine = true;
          else if (inLine) {
            n++;
            inLine = false;
          }
        }
        appendFileSync(into, buf.subarray(0, got));
      }
    } finally {
      closeSync(fd);
    }
    if (inLine) n++; // a last line without its line break
  }
  return n;
}

const NEWLINE = 10;

/** Whether any of these warm-up files holds a request (a folder holding one is kept). */
export function anyWarmUp(files: string[]): boolean {
  return files.some((f) => existsSync(f) && statSync(f).size > 0);
}
