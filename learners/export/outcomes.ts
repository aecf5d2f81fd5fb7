/**
 * Closing the loop with a live Semantic Router: each request of a run that went through the
 * router (its response carried x-vsr-replay-id) and got a verdict is posted to the router's
 * management API, POST /v1/router/outcomes, with an Idempotency-Key derived from the run and
 * request id. A ledger in the run folder (router-outcomes.ledger.jsonl, one line per outcome
 * the router accepted or already had) makes a re-run skip them: nothing is posted twice.
 * Failures are not in the ledger, so a re-run retries exactly those.
 */
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { request } from 'undici';
import type { RequestResult } from '../../harness/types.ts';

export const LEDGER_FILE = 'router-outcomes.ledger.jsonl';
export const OUTCOMES_PATH = '/v1/router/outcomes';

export interface OutcomeBody {
  replay_id: string;
  target: 'model';
  target_ref: string;
  verdict: NonNullable<RequestResult['verdict']>;
  score: number;
  reason: string;
}

export type OutcomeStatus = 'accepted' | 'duplicate' | 'failed';

export interface OutcomesReport {
  requests: number;
  eligible: number;
  accepted: number;
  duplicate: number;
  failed: number;
  /** Already in the ledger from an earlier run of this command. */
  alreadyPosted: number;
  noReplayId: number;
  noVerdict: number;
  failures: { id: string; reason: string }[];
  ledger: string;
}

export interface OutcomesOptions {
  run: string;
  router: string;
  concurrency?: number;
  timeoutMs?: number;
}

function header(r: RequestResult, name: string): string | undefined {
  const h = r.responseHeaders ?? {};
  const key = Object.keys(h).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : h[key];
}

/** The outcome of one request, or why it has none. */
export function outcomeOf(r: RequestResult): OutcomeBody | 'no-replay-id' | 'no-verdict' {
  const replay = header(r, 'x-vsr-replay-id');
  if (!replay) return 'no-replay-id';
  if (!r.verdict) return 'no-verdict';
  const q = r.quality;
  const score = q !== undefined && Number.isFinite(q) ? Math.min(1, Math.max(0, q)) : r.verdict === 'good_fit' ? 1 : 0;
  return {
    replay_id: replay,
    target: 'model',
    target_ref: r.decision.routerSelectedModel ?? header(r, 'x-vsr-selected-model') ?? r.decision.model,
    verdict: r.verdict,
    score,
    reason: `wrp ${r.evaluator}${q !== undefined ? ` quality ${q.toFixed(3)}` : ''}${r.status !== 'ok' ? `, request ${r.status}${r.errorClass ? ` (${r.errorClass})` : ''}` : ''}`,
  };
}

export const idempotencyKey = (r: RequestResult) => `wrp-${r.runId}-${r.id}`;

function readRun(run: string): { records: RequestResult[]; dir: string } {
  const file = existsSync(run) && statSync(run).isDirectory() ? join(run, 'requests.jsonl') : run;
  if (!existsSync(file)) throw new Error(`--run ${run}: no requests.jsonl there (expected a run folder from wrp run)`);
  const records: RequestResult[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        records.push(JSON.parse(line) as RequestResult);
      } catch (e) {
        throw new Error(`${file}:${i + 1}: not JSON (${(e as Error).message})`, { cause: e });
      }
    });
  return { records, dir: dirname(file) };
}

function readLedger(path: string, router: string): Set<string> {
  const done = new Set<string>();
  if (!existsSync(path)) return done;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const e = JSON.parse(line) as { router?: string; key?: string };
      if (e.router === router && e.key) done.add(e.key);
    } catch {
      // A torn last line (a crash mid-write) only means that outcome is posted again, idempotently.
    }
  }
  return done;
}

/** How the router answered: 2xx accepted (unless it says it already had it), 409 duplicate. */
export async function postOutcome(
  base: string,
  key: string,
  body: OutcomeBody,
  timeoutMs: number,
): Promise<{ status: OutcomeStatus; detail: string }> {
  try {
    const res = await request(`${base}${OUTCOMES_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    if (res.statusCode === 409) return { status: 'duplicate', detail: 'HTTP 409' };
    if (res.statusCode < 200 || res.statusCode >= 300)
      return { status: 'failed', detail: `HTTP ${res.statusCode}: ${text.slice(0, 200)}` };
    let dup = res.headers['idempotent-replayed'] === 'true';
    try {
      const j = JSON.parse(text) as { duplicate?: unknown; status?: unknown };
      dup ||= j.duplicate === true || j.status === 'duplicate';
    } catch {
      // A 2xx without a JSON body is an acceptance.
    }
    return { status: dup ? 'duplicate' : 'accepted', detail: `HTTP ${res.statusCode}` };
  } catch (e) {
    return { status: 'failed', detail: (e as Error).message };
  }
}

export async function postOutcomes(o: OutcomesOptions): Promise<OutcomesReport> {
  const base = o.router.replace(/\/+$/, '');
  if (!/^https?:\/\//.test(base))
    throw new Error(`--router: expected an http(s) URL of the router's management API, got "${o.router}"`);
  const { records, dir } = readRun(o.run);
  const ledger = join(dir, LEDGER_FILE);
  const done = readLedger(ledger, base);
  const report: OutcomesReport = {
    requests: records.length,
    eligible: 0,
    accepted: 0,
    duplicate: 0,
    failed: 0,
    alreadyPosted: 0,
    noReplayId: 0,
    noVerdict: 0,
    failures: [],
    ledger,
  };
  const queue: { key: string; id: string; body: OutcomeBody }[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    const body = outcomeOf(r);
    if (body === 'no-replay-id') report.noReplayId++;
    else if (body === 'no-verdict') report.noVerdict++;
    else {
      report.eligible++;
      const key = idempotencyKey(r);
      if (done.has(key) || seen.has(key)) report.alreadyPosted++;
      else queue.push({ key, id: r.id, body });
      seen.add(key);
    }
  }
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const { status, detail } = await postOutcome(base, item.key, item.body, o.timeoutMs ?? 10_000);
      report[status]++;
      if (status === 'failed') report.failures.push({ id: item.id, reason: detail });
      // Written as each answer arrives: a crash loses at most the in-flight posts' entries.
      else
        appendFileSync(
          ledger,
          JSON.stringify({
            router: base,
            key: item.key,
            id: item.id,
            replay_id: item.body.replay_id,
            status,
            at: new Date().toISOString(),
          }) + '\n',
        );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 8) }, worker));
  return report;
}
