import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamShape, KnownShapes } from './chunk-shapes.ts';
import type { ChoiceJson, ChunkJson } from './types.ts';

const head = (id: string) => `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":1,"model":"m",`;
const frame = (id: string, content: string, finish: string | null) =>
  `${head(id)}"choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"logprobs":null,"finish_reason":${JSON.stringify(finish)}}]}`;

/** What the client reads from a fully parsed chunk: the content and the finish reason. */
function fullRead(data: string): { content: unknown; finishReason: unknown } {
  const c = JSON.parse(data) as ChunkJson;
  const ch = (c.choices as ChoiceJson[])[0]!;
  return { content: ch.delta?.content, finishReason: ch.finish_reason ?? undefined };
}

describe('StreamShape', () => {
  it('reads content and finish reason exactly as a full parse does, for any content string', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 12 }),
        fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom(null, 'stop', 'length')), {
          maxLength: 10,
        }),
        (first, rest) => {
          const tails = new KnownShapes();
          const shape = new StreamShape('chat', tails);
          const d0 = frame('chatcmpl-1', first, null);
          shape.learn(d0, JSON.parse(d0) as ChunkJson);
          for (const [content, finish] of rest) {
            const d = frame('chatcmpl-1', content, finish);
            const fast = shape.read(d);
            const full = fullRead(d);
            if (fast === undefined) {
              shape.learn(d, JSON.parse(d) as ChunkJson); // an unseen tail: the client parses it, then knows it
              continue;
            }
            expect(fast.content).toBe(full.content);
            expect(fast.finishReason).toBe(full.finishReason);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('parses in full what carries more than content: role, usage, error, another id, a raw control character', () => {
    const shape = new StreamShape('chat', new KnownShapes());
    const d0 = frame('a', 'x', null);
    shape.learn(d0, JSON.parse(d0) as ChunkJson);
    expect(shape.read(frame('a', 'y', null))).toEqual({ content: 'y', finishReason: undefined });
    expect(shape.read(frame('b', 'y', null))).toBeUndefined(); // another stream's prefix
    const usage = `${head('a')}"choices":[{"index":0,"delta":{"content":"y"},"logprobs":null,"finish_reason":null}],"usage":{"completion_tokens":3}}`;
    expect(shape.read(usage)).toBeUndefined();
    expect(
      shape.read(
        `${head('a')}"choices":[{"index":0,"delta":{"content":"a\tb"},"logprobs":null,"finish_reason":null}]}`,
      ),
    ).toBeUndefined();
    const role = `${head('a')}"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`;
    shape.learn(role, JSON.parse(role) as ChunkJson);
    expect(shape.read(role)).toBeUndefined();
  });

  it('never learns a tail whose later key would override the content', () => {
    const shape = new StreamShape('chat', new KnownShapes());
    const dup = `${head('a')}"choices":[{"index":0,"delta":{"content":"x","content":"x"},"logprobs":null,"finish_reason":null}]}`;
    shape.learn(dup, JSON.parse(dup) as ChunkJson);
    const next = `${head('a')}"choices":[{"index":0,"delta":{"content":"y","content":"x"},"logprobs":null,"finish_reason":null}]}`;
    expect(shape.read(next)).toBeUndefined();
  });

  it('a new stream of a known structure (another id) reads exactly as well, odd ids included', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 10 }), { minLength: 1, maxLength: 6 }), (ids) => {
        const shapes = new KnownShapes();
        let plainIdsSeen = 0;
        for (const id of ids) {
          const shape = new StreamShape('chat', shapes);
          const d0 = frame(id, 'x', null);
          const plainId = JSON.stringify(id) === `"${id}"`;
          // A plain id after a checked stream: even the first content event needs no full parse.
          if (plainId && plainIdsSeen > 0) expect(shape.read(d0)).toEqual({ content: 'x', finishReason: undefined });
          if (plainId) plainIdsSeen++;
          shape.learn(d0, JSON.parse(d0) as ChunkJson);
          const d1 = frame(id, 'y"z', null);
          const fast = shape.read(d1);
          if (fast !== undefined) expect(fast.content).toBe(fullRead(d1).content);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('reads completions text the same way', () => {
    const shape = new StreamShape('completions', new KnownShapes());
    const f = (t: string) =>
      `{"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":${JSON.stringify(t)},"logprobs":null,"finish_reason":null}]}`;
    shape.learn(f('a'), JSON.parse(f('a')) as ChunkJson);
    expect(shape.read(f('say "hi"\\n'))).toEqual({ content: 'say "hi"\\n', finishReason: undefined });
  });
});
