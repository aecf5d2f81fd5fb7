/**
 * Closing the loop with a live Semantic Router: each request of a run that went through the
 * router (its response carried x-vsr-replay-id; exports turn Router Replay on) and got a
 * verdict is posted to the management API, POST /v1/router/outcomes, with an Idempotency-Key
 * derived from the run and request id, as the router's handler expects
 * (src/semantic-router/pkg/apiserver/route_router_outcomes.go, learning_outcome_policy.go):
 *
 * - 200: accepted, or `duplicate: true` (the router already had that key): both done;
 * - 409: the outcome's model is not the replay record's: a mismatch, shown, not retried;
 * - 429: the router's limit (60 posts per rolling minute per principal, no Retry-After):
 *   wrp paces itself to that limit and, on a 429, waits Retry-After when a proxy sends one,
 *   else until its oldest post of the last minute leaves the window, then posts it again;
 * - 5xx and network errors: two more tries with a back-off, then failed (shown);
 * - 401/403: the token is missing or refused: the command stops (nothing more can succeed).
 *
 * The bearer token comes from an environment variable (--token-env, default
 * WRP_ROUTER_TOKEN when set). The run's requests.jsonl is read as a stream. Done outcomes go
 * to a ledger in the run folder (router-outcomes.ledger.jsonl) as each answer arrives; a
 * re-run skips them (the router forgets keys after 10 minutes, so the ledger is what keeps a
 * later re-run from counting an outcome twice) and retries only the rest.
 */
import { createReadStream, existsSync, statSync, appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { request } from 'undici';
import type { RequestResult } from '../../harness/types.ts';
import { InputFileError, UsageError, WrpError } from '../../core/errors.ts';

export const LEDGER_FILE = 'router-outcomes.ledger.jsonl';
export const OUTCOMES_PATH = '/v1/router/outcomes';
export const DEFAULT_TOKEN_ENV = 'WRP_ROUTER_TOKEN';
/** The router's ingest limit (learning_outcome_policy.go learningOutcomeRateLimit / Window). */
export const ROUTER_RATE_LIMIT = 60;
export const ROUTER_RATE_WINDOW_MS = 60_000;

export interface OutcomeBody {
  replay_id: string;
  target: 'model';
  target_ref: string;
  verdict: NonNullable<RequestResult['verdict']>;
  score: number;
  reason: string;
}

export type OutcomeStatus = 'accepted' | 'duplicate' | 'mismatch' | 'failed';

export interface OutcomesReport {
  requests: number;
  eligible: number;
  accepted: number;
  duplicate: number;
  mismatch: number;
  failed: number;
  /** Already in the ledger from an earlier run of this command. */
  alreadyPosted: number;
  noReplayId: number;
  noVerdict: number;
  /** 429 answers waited out. */
  rateLimited: number;
  /** Lines of requests.jsonl that are not JSON (a torn last line after a crash). */
  unreadable: number;
  mismatches: { id: string; reason: string }[];
  failures: { id: string; reason: string }[];
  ledger: string;
}

export interface OutcomesOptions {
  run: string;
  router: string;
  concurrency?: number;
  timeoutMs?: number;
  /** Environment variable holding the bearer token (explicit: it must be set). */
  tokenEnv?: string;
  env?: NodeJS.ProcessEnv;
  /** Posts per rolling minute wrp allows itself (the router's limit by default). */
  perMinute?: number;
  /** 429s waited out per outcome before it counts as failed. */
  maxRateLimitWaits?: number;
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

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Lines of a JSONL file as parsed objects, streamed (a torn last line is skipped). */
async function* jsonl<T>(file: string): AsyncGenerator<{ value?: T; line: number }> {
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (line.trim() === '') continue;
    let value: T | undefined;
    try {
      value = JSON.parse(line) as T;
    } catch {
      value = undefined;
    }
    yield value === undefined ? { line: n } : { value, line: n };
  }
}

async function readLedger(path: string, router: string): Promise<Set<string>> {
  const done = new Set<string>();
  if (!existsSync(path)) return done;
  // A torn last line (a crash mid-write) only means that outcome is posted again, idempotently.
  for await (const { value } of jsonl<{ router?: string; key?: string }>(path))
    if (value?.router === router && value.key) done.add(value.key);
  return done;
}

/**
 * Paces posts to at most `limit` per rolling window (the router's own rule). A post's slot is
 * stamped when its answer arrives, a time no earlier than the router counted it, so wrp's
 * window never opens before the router's; a 429 frees its slot (the router did not count it).
 */
class Pacer {
  private readonly slots: { t: number }[] = [];
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}
  private oldest(): number {
    return this.slots.reduce((m, s) => Math.min(m, s.t), Infinity);
  }
  /** Milliseconds until a post may go out. */
  wait(): number {
    const now = Date.now();
    for (let i = this.slots.length - 1; i >= 0; i--)
      if (this.slots[i]!.t <= now - this.windowMs) this.slots.splice(i, 1);
    return this.slots.length < this.limit ? 0 : this.oldest() + this.windowMs - now + 1;
  }
  async take(): Promise<{ t: number }> {
    for (let w = this.wait(); w > 0; w = this.wait()) await sleep(w);
    const slot = { t: Infinity }; // in flight: stays in the window until answered
    this.slots.push(slot);
    return slot;
  }
  answered(slot: { t: number }, counted: boolean): void {
    if (counted) slot.t = Date.now();
    else this.slots.splice(this.slots.indexOf(slot), 1);
  }
  /** After a 429: wait Retry-After if given, else until the window frees. */
  backoffMs(retryAfter: string | undefined): number {
    const s = retryAfter === undefined ? NaN : Number(retryAfter);
    if (Number.isFinite(s) && s >= 0) return s * 1000;
    const at = retryAfter === undefined ? NaN : Date.parse(retryAfter);
    if (Number.isFinite(at)) return Math.max(0, at - Date.now());
    const oldest = this.oldest();
    return Math.max(1000, Number.isFinite(oldest) ? oldest + this.windowMs - Date.now() + 1 : this.windowMs);
  }
}

interface Answer {
  status: number;
  body: string;
  retryAfter?: string;
}

async function post(
  base: string,
  key: string,
  body: OutcomeBody,
  token: string | undefined,
  timeoutMs: number,
): Promise<Answer> {
  const res = await request(`${base}${OUTCOMES_PATH}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': key,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const text = await res.body.text();
  const ra = res.headers['retry-after'];
  return { status: res.statusCode, body: text, ...(typeof ra === 'string' ? { retryAfter: ra } : {}) };
}

/** The router's error message, or the start of the body. */
const errorText = (a: Answer) => {
  try {
    const e = (JSON.parse(a.body) as { error?: { code?: string; message?: string } }).error;
    if (e) return `HTTP ${a.status} ${e.code ?? ''}${e.message && e.message !== e.code ? `: ${e.message}` : ''}`;
  } catch {
    // not JSON
  }
  return `HTTP ${a.status}: ${a.body.slice(0, 200)}`;
};

export async function postOutcomes(o: OutcomesOptions): Promise<OutcomesReport> {
  const base = o.router.replace(/\/+$/, '');
  if (!/^https?:\/\//.test(base))
    throw new UsageError(`--router: expected an http(s) URL of the router's management API, got "${o.router}"`);
  const file = existsSync(o.run) && statSync(o.run).isDirectory() ? join(o.run, 'requests.jsonl') : o.run;
  if (!existsSync(file))
    throw new InputFileError(o.run, 'no requests.jsonl there (expected a run folder from wrp run)');
  const env = o.env ?? process.env;
  const tokenEnv = o.tokenEnv ?? DEFAULT_TOKEN_ENV;
  const token = env[tokenEnv] || undefined;
  if (o.tokenEnv !== undefined && !token)
    throw new WrpError('WRP_SECRET_MISSING', `--token-env ${o.tokenEnv}: the environment variable is not set`);
  const ledger = join(dirname(file), LEDGER_FILE);
  const done = await readLedger(ledger, base);
  const report: OutcomesReport = {
    requests: 0,
    eligible: 0,
    accepted: 0,
    duplicate: 0,
    mismatch: 0,
    failed: 0,
    alreadyPosted: 0,
    noReplayId: 0,
    noVerdict: 0,
    rateLimited: 0,
    unreadable: 0,
    mismatches: [],
    failures: [],
    ledger,
  };
  const pacer = new Pacer(o.perMinute ?? ROUTER_RATE_LIMIT, ROUTER_RATE_WINDOW_MS);
  const timeoutMs = o.timeoutMs ?? 10_000;
  let stop: Error | undefined;

  /** Posts one outcome until the router gives a final answer. */
  async function deliver(item: { key: string; id: string; body: OutcomeBody }): Promise<void> {
    let waits = 0;
    let errors = 0;
    for (;;) {
      const slot = await pacer.take();
      let a: Answer;
      try {
        a = await post(base, item.key, item.body, token, timeoutMs);
        pacer.answered(slot, a.status !== 429);
      } catch (e) {
        pacer.answered(slot, true);
        if (++errors > 2)
          return void (report.failed++, report.failures.push({ id: item.id, reason: (e as Error).message }));
        await sleep(1000 * 2 ** errors);
        continue;
      }
      if (a.status === 429 && waits < (o.maxRateLimitWaits ?? 10)) {
        waits++;
        report.rateLimited++;
        await sleep(pacer.backoffMs(a.retryAfter));
        continue;
      }
      if (a.status >= 500 && ++errors <= 2) {
        await sleep(1000 * 2 ** errors);
        continue;
      }
      if (a.status === 401 || a.status === 403) {
        const how = token
          ? `the token in ${tokenEnv} was refused`
          : `no token was sent (set ${tokenEnv}, or name the variable with --token-env)`;
        stop ??= new UsageError(`--router ${base}: the management API answered ${errorText(a)}: ${how}`);
        return;
      }
      if (a.status === 409)
        return void (report.mismatch++, report.mismatches.push({ id: item.id, reason: errorText(a) }));
      if (a.status < 200 || a.status >= 300)
        return void (report.failed++, report.failures.push({ id: item.id, reason: errorText(a) }));
      let duplicate = false;
      try {
        duplicate = (JSON.parse(a.body) as { duplicate?: unknown }).duplicate === true;
      } catch {
        // A 2xx without a JSON body is an acceptance.
      }
      const status: OutcomeStatus = duplicate ? 'duplicate' : 'accepted';
      report[status]++;
      // Written as each answer arrives: a crash loses at most the in-flight posts' entries.
      appendFileSync(
        ledger,
        JSON.stringify({
          router: base,
          key: item.key,
          id: item.id,
          replay_id: item.body.replay_id,
          status,
          at: new Date(Date.now()).toISOString(),
        }) + '\n',
      );
      return;
    }
  }

  const seen = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  const limit = Math.max(1, o.concurrency ?? 4);
  for await (const { value: r } of jsonl<RequestResult>(file)) {
    if (stop) break;
    if (!r) {
      report.unreadable++;
      continue;
    }
    report.requests++;
    const body = outcomeOf(r);
    if (body === 'no-replay-id') report.noReplayId++;
    else if (body === 'no-verdict') report.noVerdict++;
    else {
      report.eligible++;
      const key = idempotencyKey(r);
      if (done.has(key) || seen.has(key)) report.alreadyPosted++;
      else {
        seen.add(key);
        const p = deliver({ key, id: r.id, body }).finally(() => inFlight.delete(p));
        inFlight.add(p);
        if (inFlight.size >= limit) await Promise.race(inFlight);
      }
    }
  }
  await Promise.all(inFlight);
  if (stop) throw stop;
  return report;
}
