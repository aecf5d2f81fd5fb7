/**
 * Writes one streamed completion as vLLM does: a role chunk with the first token (chat),
 * one chunk per token with `delta.content` (or `text`), `finish_reason` on the last content
 * chunk, an optional usage chunk with empty `choices`, then `data: [DONE]`. Every frame
 * passes through the request's fault hooks.
 *
 * Frames go straight to the socket, already framed as HTTP/1.1 chunks, rather than through
 * `res.write`: node:http corks the socket on every `res.write` and flushes each response in
 * its own nextTick as a 3-buffer writev, which at 2,000 streams per engine step costs about
 * three times the bare socket write (measured in bench/http-lag.ts) and hides when the bytes
 * actually reach the kernel. A direct `socket.write` hands the frame to the kernel before it
 * returns (libuv tries the write synchronously), so the emission time observed after it is
 * the real one. `res` still writes the head and, on `end()`, the terminating zero chunk.
 */
import type { ServerResponse } from 'node:http';
import type { RequestFaults } from './faults.ts';

interface StreamIds {
  id: string;
  requestId: string;
  created: number;
  servedModelName: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

export class SseStream {
  private headWritten = false;
  private ended = false;
  /** Frames held back by a stall; later frames queue behind it to keep order. */
  private stalled: string[] | undefined;
  private endPending = false;
  private readonly prefix: string;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly res: ServerResponse,
    private readonly kind: 'chat' | 'completion',
    ids: StreamIds,
    private readonly fault: RequestFaults | undefined,
    /** stream_options.continuous_usage_stats: usage on every chunk. */
    private readonly continuousUsage = false,
    /** Called right after a token's frame is handed to the socket (the emission-lag watch and bench). */
    private readonly onWritten?: (tokenIndex: number) => void,
  ) {
    const object = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    // Constant leading fields serialised once; each frame appends only its choices.
    this.prefix = `data: {"id":${JSON.stringify(ids.id)},"object":"${object}","created":${ids.created},"model":${JSON.stringify(ids.servedModelName)},`;
    this.headers = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': ids.requestId };
  }

  token(
    index: number,
    piece: string,
    finishReason: string | null,
    usage: { prompt: number; completion: number },
  ): void {
    const fr = finishReason === null ? 'null' : `"${finishReason}"`;
    let frame = '';
    if (index === 0 && this.kind === 'chat') {
      frame += `${this.prefix}"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`;
    }
    const choice =
      this.kind === 'chat'
        ? `{"index":0,"delta":{"content":${JSON.stringify(piece)}},"logprobs":null,"finish_reason":${fr}}`
        : `{"index":0,"text":${JSON.stringify(piece)},"logprobs":null,"finish_reason":${fr}}`;
    const u = this.continuousUsage
      ? `,"usage":{"prompt_tokens":${usage.prompt},"completion_tokens":${usage.completion},"total_tokens":${usage.prompt + usage.completion}}`
      : '';
    frame += `${this.prefix}"choices":[${choice}]${u}}\n\n`;
    this.write(frame, index);
  }

  finish(usage: Usage | undefined): void {
    let frame = '';
    if (usage) frame += `${this.prefix}"choices":[],"usage":${JSON.stringify(usage)}}\n\n`;
    frame += 'data: [DONE]\n\n';
    this.write(frame, -1);
    this.end();
  }

  private write(frame: string, tokenIndex: number): void {
    if (this.ended || this.res.destroyed) return;
    if (!this.headWritten) {
      this.res.writeHead(200, this.headers);
      this.res.flushHeaders();
      this.headWritten = true;
    }
    const action = this.fault?.onEvent ? this.fault.onEvent({ frame, tokenIndex }) : frame;
    if (action === 'reset') {
      this.ended = true;
      // After node:http's same-tick cork is flushed: frames written before the reset do go out.
      setImmediate(() => this.res.destroy());
      return;
    }
    if (action === 'end') {
      this.end();
      return;
    }
    if (typeof action !== 'string') {
      const held = (this.stalled ??= []);
      held.push(action.frame);
      setTimeout(() => this.flushStalled(), action.stallMs);
      return;
    }
    if (this.stalled) this.stalled.push(action);
    else {
      this.send(action);
      if (tokenIndex >= 0) this.onWritten?.(tokenIndex);
    }
  }

  /** Writes body bytes after the head: as one HTTP/1.1 chunk straight to the socket when it is ours. */
  private send(data: string): void {
    const socket = this.res.socket;
    // A pipelined response waits for its turn inside node:http (no socket yet): let it queue there.
    if (!socket) {
      this.res.write(data);
      return;
    }
    if (!this.res.chunkedEncoding) {
      socket.write(data); // HTTP/1.0 client: the body ends when the connection does
      return;
    }
    socket.write(`${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n`);
  }

  private flushStalled(): void {
    const held = this.stalled;
    this.stalled = undefined;
    if (!held || this.res.destroyed) return;
    this.send(held.join(''));
    if (this.endPending) this.res.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.stalled) this.endPending = true;
    else this.res.end();
  }
}
