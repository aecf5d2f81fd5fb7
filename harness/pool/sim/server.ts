/**
 * `wrp pool serve`: a simulated vLLM deployment behind a real HTTP server (node:http),
 * speaking the OpenAI-compatible API of shared/REFERENCE.md section 1. Tokens are written
 * when the wall-clock engine emits them; how late each frame reaches the socket, in
 * modelled engine steps, is watched (emission-lag.ts): in /metrics (`wrp:frame_lag_steps`),
 * a warning, and `frameLag()` for the run's summary.
 */
import { randomUUID } from 'node:crypto';
import { lstatSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { WallClock } from './clock.ts';
import { EmissionLagWatch, type FrameLagStats } from './emission-lag.ts';
import type { SeqResult } from './engine.ts';
import { NO_FAULTS, type FaultPolicy } from './faults.ts';
import { dcgmRegistry, VllmMetrics } from './metrics.ts';
import { ApiError, parseBody, type ParsedRequest } from './openai-request.ts';
import { builtinQualityTable, type QualityModel } from './quality.ts';
import { planRequest, type RequestPlan } from './request-plan.ts';
import { DEFAULT_POOL_SPEC, SimPool, type SimPoolSpec } from './sim-pool.ts';
import { SseStream } from './sse-stream.ts';
import { SimConfigError } from '../../../core/errors.ts';
import { DEFAULT_JUDGE_AGREEMENT } from './judge.ts';
import { modelProfile } from './profiles.ts';

export interface SimServerOptions extends Partial<Omit<SimPoolSpec, 'model'>> {
  /** Model profile name or Hugging Face id. */
  model: string;
  /**
   * The name the server lists first and answers to (vLLM's --served-model-name); default the
   * profile's Hugging Face id, as `vllm serve <hf id>` serves. The profile's short name and
   * its Hugging Face id are accepted as aliases.
   */
  servedModelName?: string;
  port?: number;
  host?: string;
  /**
   * Listen on this Unix domain socket instead of host:port, as `vllm serve --uds` does. A
   * local client then skips the loopback TCP stack, whose per-write kernel cost bounds how
   * fast one step's frames reach thousands of streams (bench/http-lag.ts measures both).
   */
  uds?: string;
  seed?: number;
  quality?: QualityModel;
  /** Asked to judge an answer, how often the pool agrees with the simulator's truth (judge.ts; default 0.85). */
  judgeAgreement?: number;
  faults?: FaultPolicy;
  /**
   * Observes how late each streamed token frame reaches the socket relative to the engine's
   * schedule (bench). Frames held back by an injected stall are not observed.
   */
  onEmitLag?(lagMs: number, tokenIndex: number): void;
  /** Where warnings go (frames falling behind the engine's schedule); default stderr. */
  onWarning?(line: string): void;
}

export interface SimServer {
  /** Base URL; with `uds` it only names the Host header (connect through `socketPath`). */
  url: string;
  socketPath?: string;
  pool: SimPool;
  servedModelName: string;
  /** How late token frames reached the socket against the engine's schedule, in ms and modelled steps (also after close). */
  frameLag(): FrameLagStats;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

export async function startSimServer(opts: SimServerOptions): Promise<SimServer> {
  const clock = new WallClock();
  const {
    servedModelName: _s,
    port: _p,
    host: _h,
    uds: _u,
    seed: _seed,
    quality: _q,
    faults: _f,
    onEmitLag: _o,
    onWarning: _w,
    onStep,
    ...specOverrides
  } = opts;
  // Resolved first: an unknown model fails before anything listens.
  const profile = modelProfile(opts.model);
  const servedModelName = opts.servedModelName ?? profile.hfId;
  const servedNames = [...new Set([servedModelName, profile.hfId, profile.name])];
  const lagWatch = new EmissionLagWatch(servedModelName, opts.onWarning ?? ((line) => console.warn(line)));
  const pool = new SimPool(
    {
      ...DEFAULT_POOL_SPEC,
      ...specOverrides,
      model: opts.model,
      // Token-producing steps set the unit frame lag is measured in.
      onStep: (st) => {
        if (st.tokens > 0) lagWatch.observeStep(st.end - st.start);
        onStep?.(st);
      },
    },
    clock,
  );
  const ctx = {
    model: pool.model.name,
    maxModelLen: pool.maxModelLen,
    blockSize: pool.spec.blockSize,
    seed: opts.seed ?? 0,
    quality: opts.quality ?? builtinQualityTable(),
    judgeAgreement: opts.judgeAgreement ?? DEFAULT_JUDGE_AGREEMENT,
  };
  const metrics = new VllmMetrics(pool, servedModelName, () => lagWatch.stepSeconds());
  const dcgm = dcgmRegistry(pool);
  const faults = opts.faults ?? NO_FAULTS;
  const created = Math.floor(Date.now() / 1000);
  let requestIndex = 0;

  const sendError = (res: ServerResponse, err: ApiError) => {
    res.writeHead(err.status, { 'content-type': 'application/json' }).end(err.body());
  };

  const complete = (req: IncomingMessage, res: ServerResponse, body: string, kind: 'chat' | 'completion') => {
    const parsed = parseBody(body, kind);
    if (!servedNames.includes(parsed.model)) {
      throw new ApiError(404, 'NotFoundError', `The model \`${parsed.model}\` does not exist.`);
    }
    const plan = planRequest(parsed, req.headers, ctx);
    const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replaceAll('-', '')}`;
    const requestId = headerValue(req, 'x-request-id') ?? id;
    const fault = faults.forRequest(requestIndex++);
    const failure = fault?.failBeforeHead?.();
    if (failure) {
      res.writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers }).end(failure.body);
      return;
    }
    const run = () =>
      serveCompletion(res, parsed, plan, {
        id,
        requestId,
        created,
        // vLLM answers with the name the request used, when it is one it serves.
        servedModelName: parsed.model,
        pool,
        metrics,
        fault,
        lagWatch,
        onEmitLag: opts.onEmitLag,
      });
    const delay = fault?.headDelayMs?.() ?? 0;
    // A client that gave up during a slow first byte never reaches the engine.
    if (delay > 0) setTimeout(() => (res.destroyed || req.socket.destroyed ? undefined : run()), delay);
    else run();
  };

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const route = `${req.method} ${url.split('?')[0]}`;
    const handle = async () => {
      switch (route) {
        case 'GET /health':
          res.writeHead(200).end();
          return;
        case 'GET /v1/models':
          res.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              object: 'list',
              // One entry per served name, as vLLM lists several --served-model-name values.
              data: servedNames.map((id) => ({
                id,
                object: 'model',
                created,
                owned_by: 'vllm',
                root: pool.model.hfId,
                max_model_len: pool.maxModelLen,
              })),
            }),
          );
          return;
        case 'GET /metrics':
          res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
          return;
        case 'GET /dcgm/metrics':
          res.writeHead(200, { 'content-type': dcgm.contentType }).end(await dcgm.metrics());
          return;
        case 'POST /v1/chat/completions':
          complete(req, res, await readBody(req), 'chat');
          return;
        case 'POST /v1/completions':
          complete(req, res, await readBody(req), 'completion');
          return;
        default:
          sendError(res, new ApiError(404, 'NotFoundError', `no route for ${route}`));
      }
    };
    handle().catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(res, err instanceof ApiError ? err : new ApiError(500, 'InternalServerError', String(err)));
    });
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  const uds = opts.uds;
  if (uds !== undefined) await removeStaleSocket(uds);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A Unix socket refuses connects beyond the accept backlog at once (TCP retries): allow bursts.
    if (uds !== undefined) server.listen({ path: uds, backlog: 4096 }, resolve);
    else server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve);
  });
  let finalLag: FrameLagStats | undefined;
  let url = 'http://localhost';
  if (uds === undefined) {
    const address = server.address() as AddressInfo;
    url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  }
  return {
    url,
    ...(uds !== undefined ? { socketPath: uds } : {}),
    pool,
    servedModelName,
    frameLag: () => finalLag ?? lagWatch.stats(),
    close: () =>
      new Promise<void>((resolve) => {
        clock.stop();
        server.closeAllConnections();
        server.close(() => {
          finalLag ??= lagWatch.stats();
          lagWatch.destroy();
          resolve();
        });
      }),
  };
}

/**
 * A socket file left by a server that died (nobody accepts on it) is replaced; a live server's
 * socket or any other file at the path is an error.
 */
async function removeStaleSocket(path: string): Promise<void> {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return; // nothing there
  }
  if (!stat.isSocket()) throw new SimConfigError(`--uds ${path}: the path exists and is not a socket`);
  const live = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) throw new SimConfigError(`--uds ${path}: another server is listening on this socket`);
  unlinkSync(path);
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'BadRequestError', `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

interface ServeContext {
  id: string;
  requestId: string;
  created: number;
  servedModelName: string;
  pool: SimPool;
  metrics: VllmMetrics;
  fault: ReturnType<FaultPolicy['forRequest']>;
  lagWatch: EmissionLagWatch;
  onEmitLag?(lagMs: number, tokenIndex: number): void;
}

/** Submits the request to the engine and writes tokens as the engine produces them. */
function serveCompletion(res: ServerResponse, req: ParsedRequest, plan: RequestPlan, c: ServeContext): void {
  const clock = c.pool.clock;
  let lastTokenTime = -1;
  const onWritten = (index: number) => {
    const now = clock.now();
    const steps = c.lagWatch.observe(lastTokenTime, now);
    c.metrics.observeFrameLag(steps);
    c.onEmitLag?.((now - lastTokenTime) * 1000, index);
  };
  const stream = req.stream ? new SseStream(res, req.kind, c, c.fault, req.continuousUsage, onWritten) : undefined;
  const text: string[] = [];
  const seq = {
    id: c.id,
    promptTokens: plan.promptTokens,
    blockHashes: plan.blockHashes,
    outputTokens: plan.outputTokens,
    cancelled: false,
    listener: {
      onToken(index: number, time: number) {
        if (lastTokenTime >= 0) c.metrics.observeItl(time - lastTokenTime);
        lastTokenTime = time;
        const piece = plan.pieces[index] ?? '';
        if (stream) {
          const last = index === plan.outputTokens - 1;
          stream.token(index, piece, last ? plan.finishReason : null, {
            prompt: plan.promptTokens,
            completion: index + 1,
          });
        } else text.push(piece);
      },
      onFinish(r: SeqResult) {
        c.metrics.observeFinished({
          finishReason: plan.finishReason,
          queueS: r.firstScheduled - r.arrival,
          prefillS: r.firstTokenTime - r.firstScheduled,
          decodeS: r.finishTime - r.firstTokenTime,
          ttftS: r.firstTokenTime - r.arrival,
          e2eS: r.finishTime - r.arrival,
          promptTokens: r.promptTokens,
          outputTokens: r.outputTokens,
        });
        const usage = {
          prompt_tokens: r.promptTokens,
          completion_tokens: r.outputTokens,
          total_tokens: r.promptTokens + r.outputTokens,
          prompt_tokens_details: { cached_tokens: r.cachedTokens },
        };
        if (stream) {
          stream.finish(req.includeUsage ? usage : undefined);
          return;
        }
        const content = text.join('');
        const choice =
          req.kind === 'chat'
            ? { index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: plan.finishReason }
            : { index: 0, text: content, logprobs: null, finish_reason: plan.finishReason };
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': c.requestId }).end(
          JSON.stringify({
            id: c.id,
            object: req.kind === 'chat' ? 'chat.completion' : 'text_completion',
            created: c.created,
            model: c.servedModelName,
            choices: [choice],
            usage,
          }),
        );
      },
    },
  };
  // A client that goes away aborts the request, freeing its batch slot and KV blocks.
  res.on('close', () => {
    if (res.writableFinished || seq.cancelled) return;
    seq.cancelled = true;
    c.metrics.observeAbort();
  });
  c.pool.submit(seq);
}
