/**
 * Incremental Server-Sent-Events parser: push response bytes in, get events out.
 *
 * A thin adapter over `eventsource-parser` (rexxars), which parses text chunks without
 * owning the connection and already handles LF/CR/CRLF endings, multi-line `data:`,
 * comments, `event:`/`id:` fields and a line split across chunks. This file adds the
 * byte side: node's StringDecoder (a chunk boundary inside a multibyte UTF-8 character is
 * fine; several times cheaper per chunk than a streaming TextDecoder), an end-of-stream
 * flush for a trailing lone CR, and reuse: `end()` leaves the parser ready for the next
 * stream, and `bind()` points it at that stream's handler, so a client keeps a few parsers
 * instead of building one per request.
 *
 * Pinned to eventsource-parser 3.x: 4.x requires Node >= 22.12, this project runs on 20.
 */
import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';

/** One dispatched SSE event. `event` and `id` are undefined unless the server sent them. */
export type SseEvent = EventSourceMessage;

export type SseEventHandler = (event: SseEvent) => void;

/** A stream's receiver of events (an object, so a pooled parser needs no closure per stream). */
export interface SseSink {
  onSseEvent(event: SseEvent): void;
}

const CR = 13;
const ignore: SseSink = { onSseEvent: () => undefined };

export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  private readonly parser: EventSourceParser;
  private sink: SseSink;
  /** The last text fed ended in CR: a following LF would belong to the same line break. */
  private pendingCr = false;

  constructor(onEvent?: SseEventHandler, onComment?: (comment: string) => void) {
    this.sink = onEvent ? { onSseEvent: onEvent } : ignore;
    this.parser = createParser({ onEvent: (e) => this.sink.onSseEvent(e), onComment });
  }

  /** Sends the next stream's events to `sink` (a parser taken from a pool). */
  bind(sink: SseSink): void {
    this.sink = sink;
  }

  /** Feeds raw response bytes; events are delivered synchronously to the handler. */
  push(bytes: Uint8Array): void {
    const text = this.decoder.write(bytes);
    if (text.length > 0) this.pushText(text);
  }

  /** Feeds already-decoded text (tests, or callers that decode themselves). */
  pushText(text: string): void {
    if (text.length === 0) return;
    this.parser.feed(text);
    this.pendingCr = text.charCodeAt(text.length - 1) === CR;
  }

  /**
   * Ends the stream: flushes the decoder, and resolves a trailing CR, which the parser
   * holds back in case an LF follows (CR-only streams end on one). Feeding LF after a CR
   * is the same line break, so it cannot change what was meant. Per the SSE spec, a
   * final event without its blank line is discarded. The parser is then as new.
   */
  end(): void {
    const rest = this.decoder.end();
    if (rest.length > 0) this.pushText(rest);
    if (this.pendingCr) this.pushText('\n');
    this.reset();
  }

  /** Drops whatever a stream left half-parsed (an aborted response) and unbinds its handler. */
  reset(): void {
    this.decoder.end();
    this.parser.reset();
    this.pendingCr = false;
    this.sink = ignore;
  }
}

/** Parses a whole stream given as byte chunks (tests, small bodies). */
export function parseSseChunks(chunks: Iterable<Uint8Array>): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser((e) => events.push(e));
  for (const c of chunks) parser.push(c);
  parser.end();
  return events;
}
