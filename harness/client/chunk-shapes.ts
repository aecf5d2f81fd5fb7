/**
 * Reads a streamed chunk's content and finish reason without a full JSON.parse when the
 * chunk has a shape already parsed in full. A vLLM stream repeats one frame, byte for byte,
 * around each token's text: `{"id":"X","object":...,"model":...,"choices":[{"index":0,
 * "delta":{"content":` + the token's JSON string + `},"logprobs":null,"finish_reason":null}]}`.
 * JSON.parse of every such event is most of what a client spends per request at thousands
 * of requests a second; here only the string is scanned.
 *
 * Exact, not heuristic: a data string is read on the fast path only when it is literally
 * `prefix + string + tail`, where `prefix` and `tail` are the text around the content
 * string of an event that was parsed in full, and that parse showed the content string is
 * the only thing the rest of the client reads from it (one choice, no usage, no error, no
 * reasoning, no second key of the same name after it). JSON's grammar then makes the new
 * event's parse equal to that one's with only the string changed. Anything else (the role
 * chunk, the usage chunk, an error event, another server's layout) is parsed in full.
 *
 * The prefix holds the request's id, so it is per stream (`StreamShape`); tails, and the
 * prefixes' structure with the id left out, are the same across requests (`KnownShapes`,
 * shared by a client, bounded): a new request's prefix is probed only if its structure is new.
 */
import type { ChoiceJson, ChunkJson, Endpoint } from './types.ts';

/** What a known tail means: the chunk's finish_reason (undefined when null). */
interface TailMeaning {
  finishReason: string | undefined;
}

const MAX_TAILS = 64;

/**
 * What a client's streams share: tails seen after the content string, and the skeletons of
 * prefixes already checked by a probe parse (a prefix with its `"id"` string emptied: ids
 * differ per request, the structure around them does not). Both are a handful; bounded.
 */
export class KnownShapes {
  private readonly tails: string[] = [];
  private readonly meanings: TailMeaning[] = [];
  private readonly skeletons = new Set<string>();

  /** The meaning of the tail that `data` has from `from` on. */
  match(data: string, from: number): TailMeaning | undefined {
    const n = data.length - from;
    for (let i = 0; i < this.tails.length; i++) {
      const t = this.tails[i]!;
      if (t.length === n && data.endsWith(t)) return this.meanings[i];
    }
    return undefined;
  }

  learn(tail: string, meaning: TailMeaning): void {
    if (this.tails.length < MAX_TAILS && !this.tails.includes(tail)) {
      this.tails.push(tail);
      this.meanings.push(meaning);
    }
  }

  checked(skeleton: string): boolean {
    return this.skeletons.has(skeleton);
  }

  check(skeleton: string): void {
    if (this.skeletons.size < MAX_TAILS && !this.skeletons.has(skeleton)) {
      this.skeletons.add(skeleton);
      this.rests.push(skeleton.slice(ID_OPEN.length));
    }
  }

  /**
   * A new stream's prefix found in `data` by a checked skeleton (its id aside), so even its
   * first content event needs no full parse; undefined when none fits.
   */
  prefixOf(data: string): string | undefined {
    if (this.rests.length === 0 || !data.startsWith(ID_OPEN)) return undefined;
    const close = plainStringEnd(data, ID_OPEN.length);
    if (close === -1) return undefined;
    for (const rest of this.rests)
      if (data.length > close + rest.length && data.slice(close, close + rest.length) === rest)
        return data.slice(0, close + rest.length);
    return undefined;
  }

  /** Each checked skeleton without its opening `{"id":"`: what follows the id string. */
  private readonly rests: string[] = [];
}

const ID_OPEN = '{"id":"';

/**
 * A prefix with the contents of its leading `"id"` string removed, when that string is
 * plain (no backslash, no control character): any other plain id gives the same JSON
 * structure. Undefined for any other prefix (it is then probed on its own).
 */
function skeletonOf(prefix: string): string | undefined {
  if (!prefix.startsWith(ID_OPEN)) return undefined;
  const close = plainStringEnd(prefix, ID_OPEN.length);
  return close === -1 ? undefined : ID_OPEN + prefix.slice(close);
}

/** The closing quote of a string whose text starts at `from`, when it is plain (no backslash, no control character); else -1. */
function plainStringEnd(s: string, from: number): number {
  const close = s.indexOf('"', from);
  if (close === -1) return -1;
  for (let i = from; i < close; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 92) return -1;
  }
  return close;
}

export interface FastChunk {
  content: string;
  finishReason: string | undefined;
}

const KEY: Record<Endpoint, string> = { chat: '"content":"', completions: '"text":"' };
const PROBE = 'wrp probe';

/**
 * The end of the JSON string whose opening quote is at `open`: the index of its closing
 * quote, or -1. `escaped` tells whether it holds a backslash (then it needs JSON.parse).
 */
function stringEnd(s: string, open: number): { close: number; escaped: boolean } {
  const q = s.indexOf('"', open + 1);
  if (q === -1) return NOT_FOUND;
  const slash = s.indexOf('\\', open + 1);
  if (slash === -1 || slash > q) return { close: q, escaped: false };
  // Backslashes: a quote preceded by an odd run of them is escaped.
  for (let from = open + 1; ;) {
    const at = s.indexOf('"', from);
    if (at === -1) return NOT_FOUND;
    let slashes = 0;
    for (let i = at - 1; i > open && s.charCodeAt(i) === 92; i--) slashes++;
    if (slashes % 2 === 0) return { close: at, escaped: true };
    from = at + 1;
  }
}

const NOT_FOUND = { close: -1, escaped: false };

/** The string's value; undefined when it is not a valid JSON string (a raw control character). */
function readString(s: string, open: number, close: number, escaped: boolean): string | undefined {
  if (escaped) {
    try {
      return JSON.parse(s.slice(open, close + 1)) as string;
    } catch {
      return undefined;
    }
  }
  for (let i = open + 1; i < close; i++) if (s.charCodeAt(i) < 0x20) return undefined;
  return s.slice(open + 1, close);
}

/** The content and finish reason of a parsed chunk when they are all the client reads from it. */
function plainContent(c: ChunkJson, endpoint: Endpoint): FastChunk | undefined {
  if (c.error !== undefined && c.error !== null) return undefined;
  if (c.usage !== undefined && c.usage !== null) return undefined;
  if (!Array.isArray(c.choices) || c.choices.length !== 1) return undefined;
  const ch = c.choices[0] as ChoiceJson;
  let content: unknown;
  if (endpoint === 'chat') {
    const d = ch.delta;
    if (typeof d !== 'object' || d === null || Object.keys(d).length !== 1) return undefined;
    content = d.content;
  } else {
    if ('delta' in ch || 'message' in ch) return undefined;
    content = ch.text;
  }
  const finish: unknown = ch.finish_reason;
  if (typeof content !== 'string' || (finish !== null && finish !== undefined && typeof finish !== 'string'))
    return undefined;
  return { content, finishReason: typeof finish === 'string' && finish.length > 0 ? finish : undefined };
}

/** One stream's learned prefix. */
export class StreamShape {
  private prefix: string | undefined;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly shapes: KnownShapes,
  ) {}

  /** The content and finish reason of `data` when its shape is known; undefined: parse it in full. */
  read(data: string): FastChunk | undefined {
    const p = (this.prefix ??= this.shapes.prefixOf(data));
    // slice + === compares with memcmp; startsWith on a sliced string costs ten times more.
    if (p === undefined || data.length <= p.length || data.slice(0, p.length) !== p) return undefined;
    const open = p.length - 1;
    const { close, escaped } = stringEnd(data, open);
    if (close === -1) return undefined;
    const meaning = this.shapes.match(data, close + 1);
    if (meaning === undefined) return undefined;
    const content = readString(data, open, close, escaped);
    return content === undefined ? undefined : { content, finishReason: meaning.finishReason };
  }

  /**
   * After a full parse of `data` into `c`: learns its prefix and tail when the content
   * string is all the client reads from it. A new prefix structure or tail is checked by
   * parsing it around a probe string: the probe must come out as the content, all else the same.
   */
  learn(data: string, c: ChunkJson): void {
    const plain = plainContent(c, this.endpoint);
    if (plain === undefined) return;
    const key = KEY[this.endpoint];
    const at = data.indexOf(key);
    if (at === -1) return;
    const open = at + key.length - 1;
    const { close, escaped } = stringEnd(data, open);
    if (close === -1 || readString(data, open, close, escaped) !== plain.content) return;
    // Copies of their own (not slices of this event, which would keep it alive).
    const prefix = Buffer.from(data.slice(0, open + 1)).toString();
    const tail = Buffer.from(data.slice(close + 1)).toString();
    if (this.prefix !== undefined && this.prefix !== prefix) return;
    const skeleton = this.prefix === undefined ? skeletonOf(prefix) : undefined;
    const prefixKnown = this.prefix !== undefined || (skeleton !== undefined && this.shapes.checked(skeleton));
    if (!prefixKnown || this.shapes.match(tail, 0) === undefined) {
      let probe: FastChunk | undefined;
      try {
        probe = plainContent(JSON.parse(`${prefix}${PROBE}"${tail}`) as ChunkJson, this.endpoint);
      } catch {
        return;
      }
      if (probe?.content !== PROBE || probe.finishReason !== plain.finishReason) return;
      if (skeleton !== undefined) this.shapes.check(skeleton);
    }
    this.prefix = prefix;
    this.shapes.learn(tail, { finishReason: plain.finishReason });
  }
}
