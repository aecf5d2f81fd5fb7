/**
 * The goal table of issue 13: bad inputs and faults, each tried as a new user would (the
 * `wrp` CLI in a child process), each with
 * - one line naming the problem (the last `wrp:` line; an error is the only `wrp:` line and
 *   never a stack),
 * - the right exit status (2: the user can fix it; 1: a runtime failure; 0: the run went on;
 *   130/143: a signal),
 * - no run folder left half-made: every folder under --out holds records, or there is none,
 * - every request sent recorded exactly once (unique ids, summary.sent = records; against a
 *   stand-in pool, its own count of requests received = records that left).
 * Stand-ins are written from the real systems' behaviour: vLLM's /v1/models list, its 401
 * `{"error": "Unauthorized"}` with --api-key, `python3 -m http.server`'s 404 HTML page (the
 * real one when python3 is on PATH), nvidia-smi's exit 9 without a driver.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import type { RequestResult } from '../harness/types.ts';

const ROOT = resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'wrp-bad-'));
const servers: Server[] = [];
const kill: (() => void)[] = [];
afterAll(() => {
  for (const s of servers) s.close();
  for (const k of kill) k();
  rmSync(tmp, { recursive: true, force: true });
});

// ---- stand-ins --------------------------------------------------------------------------

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const models = (ids: string[]) => ({
  object: 'list',
  data: ids.map((id) => ({ id, object: 'model', owned_by: 'vllm', root: id, max_model_len: 8192 })),
});

/** Python's http.server answers any path it has no file for with this 404 page (http/server.py DEFAULT_ERROR_MESSAGE). */
function pythonHttpServer404(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res
    .writeHead(404, { server: 'SimpleHTTP/0.6 Python/3.12.0', 'content-type': 'text/html;charset=utf-8' })
    .end(
      '<!DOCTYPE HTML>\n<html lang="en">\n    <head>\n        <meta charset="utf-8">\n        <title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n        <p>Error code: 404</p>\n        <p>Message: File not found.</p>\n    </body>\n</html>\n',
    );
}

/** The real `python3 -m http.server` when python3 is here, else the stand-in above. */
async function notVllm(): Promise<string> {
  if (spawnSync('python3', ['--version']).status === 0) {
    const port = await closedPort();
    const dir = join(tmp, 'www');
    mkdirSync(dir, { recursive: true });
    const py = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1'], {
      cwd: dir,
      stdio: 'ignore',
    });
    kill.push(() => py.kill('SIGKILL'));
    for (let i = 0; i < 100; i++) {
      const up = await fetch(`http://127.0.0.1:${port}/`).then(
        () => true,
        () => false,
      );
      if (up) return `http://127.0.0.1:${port}`;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return serve(pythonHttpServer404);
}

/**
 * A vLLM-like pool whose streamed answers cycle through the odd wire shapes servers send; it
 * counts the completions it received (the independent side of the accounting).
 */
const ID = 'chatcmpl-x';
const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: ID, object: 'chat.completion.chunk', model: 'odd', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const usage = `data: ${JSON.stringify({ id: ID, object: 'chat.completion.chunk', model: 'odd', choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } })}\n\n`;
const ODD_SHAPES: { cls: string | undefined; write(res: ServerResponse): void }[] = [
  {
    cls: undefined,
    write: (r) => sse(r, `${chunk({ content: 'a' })}${chunk({ content: 'b' }, 'stop')}${usage}data: [DONE]\n`),
  },
  {
    cls: 'http_5xx',
    write: (r) => sse(r, `${chunk({ content: 'a' })}event: error\ndata: {"message":"engine died"}\n\n`),
  },
  { cls: 'http_5xx', write: (r) => sse(r, `${chunk({ content: 'a' })}data: {"error": "upstream exploded"}\n\n`) },
  {
    cls: 'http_4xx',
    write: (r) => sse(r, `data: {"object":"error","message":"too long","type":"BadRequestError","code":400}\n\n`),
  },
  { cls: 'server_abort', write: (r) => sse(r, `${chunk({ content: 'a' }, 'abort')}${usage}data: [DONE]\n\n`) },
  { cls: 'content_type', write: (r) => json(r, 200, { id: ID, choices: [{ message: { content: 'whole' } }] }) },
  { cls: 'content_type', write: (r) => r.writeHead(200, { 'content-type': 'text/html' }).end('<html>hi</html>') },
  {
    cls: undefined,
    write: (r) => {
      sse(r, `${chunk({ content: 'a' })}${chunk({ content: 'b' }, 'stop')}${usage}data: [DONE]\n\n`, false);
      setTimeout(() => r.socket?.destroy(), 10); // dropped before the chunked terminator
    },
  },
];
function sse(res: ServerResponse, body: string, end = true): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' }).write(body);
  if (end) res.end();
}
let oddReceived = 0;
function oddPool(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/v1/models') return void json(res, 200, models(['odd']));
  if (req.url === '/metrics') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('');
  if (req.method === 'POST' && req.url === '/v1/chat/completions') {
    req.resume();
    ODD_SHAPES[oddReceived++ % ODD_SHAPES.length]!.write(res);
    return;
  }
  res.writeHead(404).end();
}

/** An embeddings endpoint that answers its first `n` batches, then goes away (connections refused). */
let embeddingBatches = 0;
async function dyingEmbeddings(n: number): Promise<string> {
  const s = createServer((req, res) => {
    if (req.url === '/v1/models') return void json(res, 200, models(['emb']));
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const input = (JSON.parse(body) as { input: string[] }).input;
      res.on('finish', () => {
        if (++embeddingBatches !== n) return;
        s.close();
        s.closeAllConnections();
      });
      json(res, 200, {
        object: 'list',
        data: input.map((t, index) => ({
          index,
          embedding: Array.from({ length: 8 }, (_, k) => (t.length * (k + 1)) % 7),
        })),
      });
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

// ---- experiments ------------------------------------------------------------------------

const pricing = { input_per_1m: 0.1, output_per_1m: 0.1 };
const simPool = (name = 'a', extra: Record<string, unknown> = {}) => ({
  name,
  model: 'llama-3.2-1b',
  sim: { model: 'llama-3.2-1b' },
  pricing,
  ...extra,
});
const livePool = (url: string, model = 'llama-3.2-1b', extra: Record<string, unknown> = {}) => ({
  name: 'live',
  model,
  endpoint: url,
  pricing,
  ...extra,
});

function base(name: string): Record<string, unknown> {
  return {
    name,
    seed: 1,
    pools: [simPool()],
    workload: {
      sources: [{ type: 'synthetic', archetypes: { chat: 1 }, output_scale: 0.1 }],
      arrival: { type: 'constant', rate: 40 },
    },
    router: { type: 'random' },
    stop: { requests: 12 },
    telemetry: { interval_ms: 300 },
  };
}

/** Writes an experiment (the base with `over` merged at the top level); returns its path. */
function exp(name: string, over: Record<string, unknown> = {}, raw?: string): string {
  const file = join(tmp, `${name}.yaml`);
  writeFileSync(file, raw ?? toYaml({ ...base(name), ...over }));
  return file;
}

// ---- the table --------------------------------------------------------------------------

interface Ctx {
  urls: Record<string, string>;
  dead: string;
  busyPort: number;
  out: string;
}

interface Case {
  name: string;
  args(c: Ctx): string[];
  env?(c: Ctx): NodeJS.ProcessEnv;
  exit: number;
  /** The one line naming the problem (the last `wrp:` line), or for a run that went on, a line of its output. */
  line: RegExp;
  /** Checks on the records of a run that sent requests (accounting beyond the common ones). */
  records?(recs: RequestResult[], c: Ctx): void;
  /** Folders the run may leave: none (default) or exactly one holding records. */
  folder?: 'records';
  /** Sent to the run once it has recorded a few requests, 150 ms apart. */
  signals?: NodeJS.Signals[];
}

const run =
  (name: string, over: Record<string, unknown> = {}, extra: string[] = []) =>
  (c: Ctx) => ['run', exp(name, over), '--out', c.out, '--no-progress', ...extra];

const policyDir = join(tmp, 'policies');
function corruptNeuralPolicy(): string {
  const file = join(policyDir, 'neural-bad.json');
  const ok = JSON.parse(readFileSync(join(policyDir, 'neural', 'policy.json'), 'utf8'));
  ok.parameters.tensors[0].values = ok.parameters.tensors[0].values.slice(0, 5);
  writeFileSync(file, JSON.stringify(ok));
  return file;
}

const CASES: Case[] = [
  // Flags through the config's schema
  { name: '--requests -5', args: run('f1', {}, ['--requests', '-5']), exit: 2, line: /^wrp: --requests: .*got "-5"/ },
  { name: '--requests 0', args: run('f2', {}, ['--requests', '0']), exit: 2, line: /^wrp: --requests: .*got "0"/ },
  {
    name: '--duration abc',
    args: run('f3', {}, ['--duration', 'abc']),
    exit: 2,
    line: /^wrp: --duration: .*got "abc"/,
  },
  { name: '--requests 2.5', args: run('f4', {}, ['--requests', '2.5']), exit: 2, line: /^wrp: --requests: .*int/ },
  { name: 'an unknown flag', args: run('f5', {}, ['--bogus', '1']), exit: 2, line: /^wrp: Unknown argument: bogus/ },
  {
    name: 'an experiment and --resume together',
    args: (c) => ['run', exp('f6'), '--resume', c.out],
    exit: 2,
    line: /^wrp: expected an experiment file or --resume DIR \(not both\)/,
  },
  {
    name: '--resume on a folder that is not a run',
    args: () => ['run', '--resume', tmp],
    exit: 2,
    line: /^wrp: --resume: expected a run directory holding config\.resolved\.yaml/,
  },
  // The experiment file
  {
    name: 'a missing experiment file',
    args: (c) => ['run', join(tmp, 'nope.yaml'), '--out', c.out],
    exit: 2,
    line: /nope\.yaml: cannot read/,
  },
  {
    name: 'invalid YAML',
    args: (c) => ['run', exp('c1', {}, 'name: [unclosed'), '--out', c.out],
    exit: 2,
    line: /c1\.yaml: invalid YAML/,
  },
  { name: 'an unknown key', args: run('c2', { colour: 'blue' }), exit: 2, line: /unknown key\(s\) 'colour'/ },
  {
    name: 'a pool with both endpoint and sim',
    args: run('c3', { pools: [{ ...simPool(), endpoint: 'http://127.0.0.1:1' }] }),
    exit: 2,
    line: /pools\[0\]: expected exactly one of `endpoint`/,
  },
  {
    name: 'an unknown GPU profile',
    args: run('c4', { pools: [{ ...simPool(), sim: { model: 'llama-3.2-1b', gpu: 'X100' } }] }),
    exit: 2,
    line: /pools\[0\]\.sim\.gpu: .*got "X100"/,
  },
  {
    name: 'two pools of one name',
    args: run('c5', { pools: [simPool(), simPool()] }),
    exit: 2,
    line: /unique pool name/,
  },
  {
    name: 'no stop rule',
    args: run('c6', { stop: { grace_s: 1 } }),
    exit: 2,
    line: /stop: expected `requests` and\/or `duration_s`/,
  },
  {
    name: 'a negative fault duration',
    args: run('c7', {
      pools: [{ ...simPool(), sim: { model: 'llama-3.2-1b', faults: { stall: { rate: 0.1, seconds: -2 } } } }],
    }),
    exit: 2,
    line: /pools\[0\]\.sim\.faults\.stall\.seconds/,
  },
  {
    name: 'an unknown router type',
    args: run('c8', { router: { type: 'telepathy' } }),
    exit: 2,
    line: /router\.type: expected one of .*got "telepathy"/,
  },
  {
    name: 'a learner hyperparameter out of range',
    args: run('c9', { router: { type: 'linucb', alpha: -1 } }),
    exit: 2,
    line: /router\.alpha/,
  },
  {
    name: 'a static map naming no pool',
    args: run('c10', { router: { type: 'static', default: 'nowhere' } }),
    exit: 2,
    line: /router\.default: .*"nowhere"/,
  },
  {
    name: 'a cascade in wrp run',
    args: run('c11', { router: { type: 'cascade' } }),
    exit: 2,
    line: /router\.type: cascade: a cascade may call several models per request/,
  },
  // Input files
  {
    name: 'a missing JSONL file',
    args: run('i1', {
      workload: { sources: [{ type: 'jsonl', path: 'missing.jsonl' }], arrival: { type: 'constant', rate: 5 } },
    }),
    exit: 2,
    line: /missing\.jsonl: no such file or directory/,
  },
  {
    name: 'a missing arrival trace',
    args: run('i2', {
      workload: { sources: [{ type: 'synthetic' }], arrival: { type: 'trace', path: 'missing.csv' } },
    }),
    exit: 2,
    line: /missing\.csv/,
  },
  {
    name: 'a missing policy file',
    args: run('i3', { router: { type: 'policy_file', path: 'policies/none.json' } }),
    exit: 2,
    line: /none\.json: cannot read the policy file/,
  },
  {
    name: 'a corrupted neural policy (wrp run)',
    args: (c) =>
      run('i4', { pools: [simPool('a'), simPool('b')], router: { type: 'policy_file', path: corruptNeuralPolicy() } })(
        c,
      ),
    exit: 2,
    line: /neural-bad\.json: parameters\.tensors\[0\]\.values: 5 values where hidden0\.kernel of shape \[\d+, \d+\] needs \d+/,
  },
  // Secrets and endpoints, asked before any run folder exists
  {
    name: 'api_key_env not set',
    args: run('e1', { pools: [simPool('a', { api_key_env: 'WRP_TABLE_NO_SUCH_KEY' })] }),
    exit: 2,
    line: /pools\[0\]\.api_key_env: environment variable WRP_TABLE_NO_SUCH_KEY is not set/,
  },
  {
    name: 'a pool endpoint that refuses connections',
    args: (c) => run('e2', { pools: [livePool(c.dead)] })(c),
    exit: 2,
    line: /pools\[0\] \(live\): the pool at http:\/\/127\.0\.0\.1:\d+ refuses connections/,
  },
  {
    name: 'an endpoint that is not vLLM (python3 -m http.server)',
    args: (c) => run('e3', { pools: [livePool(c.urls.http!)] })(c),
    exit: 2,
    line: /is not an OpenAI-compatible server such as vLLM: GET .*\/v1\/models answered HTTP 404 \(text\/html/,
  },
  {
    name: 'an endpoint answering JSON that is no model list',
    args: (c) => run('e4', { pools: [livePool(c.urls.status!)] })(c),
    exit: 2,
    line: /is not an OpenAI-compatible server .*HTTP 200 \(application\/json\)/,
  },
  {
    name: 'a model the pool does not serve',
    args: (c) => run('e5', { pools: [livePool(c.urls.vllm!, 'llama-3.1-70b')] })(c),
    exit: 2,
    line: /does not serve "llama-3\.1-70b": it serves "served-model"/,
  },
  {
    name: 'a pool that wants an API key',
    args: (c) => run('e6', { pools: [livePool(c.urls.auth!, 'served-model')] })(c),
    exit: 2,
    line: /answers HTTP 401 .*it wants an API key: set api_key_env/,
  },
  {
    name: 'a pool that refuses the key given',
    args: (c) => run('e7', { pools: [livePool(c.urls.auth!, 'served-model', { api_key_env: 'WRP_TABLE_KEY' })] })(c),
    env: () => ({ WRP_TABLE_KEY: 'sk-wrong' }),
    exit: 2,
    line: /answers HTTP 401 .*it refuses the API key given/,
  },
  {
    name: 'a pool failing its model list (HTTP 503)',
    args: (c) => run('e8', { pools: [livePool(c.urls.down!, 'served-model')] })(c),
    exit: 2,
    line: /fails: GET .*answered HTTP 503/,
  },
  {
    name: 'an embedding endpoint that refuses connections',
    args: (c) =>
      run('e9', { router: { type: 'linucb', features: { embedding: { url: c.dead, model: 'emb', dim: 8 } } } })(c),
    exit: 2,
    line: /router\.features\.embedding: the embedding endpoint at .* refuses connections/,
  },
  // Energy sources
  {
    name: 'energy: nvml without nvidia-smi',
    args: run('g1', { pools: [simPool('a', { energy: 'nvml' })] }),
    env: () => ({ PATH: dirname(process.execPath) }),
    exit: 2,
    line: /pools\.a\.energy \(nvml\): nvidia-smi not found on PATH/,
  },
  {
    name: 'energy: nvml without a GPU (nvidia-smi exits 9)',
    args: (c) => run('g2', { pools: [simPool('a', { energy: { type: 'nvml', command: c.urls.nvidiaSmi } })] })(c),
    exit: 2,
    line: /pools\.a\.energy \(nvml\): .*exited \(code 9\): NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver/,
  },
  {
    name: 'energy: a DCGM exporter that is not there',
    args: (c) => run('g3', { pools: [simPool('a', { energy: { dcgm: c.dead } })] })(c),
    exit: 2,
    line: /pools\.a\.energy \(dcgm\): .*is a DCGM exporter running there\?/,
  },
  // wrp pool serve
  {
    name: 'pool serve on a busy port',
    args: (c) => ['pool', 'serve', '--model', 'llama-3.2-1b', '--port', String(c.busyPort)],
    exit: 2,
    line: /^wrp: --port \d+: 127\.0\.0\.1:\d+ is already in use .*--port 0 for a free one/,
  },
  {
    name: 'pool serve --tp 0',
    args: () => ['pool', 'serve', '--model', 'llama-3.2-1b', '--tp', '0'],
    exit: 2,
    line: /^wrp: --tp: expected a positive integer, got 0/,
  },
  // wrp train / eval
  {
    name: 'sim: training with a live pool',
    args: (c) => [
      'train',
      '--learner',
      'linucb',
      '--data',
      `sim:${exp('t1', { pools: [livePool(c.urls.vllm!, 'served-model')] })}`,
      '--out',
      join(c.out, 'p'),
    ],
    exit: 2,
    line: /pools\[0\] \(live\): a live endpoint cannot run in the virtual-time simulator/,
  },
  {
    name: 'train --learner nope',
    args: (c) => ['train', '--learner', 'nope', '--data', 'routerbench', '--out', join(c.out, 'p')],
    exit: 2,
    line: /^wrp: --learner: expected one of .*got "nope"$/,
  },
  {
    name: 'train --params that is not JSON',
    args: (c) => [
      'train',
      '--learner',
      'linucb',
      '--data',
      'routerbench',
      '--params',
      '{alpha',
      '--out',
      join(c.out, 'p'),
    ],
    exit: 2,
    line: /^wrp: --params: expected a JSON object of hyperparameters/,
  },
  {
    name: 'eval of a corrupted neural policy',
    args: () => ['eval', '--policy', corruptNeuralPolicy(), '--data', 'routerbench:test', '--files', 'arc_challenge'],
    exit: 2,
    line: /neural-bad\.json: parameters\.tensors\[0\]\.values/,
  },
  {
    name: 'eval of a missing policy',
    args: () => ['eval', '--policy', join(tmp, 'none', 'policy.json'), '--data', 'routerbench:test'],
    exit: 2,
    line: /policy\.json/,
  },
  {
    name: 'train on a dataset with a short row, a score of 1.7 and a cost of -3',
    args: () => [
      'train',
      '--learner',
      'epsilon_greedy',
      '--data',
      'routerbench',
      '--out',
      join(tmp, 'trained-on-bad-rows'),
    ],
    env: () => ({ WRP_DATA_DIR: join(tmp, 'data') }),
    exit: 0,
    line: /fam_train\.csv: 2\/5 kept; problems: malformed-row 1, score-out-of-range 1, negative-cost 1/,
  },
  {
    name: 'report on a missing folder',
    args: () => ['report', join(tmp, 'no-run')],
    exit: 2,
    line: /no-run: no such folder/,
  },
  // Faults while running: the run goes on, or ends by its error budget; nothing lost either way
  {
    name: 'every request failing: stopped by max_error_rate',
    args: run('r1', {
      pools: [simPool('a', { sim: { model: 'llama-3.2-1b', faults: { http_500: 1 } } })],
      stop: { requests: 200, max_error_rate: 0.5, min_requests_for_error_rate: 5 },
    }),
    exit: 1,
    line: /^wrp: the run was stopped by max_error_rate \(\d+\/\d+ failed > 0\.5\)$/,
    folder: 'records',
    records: (recs) => expect(recs.every((r) => r.errorClass === 'http_5xx')).toBe(true),
  },
  {
    name: 'an embedding endpoint that dies mid-run (each request its own failure domain)',
    args: (c) =>
      run('r2', {
        router: {
          type: 'linucb',
          features: { embedding: { url: c.urls.embeddings, model: 'emb', dim: 8, batch_wait_ms: 0 } },
        },
        workload: {
          sources: [{ type: 'synthetic', archetypes: { chat: 1 }, output_scale: 0.1 }],
          arrival: { type: 'constant', rate: 10 },
        },
        stop: { requests: 16 },
      })(c),
    exit: 0,
    line: /^request s\d+\/0: feature_error: embedding endpoint .* \(the run goes on/m,
    folder: 'records',
    records: (recs) => {
      expect(recs.filter((r) => r.errorClass === 'feature_error').length).toBeGreaterThan(0);
      expect(recs.filter((r) => r.status === 'ok').length).toBeGreaterThan(0);
    },
  },
  {
    name: 'odd wire shapes from a live pool (error events, abort, wrong content type, loose framing)',
    args: (c) =>
      run('r3', {
        pools: [livePool(c.urls.odd!, 'odd')],
        workload: {
          sources: [{ type: 'synthetic', archetypes: { reasoning: 1 }, output_scale: 0.1 }],
          arrival: { type: 'constant', rate: 40 },
        },
        stop: { requests: 32 },
      })(c),
    exit: 0,
    line: /^results: /m,
    folder: 'records',
    records: (recs) => {
      // Sent in order of arrival at the pool: each record's class is its shape's.
      const want = new Map<string, number>();
      for (let i = 0; i < recs.length; i++) {
        const cls = ODD_SHAPES[i % ODD_SHAPES.length]!.cls ?? 'ok';
        want.set(cls, (want.get(cls) ?? 0) + 1);
      }
      const got = new Map<string, number>();
      for (const r of recs) got.set(r.errorClass ?? 'ok', (got.get(r.errorClass ?? 'ok') ?? 0) + 1);
      expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
      expect(oddReceived).toBe(recs.length);
    },
  },
  {
    name: 'a pool that stalls past the idle timeout: timeout_idle, the run goes on',
    args: run('r4', {
      pools: [
        simPool('a', { sim: { model: 'llama-3.2-1b', faults: { stall: { rate: 1, seconds: 2, after_tokens: 1 } } } }),
      ],
      client: { idle_timeout_ms: 300 },
      stop: { requests: 6, grace_s: 5 },
    }),
    exit: 0,
    line: /^results: /m,
    folder: 'records',
    records: (recs) => expect(recs.every((r) => r.errorClass === 'timeout_idle')).toBe(true),
  },
  {
    name: 'resets, truncations, malformed events and 429s mixed: each its class, the run goes on',
    args: run('r5', {
      pools: [
        simPool('a', {
          sim: {
            model: 'llama-3.2-1b',
            faults: {
              http_429: 0.2,
              reset: { rate: 0.2, after_tokens: 1 },
              truncate: 0.2,
              malformed: { rate: 0.2, after_tokens: 1 },
            },
          },
        }),
      ],
      stop: { requests: 30 },
    }),
    exit: 0,
    line: /^results: /m,
    folder: 'records',
    records: (recs) => {
      const classes = new Set(recs.map((r) => r.errorClass ?? 'ok'));
      for (const c of classes) expect(['ok', 'http_429', 'reset', 'truncated', 'malformed_event']).toContain(c);
      expect(classes.size).toBeGreaterThan(2);
    },
  },
  {
    name: 'SIGTERM during a run: summary, the --resume command, exit 143',
    args: run('s1', {
      stop: { requests: 5000, grace_s: 30 },
      workload: {
        sources: [{ type: 'synthetic', archetypes: { chat: 1 }, output_scale: 0.3 }],
        arrival: { type: 'constant', rate: 20 },
      },
    }),
    signals: ['SIGTERM'],
    exit: 143,
    line: /^wrp: stopped by SIGTERM: \d+ requests recorded, each once; continue the run with: wrp run --resume /m,
    folder: 'records',
    records: (recs) => expect(recs.every((r) => r.status === 'ok')).toBe(true),
  },
  {
    name: 'SIGINT twice during a run: in-flight requests cancelled, each recorded, exit 130',
    args: run('s2', {
      stop: { requests: 5000, grace_s: 30 },
      workload: {
        sources: [{ type: 'synthetic', archetypes: { agent: 1 }, output_scale: 1 }],
        arrival: { type: 'constant', rate: 20 },
      },
    }),
    signals: ['SIGINT', 'SIGINT'],
    exit: 130,
    line: /^wrp: stopped by SIGINT: \d+ requests recorded, each once/m,
    folder: 'records',
  },
];

// ---- running it -------------------------------------------------------------------------

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

function wrp(
  args: string[],
  env: NodeJS.ProcessEnv,
  signal?: { out: string; signals: NodeJS.Signals[] },
): Promise<Result> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/wrp.js'), ...args], {
    cwd: tmp,
    env: { ...process.env, WRP_DEBUG: '', WRP_DATA_DIR: resolve(ROOT, '../shared/data'), ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Result>((res) => child.on('close', (status) => res({ status, stdout, stderr })));
  if (signal !== undefined) void sendWhenRecording(child, signal.out, signal.signals);
  return done;
}

/** Waits until the run under `out` has recorded a few requests, then sends the signals. */
async function sendWhenRecording(child: ChildProcess, out: string, signals: NodeJS.Signals[]): Promise<void> {
  for (let i = 0; i < 600 && child.exitCode === null; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const dir = folders(out)[0];
    if (dir === undefined || !existsSync(join(dir, 'requests.jsonl')) || lines(join(dir, 'requests.jsonl')).length < 5)
      continue;
    for (const [k, s] of signals.entries()) {
      if (k > 0) await new Promise((r) => setTimeout(r, 150));
      child.kill(s);
    }
    return;
  }
}

/** Every run folder under `out` (results/<name>/<run-id>), and policy folders. */
function folders(out: string): string[] {
  if (!existsSync(out)) return [];
  return readdirSync(out).flatMap((name) => {
    const dir = join(out, name);
    if (existsSync(join(dir, 'policy.json'))) return [dir];
    return readdirSync(dir).map((id) => join(dir, id));
  });
}

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');

const ctx = (): Ctx => ({ urls, dead, busyPort, out: '' });
const urls: Record<string, string> = {};
let dead = '';
let busyPort = 0;

beforeAll(async () => {
  dead = `http://127.0.0.1:${await closedPort()}`;
  const busy = await serve((_q, r) => r.end());
  busyPort = Number(new URL(busy).port);
  urls.http = await notVllm();
  urls.status = await serve((_q, r) => json(r, 200, { status: 'ok' }));
  urls.vllm = await serve((q, r) =>
    q.url === '/v1/models' ? json(r, 200, models(['served-model'])) : r.writeHead(404).end(),
  );
  // vLLM started with --api-key: 401 {"error": "Unauthorized"} without the right bearer token.
  urls.auth = await serve((_q, r) => json(r, 401, { error: 'Unauthorized' }));
  urls.down = await serve((_q, r) => json(r, 503, { error: { message: 'starting up' } }));
  urls.odd = await serve(oddPool);
  urls.embeddings = await dyingEmbeddings(3);
  // nvidia-smi on a machine without a working NVIDIA driver: this message, exit status 9.
  const smi = join(tmp, 'nvidia-smi-no-driver');
  writeFileSync(
    smi,
    '#!/bin/sh\necho "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running." >&2\nexit 9\n',
  );
  chmodSync(smi, 0o755);
  urls.nvidiaSmi = smi;
  // A small neural policy to corrupt, and a dataset with bad rows.
  mkdirSync(policyDir, { recursive: true });
  // Trained in the simulator on pools a and b, the pools the corrupted-policy case runs with.
  const simExp = exp('neural-sim', { pools: [simPool('a'), simPool('b')] });
  const trained = await wrp(
    [
      'train',
      '--learner',
      'neural',
      '--data',
      `sim:${simExp}`,
      '--requests',
      '300',
      '--out',
      join(policyDir, 'neural'),
    ],
    {},
  );
  expect(trained.status, trained.stderr).toBe(0);
  mkdirSync(join(tmp, 'data', 'routerbench'), { recursive: true });
  const row = (i: number, s1: string, c1 = '0.001') => `${i},id-${i},"['Question ${i}?']",x,${s1},0,${c1},0.002`;
  writeFileSync(
    join(tmp, 'data', 'routerbench', 'fam_train.csv'),
    [
      ',sample_id,prompt,eval_name,m1,m2,m1|total_cost,m2|total_cost',
      row(0, '1'),
      '1,id-1,short',
      row(2, '1.7'),
      row(3, '1', '-3'),
      row(4, '0'),
    ].join('\n') + '\n',
  );
}, 120_000);

describe('the goal table: bad inputs and faults', () => {
  it('has at least 40 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(40));

  it.concurrent.each(CASES.map((c, i) => [c.name, c, i] as const))(
    '%s',
    async (_name, c, i) => {
      const cx = { ...ctx(), out: join(tmp, 'out', String(i)) };
      const r = await wrp(c.args(cx), c.env?.(cx) ?? {}, c.signals && { out: cx.out, signals: c.signals });
      const said = r.stderr.split('\n').filter((l) => l.startsWith('wrp:'));
      const where = `${c.name}: exit ${r.status}\n${r.stderr}${r.stdout.slice(-2000)}`;
      expect(r.status, where).toBe(c.exit);
      expect(r.stderr, where).not.toMatch(/^\s+at /m); // never a stack
      if (c.exit === 2 || c.exit === 1) {
        expect(said.at(-1), where).toMatch(c.line);
        if (c.exit === 2) expect(said, where).toHaveLength(1);
      } else expect(`${r.stderr}\n${r.stdout}`, where).toMatch(c.line);
      // No run folder left half-made: none, or each holds records.
      const left = folders(cx.out);
      if (c.folder !== 'records') expect(left, where).toEqual([]);
      else {
        expect(left, where).toHaveLength(1);
        const file = join(left[0]!, 'requests.jsonl');
        const recs = lines(file).map((l) => JSON.parse(l) as RequestResult);
        expect(recs.length, where).toBeGreaterThan(0);
        expect(new Set(recs.map((x) => x.id)).size, where).toBe(recs.length); // nothing twice
        const summary = JSON.parse(readFileSync(join(left[0]!, 'summary.json'), 'utf8'));
        expect(summary.sent, where).toBe(recs.length);
        expect(summary.ok + summary.failed + summary.cancelled).toBe(recs.length);
        c.records?.(recs, cx);
      }
    },
    90_000,
  );
});
