/**
 * Writes one streamed completion as vLLM does: a role chunk with the first token (chat),
 * one chunk per token with `delta.content` (or `text`), `finish_reason` on the last content
 * chunk, an optional usage chunk with empty `choices`, then `data: [DONE]`. Every frame
 * passes through the request's fault hooks.
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
  ) {
    const object = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    // Constant leading fields serialised once; each frame appends only its choices.
    this.prefix = `data: {"id":${JSON.stringify(ids.id)},"object":"${object}","created":${ids.created},"model":${JSON.stringify(ids.servedModelName)},`;
    this.headers = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': ids.requestId };
  }

  token(index: number, piece: string, finishReason: string | null, usage: { prompt: number; completion: number }): void {
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
    else this.res.write(action);
  }

  private flushStalled(): void {
    const held = this.stalled;
    this.stalled = undefined;
    if (!held || this.res.destroyed) return;
    this.res.write(held.join(''));
    if (this.endPending) this.res.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.stalled) this.endPending = true;
    else this.res.end();
  }
}
