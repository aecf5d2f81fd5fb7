/**
 * A stand-in for vLLM Semantic Router's management API (tests only, no test runner imports),
 * a real HTTP server written from the router's source (router-model/release.ts), not from
 * wrp's client:
 *
 * - POST /v1/router/outcomes (src/semantic-router/pkg/apiserver/route_router_outcomes.go,
 *   learning_outcome_policy.go, auth.go; pkg/extproc/router_learning_outcome_ingest.go): with
 *   bearer auth configured, a missing or unknown token is 401 UNAUTHORIZED; then the JSON
 *   body; an Idempotency-Key is required (400) and at most 256 characters; 60 posts per
 *   rolling minute per principal, beyond that 429 RATE_LIMITED (the router sends no
 *   Retry-After: `retryAfterS` adds one, as a proxy in front of it might); replay_id, target,
 *   verdict and score are validated (400 INVALID_OUTCOME); a key already committed (kept 10
 *   minutes) is 200 with duplicate: true; an unknown replay id is 404 REPLAY_NOT_FOUND; a
 *   target_ref that is not the replay record's selected model is 409
 *   OUTCOME_OWNERSHIP_MISMATCH, and the key is released (a corrected post may reuse it);
 *   otherwise the outcome is appended to the record and the key committed: 200, recorded.
 * - GET /v1/router_replay (the router_replay.list payload, pkg/extproc/router_replay_api.go)
 *   and GET /v1/router_replay/{id}.
 *
 * Time is Date.now(), so fake timers drive the rate limit and the key TTL.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInRecord {
  id: string;
  timestamp: string;
  request_id?: string;
  decision: string;
  category?: string;
  original_model: string;
  selected_model: string;
  selection_method: string;
  prompt?: string;
  request_body?: string;
  response_status?: number;
  actual_cost?: number;
  outcomes: {
    timestamp: string;
    source: string;
    target: string;
    target_ref?: string;
    verdict: string;
    reason?: string;
    score?: number;
  }[];
}

export interface StandInRouter {
  url: string;
  /** Adds a routing record the way a routed request would; returns its replay id. */
  route(r: { selectedModel: string; decision?: string; prompt?: string; cost?: number }): string;
  records: StandInRecord[];
  /** Every POST /v1/router/outcomes with its status (for assertions). */
  posts: { status: number; key: string; at: number }[];
  close(): Promise<void>;
}

const LIMIT = 60;
const WINDOW_MS = 60_000;
const KEY_TTL_MS = 10 * 60_000;
const TARGETS = ['model', 'route', 'policy', 'stability', 'provider', 'router'];
const VERDICTS = ['good_fit', 'underpowered', 'overprovisioned', 'failed'];

export async function standInRouter(
  o: { tokens?: Record<string, string>; retryAfterS?: number } = {},
): Promise<StandInRouter> {
  const records: StandInRecord[] = [];
  const posts: StandInRouter['posts'] = [];
  const hits = new Map<string, number[]>();
  const committed = new Map<string, number>();
  let next = 1;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const error = (
    res: ServerResponse,
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
  ) => send(res, status, { error: { code, message, timestamp: new Date(Date.now()).toISOString() } }, headers);

  /** The principal, or undefined after answering 401. */
  function principal(req: IncomingMessage, res: ServerResponse): string | undefined {
    if (!o.tokens) return 'local:admin';
    const h = String(req.headers.authorization ?? '');
    const role = h.startsWith('Bearer ') ? o.tokens[h.slice(7).trim()] : undefined;
    if (!role) return void error(res, 401, 'UNAUTHORIZED', 'UNAUTHORIZED');
    return `auth:${role}`;
  }

  function allow(bucket: string): boolean {
    const now = Date.now();
    const kept = (hits.get(bucket) ?? []).filter((t) => t > now - WINDOW_MS);
    const ok = kept.length < LIMIT;
    hits.set(bucket, ok ? [...kept, now] : kept);
    return ok;
  }

  function outcome(req: IncomingMessage, res: ServerResponse, text: string): number {
    const who = principal(req, res);
    if (!who) return 401;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return (error(res, 400, 'INVALID_JSON', 'invalid JSON body'), 400);
    }
    const key = String(req.headers['idempotency-key'] ?? '').trim();
    if (key === '')
      return (
        error(res, 400, 'MISSING_IDEMPOTENCY_KEY', 'Idempotency-Key header is required for learning outcome ingestion'),
        400
      );
    if (key.length > 256)
      return (error(res, 400, 'INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be at most 256 characters'), 400);
    if (!allow(who)) {
      const h: Record<string, string> = o.retryAfterS !== undefined ? { 'retry-after': String(o.retryAfterS) } : {};
      return (error(res, 429, 'RATE_LIMITED', 'learning outcome ingestion rate limit exceeded', h), 429);
    }
    const replayId = String(body.replay_id ?? '').trim();
    const score = body.score;
    if (replayId === '') return (error(res, 400, 'INVALID_OUTCOME', 'replay_id is required'), 400);
    if (!TARGETS.includes(String(body.target ?? '').trim()))
      return (
        error(res, 400, 'INVALID_OUTCOME', 'target must be one of model, route, policy, stability, provider, router'),
        400
      );
    if (!VERDICTS.includes(String(body.verdict ?? '').trim()))
      return (
        error(res, 400, 'INVALID_OUTCOME', 'verdict must be one of good_fit, underpowered, overprovisioned, failed'),
        400
      );
    if (score !== undefined && (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1))
      return (error(res, 400, 'INVALID_OUTCOME', 'score must be between 0.0 and 1.0'), 400);
    const now = Date.now();
    for (const [k, at] of committed) if (at < now - KEY_TTL_MS) committed.delete(k);
    const stamp = new Date(now).toISOString();
    if (committed.has(key))
      return (send(res, 200, { success: true, updated: 0, recorded: false, duplicate: true, timestamp: stamp }), 200);
    const record = records.find((r) => r.id === replayId);
    if (!record)
      return (error(res, 404, 'REPLAY_NOT_FOUND', 'replay_id does not reference an owned routing event'), 404);
    const claimed = String(body.target_ref ?? '').trim();
    if (body.target === 'model' && claimed !== '' && claimed !== record.selected_model)
      return (
        error(res, 409, 'OUTCOME_OWNERSHIP_MISMATCH', 'outcome model binding does not match the owned routing event'),
        409
      );
    record.outcomes.push({
      timestamp: stamp,
      source: 'operator',
      target: String(body.target),
      ...(body.target === 'model' ? { target_ref: record.selected_model } : claimed ? { target_ref: claimed } : {}),
      verdict: String(body.verdict),
      ...(typeof body.reason === 'string' && body.reason ? { reason: body.reason } : {}),
      ...(typeof score === 'number' ? { score } : {}),
    });
    committed.set(key, now);
    return (
      send(res, 200, { success: true, updated: body.target === 'model' ? 1 : 0, recorded: true, timestamp: stamp }),
      200
    );
  }

  function replay(req: IncomingMessage, res: ServerResponse): void {
    if (!principal(req, res)) return;
    const u = new URL(req.url ?? '/', 'http://x');
    const id = u.pathname.replace(/^\/v1\/router_replay\/?/, '');
    if (id !== '') {
      const r = records.find((x) => x.id === id);
      return r ? send(res, 200, r) : error(res, 404, 'NOT_FOUND', 'replay record not found');
    }
    const limit = Math.min(100, Number(u.searchParams.get('limit') ?? 20));
    const offset = Number(u.searchParams.get('offset') ?? 0);
    const details = u.searchParams.get('showDetails') === 'true';
    const page = records
      .slice(offset, offset + limit)
      .map((r) => (details ? r : { ...r, prompt: undefined, request_body: undefined }));
    const end = offset + page.length;
    send(res, 200, {
      object: 'router_replay.list',
      count: page.length,
      total: records.length,
      limit,
      offset,
      has_more: end < records.length,
      ...(end < records.length ? { next_offset: end } : {}),
      data: page,
    });
  }

  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/router/outcomes')
        return void posts.push({
          status: outcome(req, res, text),
          key: String(req.headers['idempotency-key'] ?? ''),
          at: Date.now(),
        });
      if (req.method === 'GET' && req.url?.startsWith('/v1/router_replay')) return replay(req, res);
      error(res, 404, 'NOT_FOUND', 'no such route');
    });
  });
  server.keepAliveTimeout = 600_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    records,
    posts,
    route(r) {
      const id = `replay-${String(next++).padStart(6, '0')}`;
      records.push({
        id,
        timestamp: new Date(Date.now()).toISOString(),
        decision: r.decision ?? 'wrp-all',
        original_model: 'auto',
        selected_model: r.selectedModel,
        selection_method: 'static',
        ...(r.prompt !== undefined ? { prompt: r.prompt } : {}),
        ...(r.cost !== undefined ? { actual_cost: r.cost } : {}),
        response_status: 200,
        outcomes: [],
      });
      return id;
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
