/**
 * Child process of the load-generator benchmark (bench/loadgen.ts), compiled by it with
 * esbuild and run with plain node. One load generator per process, against the no-op SSE
 * server's URL, so each gets a core and its CPU time is its own:
 *
 * - `autocannon`: the throughput reference, closed loop with `connections` sockets.
 * - `undici`: a bare undici dispatch loop that only drains bodies (what any undici-based
 *   client costs at least).
 * - `undici-events`: the same loop, the body decoded (StringDecoder) and split into SSE events
 *   by eventsource-parser, the library wrp's client uses, and nothing done with the events: the
 *   floor under any client built on undici and that parser, whatever it does with an event.
 * - `undici-sse`: the same loop, reading what the answer says as any streaming client must:
 *   the body decoded, split into SSE events, and JSON.parse of every `data:` payload, and
 *   nothing else (no timings, no record). The floor under a client that reads each event.
 * - `client`: wrp's OpenAIClient, closed loop (parses every event, records every timing).
 * - `open`: a bare Node open-loop sender: Poisson arrivals, each sent at its time (sleeping
 *   on a timer when early, yielding every 2 ms when late), bodies drained; send lag into an
 *   HDR histogram. The reference for wrp's open loop.
 * - `read-readline`, `read-chunks`: bare streaming JSONL readers (node:readline, or 1 MiB
 *   reads split at newlines), JSON.parse of every line and nothing else: the reference for
 *   `wrp report`.
 * - `jitter`: a timer every `periodMs` and nothing else; how late it fires (HDR): what this
 *   machine's scheduler alone costs a process that must act on a cadence (the floor under
 *   the simulated pool's frame lag).
 *
 * Config in WRP_DRIVER (JSON); the result goes back over IPC.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { StringDecoder } from 'node:string_decoder';
import autocannon from 'autocannon';
import { createParser } from 'eventsource-parser';
import { Pool, type Dispatcher } from 'undici';
import { OpenAIClient } from '../harness/client/openai-client.ts';
import { newHistogram, percentileMs, recordMs } from '../harness/histogram.ts';

export interface DriverConfig {
  mode:
    | 'autocannon'
    | 'undici'
    | 'undici-events'
    | 'undici-sse'
    | 'client'
    | 'open'
    | 'read-readline'
    | 'read-chunks'
    | 'jitter';
  /** jitter: the timer period, ms. */
  periodMs?: number;
  url: string;
  /** read-*: the JSONL file. */
  file?: string;
  connections: number;
  durationS: number;
  /** open: sessions per second. */
  rate?: number;
  /** open: sends due this long after the start are also counted apart (`lagAfterWarmUp`). */
  warmUpMs?: number;
  /** open: requests sent (8 at a time) before the clock starts, as `wrp run` with `warmup.requests`. */
  warmUpRequests?: number;
  /** Output tokens asked for (the simulated pool honours it; the no-op server sends its own). */
  tokens: number;
  model: string;
  /** Extra request headers (x-wrp-output-tokens for the simulated pool). */
  headers?: Record<string, string>;
}

export interface DriverResult {
  mode: DriverConfig['mode'];
  completed: number;
  errors: number;
  wallS: number;
  perS: number;
  cpuUsPerRequest: number;
  /** open: sends, sessions due by the end, and send lag (ms). */
  sent?: number;
  due?: number;
  lag?: { p50: number | null; p99: number | null; max: number | null };
  /** open: send lag of the sends due after `warmUpMs` (the sender warm), ms. */
  lagAfterWarmUp?: { p50: number | null; p99: number | null };
  /** Peak resident memory of the process, KiB. */
  maxRssKiB?: number;
}

const MESSAGES = [{ role: 'user' as const, content: 'Which option is right? Answer with the letter only.' }];

function payload(c: DriverConfig): string {
  return JSON.stringify({
    model: c.model,
    messages: MESSAGES,
    max_tokens: c.tokens,
    stream: true,
    stream_options: { include_usage: true },
  });
}

/** Runs `one` on `connections` workers until the duration is up; completions counted. */
async function closedLoop(c: DriverConfig, one: () => Promise<boolean>): Promise<DriverResult> {
  let completed = 0;
  let errors = 0;
  let stop = false;
  const timer = setTimeout(() => (stop = true), c.durationS * 1000);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: c.connections }, async () => {
      while (!stop) {
        if (await one()) completed++;
        else errors++;
      }
    }),
  );
  clearTimeout(timer);
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    mode: c.mode,
    completed,
    errors,
    wallS,
    perS: completed / wallS,
    cpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, completed + errors),
  };
}

/** What a floor does with one answer's body: each chunk as it comes, then whether it was an answer. */
interface BodyReader {
  data(chunk: Buffer): void;
  ok(): boolean;
}

/** The body drained, nothing read (one object for every request: the undici floor allocates nothing more). */
const DRAINED: BodyReader = { data: () => undefined, ok: () => true };
const drained = (): BodyReader => DRAINED;

/** The body split into SSE events by eventsource-parser (counted, not read). */
function eventsSplit(): BodyReader {
  let events = 0;
  const decoder = new StringDecoder('utf8');
  const parser = createParser({ onEvent: () => void events++ });
  return { data: (chunk) => parser.feed(decoder.write(chunk)), ok: () => events > 0 };
}

/** The body decoded and every event's JSON parsed (its content kept): reading each event naively. */
function eventsParsed(): BodyReader {
  let text = '';
  const decoder = new TextDecoder();
  return {
    data: (chunk) => void (text += decoder.decode(chunk, { stream: true })),
    ok: () => {
      let content = '';
      for (const event of text.split('\n\n')) {
        if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
        const v = JSON.parse(event.slice(6)) as { choices?: { delta?: { content?: string } }[] };
        content += v.choices?.[0]?.delta?.content ?? '';
      }
      return content.length > 0;
    },
  };
}

/** The floors' readers, by driver mode. */
const FLOOR_READERS = { undici: drained, 'undici-events': eventsSplit, 'undici-sse': eventsParsed } as const;

/** One request through undici's dispatch, its body given to `reader`: resolves ok or not. */
function dispatchOnce(
  pool: Dispatcher,
  body: string,
  headers: Record<string, string>,
  reader: BodyReader = DRAINED,
): Promise<boolean> {
  return new Promise((resolve) => {
    let status = 0;
    pool.dispatch(
      { path: '/v1/chat/completions', method: 'POST', headers, body, headersTimeout: 0, bodyTimeout: 0 },
      {
        onRequestStart: () => undefined,
        onResponseStart: (_c, code) => void (status = code),
        onResponseData: (_c, chunk) => reader.data(chunk),
        onResponseEnd: () => resolve(status === 200 && reader.ok()),
        onResponseError: () => resolve(false),
      },
    );
  });
}

async function runAutocannon(c: DriverConfig): Promise<DriverResult> {
  const cpu0 = process.cpuUsage();
  const r = await autocannon({
    url: `${c.url}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...c.headers },
    body: payload(c),
    connections: c.connections,
    duration: c.durationS,
  });
  const cpu = process.cpuUsage(cpu0);
  const completed = r['2xx'];
  const wallS = r.duration;
  return {
    mode: c.mode,
    completed,
    errors: r.errors + r.non2xx,
    wallS,
    perS: completed / wallS,
    cpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, r.requests.total),
  };
}

/** Seeded exponential gaps (mulberry32), so every run offers the same schedule. */
function exponentialGaps(ratePerS: number, seed = 1): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return (-Math.log(1 - u) / ratePerS) * 1000;
  };
}

async function runOpen(c: DriverConfig): Promise<DriverResult> {
  const pool = new Pool(c.url, { connections: null });
  const body = payload(c);
  const headers = { 'content-type': 'application/json', ...c.headers };
  const lag = newHistogram();
  const warmLag = newHistogram();
  const gap = exponentialGaps(c.rate ?? 1000);
  let maxLag = 0;
  let sent = 0;
  let due = 0;
  let completed = 0;
  let errors = 0;
  let pending = 0;
  let drained: (() => void) | undefined;
  let warm = c.warmUpRequests ?? 0;
  await Promise.all(
    Array.from({ length: Math.min(8, warm) }, async () => {
      while (warm-- > 0) await dispatchOnce(pool, body, headers);
    }),
  );
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + c.durationS * 1000;
  let lastYield = t0;
  let at = t0 + gap();
  for (; at <= end; at += gap()) {
    due++;
    let now = performance.now();
    if (now < at) {
      while (now < at) {
        await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil(at - now))));
        now = performance.now();
      }
      lastYield = now;
    } else if (now - lastYield >= 2) {
      await new Promise((r) => setImmediate(r));
      now = lastYield = performance.now();
    }
    if (now > end) break;
    recordMs(lag, now - at);
    if (at - t0 >= (c.warmUpMs ?? 0)) recordMs(warmLag, now - at);
    maxLag = Math.max(maxLag, now - at);
    sent++;
    pending++;
    void dispatchOnce(pool, body, headers).then((ok) => {
      if (ok) completed++;
      else errors++;
      if (--pending === 0) drained?.();
    });
  }
  // Arrivals due by the end but never sent (the sender was behind at the stop).
  for (at += gap(); at <= end; at += gap()) due++;
  const sendWallS = (performance.now() - t0) / 1000;
  if (pending > 0) await new Promise<void>((r) => (drained = r));
  await pool.close();
  const cpu = process.cpuUsage(cpu0);
  const result: DriverResult = {
    mode: c.mode,
    completed,
    errors,
    wallS: sendWallS,
    perS: sent / c.durationS,
    cpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, sent),
    sent,
    due,
    lag: { p50: percentileMs(lag, 50), p99: percentileMs(lag, 99), max: Number(maxLag.toFixed(2)) },
    lagAfterWarmUp: { p50: percentileMs(warmLag, 50), p99: percentileMs(warmLag, 99) },
  };
  lag.destroy();
  warmLag.destroy();
  return result;
}

/** Reads a JSONL file line by line, JSON.parse of each: the bare reader `wrp report` is compared with. */
async function runReader(c: DriverConfig): Promise<DriverResult> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let lines = 0;
  let bad = 0;
  const take = (line: string) => {
    if (line.length === 0) return;
    try {
      if (typeof JSON.parse(line) === 'object') lines++;
    } catch {
      bad++;
    }
  };
  if (c.mode === 'read-readline') {
    const rl = createInterface({ input: createReadStream(c.file!), crlfDelay: Infinity });
    for await (const line of rl) take(line);
  } else {
    const fh = await open(c.file!, 'r');
    let buf = Buffer.allocUnsafe(1 << 20);
    let carry = 0;
    for (;;) {
      if (carry === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]);
      const { bytesRead } = await fh.read(buf, carry, buf.length - carry);
      if (bytesRead === 0) break;
      const view = buf.subarray(0, carry + bytesRead);
      let start = 0;
      for (let nl = view.indexOf(10, carry); nl !== -1; nl = view.indexOf(10, start)) {
        take(view.toString('utf8', start, nl));
        start = nl + 1;
      }
      view.copy(buf, 0, start);
      carry = view.length - start;
    }
    await fh.close();
  }
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    mode: c.mode,
    completed: lines,
    errors: bad,
    wallS,
    perS: lines / wallS,
    cpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, lines),
    maxRssKiB: process.resourceUsage().maxRSS,
  };
}

/** How late a bare timer fires at a fixed cadence: the machine's floor for any paced writer. */
async function runJitter(c: DriverConfig): Promise<DriverResult> {
  const period = c.periodMs ?? 5;
  const lag = newHistogram();
  let maxLag = 0;
  let ticks = 0;
  const t0 = performance.now();
  const end = t0 + c.durationS * 1000;
  for (let due = t0 + period; due < end; due += period) {
    await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil(due - performance.now()))));
    const late = Math.max(0, performance.now() - due);
    recordMs(lag, late);
    maxLag = Math.max(maxLag, late);
    ticks++;
    // Late past a period: the next due time is now (no burst of catch-up ticks).
    if (late > period) due = performance.now() - period;
  }
  const wallS = (performance.now() - t0) / 1000;
  const result: DriverResult = {
    mode: c.mode,
    completed: ticks,
    errors: 0,
    wallS,
    perS: ticks / wallS,
    cpuUsPerRequest: 0,
    lag: { p50: percentileMs(lag, 50), p99: percentileMs(lag, 99), max: Number(maxLag.toFixed(2)) },
  };
  lag.destroy();
  return result;
}

async function main(): Promise<DriverResult> {
  const c = JSON.parse(process.env.WRP_DRIVER ?? '{}') as DriverConfig;
  const headers = { 'content-type': 'application/json', ...c.headers };
  switch (c.mode) {
    case 'autocannon':
      return runAutocannon(c);
    case 'undici':
    case 'undici-events':
    case 'undici-sse': {
      const pool = new Pool(c.url, { connections: c.connections });
      const body = payload(c);
      const reader = FLOOR_READERS[c.mode];
      const r = await closedLoop(c, () => dispatchOnce(pool, body, headers, reader()));
      await pool.close();
      return r;
    }
    case 'client': {
      const client = new OpenAIClient({ baseUrl: c.url, connections: c.connections, headers: c.headers });
      const body = { model: c.model, messages: MESSAGES, max_tokens: c.tokens };
      const r = await closedLoop(c, async () => (await client.chat(body)).ok);
      await client.close();
      return r;
    }
    case 'open':
      return runOpen(c);
    case 'read-readline':
    case 'read-chunks':
      return runReader(c);
    case 'jitter':
      return runJitter(c);
  }
}

if (process.send !== undefined) {
  const result = await main();
  process.send(result, () => process.exit(0));
}
