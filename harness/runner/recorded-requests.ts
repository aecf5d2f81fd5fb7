/**
 * What `wrp run --resume` knows about the requests a run already recorded: for each
 * request id, whether it succeeded, its pool, its scheduled time, and where its line lies
 * in requests.jsonl, so the answer (needed only to continue a conversation cut by the kill)
 * is read back from the file on demand instead of being kept. Kept in typed arrays: about
 * 36 bytes per record, off the JavaScript heap, instead of the whole records.
 *
 * Request ids are `s<session>/<turn>` (the workload's); records are chained per session, so
 * a lookup walks one session's few turns. Other ids go through a plain map.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { ChatMessage, RequestResult, SessionPlan } from '../types.ts';
import type { LineSpan } from './results-reader.ts';

export interface RecordedTurn {
  ok: boolean;
  pool: string;
  scheduledMs: number;
  /** The recorded answer, read back from requests.jsonl (undefined for a request that has none). */
  answer(): string | undefined;
}

export interface RecordedLookup {
  /** Distinct request ids recorded. */
  readonly size: number;
  get(id: string): RecordedTurn | undefined;
}

const SESSION_ID = /^s(\d+)\/(\d+)$/;

function grow<T extends Float64Array | Int32Array | Uint8Array | Uint16Array>(a: T, need: number, fill = 0): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

export class RecordedRequests implements RecordedLookup {
  size = 0;
  /** Recorded requests that did not succeed (they count towards max_error_rate). */
  errors = 0;
  private turn = new Int32Array(1024);
  private ok = new Uint8Array(1024);
  private pool = new Uint16Array(1024);
  private scheduledMs = new Float64Array(1024);
  private offset = new Float64Array(1024);
  private length = new Float64Array(1024);
  /** Next record of the same session (-1: none). */
  private next = new Int32Array(1024);
  /** First record of each session (-1: none), by session number. */
  private head = new Int32Array(1024).fill(-1);
  private readonly pools: string[] = [];
  private readonly poolIndex = new Map<string, number>();
  /** Records whose id is not `s<n>/<k>`. */
  private readonly other = new Map<string, number>();

  constructor(private readonly file: string) {}

  /** Adds a record read from `file` at `line`; a repeated id keeps its first record. */
  add(r: RequestResult, line: LineSpan): void {
    const m = SESSION_ID.exec(r.id);
    if (m === null) {
      if (this.other.has(r.id)) return;
      this.other.set(r.id, this.store(r, line, -1));
      return;
    }
    const s = Number(m[1]);
    const t = Number(m[2]);
    if (this.find(s, t) !== -1) return;
    this.head = grow(this.head, s + 1, -1);
    const i = this.store(r, line, t);
    this.next[i] = this.head[s]!;
    this.head[s] = i;
  }

  get(id: string): RecordedTurn | undefined {
    const m = SESSION_ID.exec(id);
    const i = m === null ? (this.other.get(id) ?? -1) : this.find(Number(m[1]), Number(m[2]));
    if (i === -1) return undefined;
    const offset = this.offset[i]!;
    const length = this.length[i]!;
    return {
      ok: this.ok[i] === 1,
      pool: this.pools[this.pool[i]!]!,
      scheduledMs: this.scheduledMs[i]!,
      answer: () => this.readAnswer(offset, length),
    };
  }

  private find(s: number, t: number): number {
    if (s >= this.head.length) return -1;
    for (let i = this.head[s]!; i !== -1; i = this.next[i]!) if (this.turn[i] === t) return i;
    return -1;
  }

  private store(r: RequestResult, line: LineSpan, t: number): number {
    const i = this.size++;
    this.turn = grow(this.turn, this.size);
    this.ok = grow(this.ok, this.size);
    this.pool = grow(this.pool, this.size);
    this.scheduledMs = grow(this.scheduledMs, this.size);
    this.offset = grow(this.offset, this.size);
    this.length = grow(this.length, this.size);
    this.next = grow(this.next, this.size);
    let p = this.poolIndex.get(r.decision.pool);
    if (p === undefined) {
      p = this.pools.push(r.decision.pool) - 1;
      this.poolIndex.set(r.decision.pool, p);
    }
    this.turn[i] = t;
    this.ok[i] = r.status === 'ok' ? 1 : 0;
    this.pool[i] = p;
    this.scheduledMs[i] = r.timing.scheduledMs;
    this.offset[i] = line.offset;
    this.length[i] = line.length;
    this.next[i] = -1;
    if (r.status !== 'ok') this.errors++;
    return i;
  }

  private readAnswer(offset: number, length: number): string | undefined {
    const buf = Buffer.allocUnsafe(length);
    const fd = openSync(this.file, 'r');
    try {
      let got = 0;
      while (got < length) {
        const n = readSync(fd, buf, got, length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
    } finally {
      closeSync(fd);
    }
    const rec = JSON.parse(buf.toString('utf8')) as Partial<RequestResult>;
    return typeof rec.answer === 'string' ? rec.answer : undefined;
  }
}

/** Where a session's sends begin: its first turn, or the turn after its recorded ones with their conversation. */
export interface StartAt {
  turn: number;
  history: ChatMessage[];
  previousPool?: string;
}

/**
 * Resume: where a session picks up. `complete` when every turn is recorded or a recorded
 * failure ended it; `abandoned` when a turn to continue from has no recorded answer.
 * Answers are read back from the file only for a session that continues.
 */
export function resumePoint(session: SessionPlan, done: RecordedLookup): StartAt | 'complete' | 'abandoned' {
  let previousPool: string | undefined;
  for (let k = 0; k < session.turns.length; k++) {
    const rec = done.get(session.turns[k]!.labels.id);
    if (rec === undefined) {
      if (k === 0) return { turn: 0, history: [] };
      const history: ChatMessage[] = [];
      for (let j = 0; j < k; j++) {
        const answer = done.get(session.turns[j]!.labels.id)?.answer();
        if (answer === undefined) return 'abandoned';
        history.push({ role: 'user', content: session.turns[j]!.user }, { role: 'assistant', content: answer });
      }
      return { turn: k, history, previousPool };
    }
    if (!rec.ok) return 'complete'; // a failed turn ended its conversation
    previousPool = rec.pool;
  }
  return 'complete';
}
