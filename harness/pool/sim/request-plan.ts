/**
 * Turns a validated request into what the simulated engine runs and what the server
 * streams back: prompt tokens and prefix-block hashes, the output length, the finish
 * reason, and the response text (carrying the reference answer when the answer is good, a
 * good or poor closing remark for a free-form task, or a judge's rating: judge.ts).
 */
import { LABEL_HEADERS } from '../../types.ts';
import { responsePieces, wrongAnswer } from './answer-text.ts';
import { isJudgeRequest, judgeReply } from './judge.ts';
import { ApiError, badRequest, type ParsedRequest } from './openai-request.ts';
import { goodAnswer, promptKeyOf, type QualityModel } from './quality.ts';
import { applyChatTemplate, blockHashes, hashString53, tokenize } from '../../../core/text/tokenizer.ts';
import { mulberry32 } from '../../../core/rng.ts';

export interface RequestPlan {
  promptTokens: number;
  blockHashes: number[];
  outputTokens: number;
  finishReason: 'stop' | 'length';
  /** One text piece per output token. */
  pieces: string[];
}

export interface PlanContext {
  /** Sim model profile name the quality table is keyed by. */
  model: string;
  maxModelLen: number;
  blockSize: number;
  seed: number;
  quality: QualityModel;
  /** How often the pool, asked to judge, agrees with the simulator's truth (judge.ts). */
  judgeAgreement: number;
}

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Natural answer length when the workload does not label it: log-normal, median 150 tokens,
 * deterministic per prompt and seed (chat answers in public traces have a median of a few
 * hundred tokens with a long tail).
 */
export function naturalOutputTokens(seed: number, promptKey: string): number {
  const rand = mulberry32(hashString53(promptKey, seed) >>> 0);
  const normal = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return Math.max(1, Math.min(4096, Math.round(150 * Math.exp(0.8 * normal))));
}

export function planRequest(req: ParsedRequest, headers: Headers, ctx: PlanContext): RequestPlan {
  const text = req.kind === 'chat' ? applyChatTemplate(req.messages!) : req.prompt!;
  const tokens = tokenize(text);
  const promptTokens = tokens.length;
  if (promptTokens === 0) throw badRequest('the prompt is empty');
  if (promptTokens >= ctx.maxModelLen || promptTokens + (req.maxTokens ?? 1) > ctx.maxModelLen) {
    throw badRequest(
      `This model's maximum context length is ${ctx.maxModelLen} tokens. However, you requested ` +
        `${promptTokens + (req.maxTokens ?? 0)} tokens (${promptTokens} in the messages, ${req.maxTokens ?? 0} in the completion).`,
    );
  }
  const maxTokens = req.maxTokens ?? ctx.maxModelLen - promptTokens;
  // Keyed by the question (last user turn), so per-prompt dataset scores match whatever
  // system prompt or history the workload wraps around it.
  const question = req.kind === 'chat' ? (req.messages!.findLast((m) => m.role === 'user')?.content ?? text) : text;
  const promptKey = header(headers, LABEL_HEADERS.promptId) ?? promptKeyOf(question);
  const labelled = header(headers, LABEL_HEADERS.outputTokens);
  let natural = labelled === undefined ? naturalOutputTokens(ctx.seed, promptKey) : Number(labelled);
  if (!Number.isInteger(natural) || natural < 1) {
    throw new ApiError(
      400,
      'BadRequestError',
      `${LABEL_HEADERS.outputTokens}: expected a positive integer, got '${labelled}'`,
    );
  }
  natural = Math.max(natural, req.minTokens);
  const outputTokens = req.ignoreEos ? maxTokens : Math.min(natural, maxTokens);
  const finishReason = req.ignoreEos || natural > maxTokens ? 'length' : 'stop';

  if (isJudgeRequest(question, header(headers, LABEL_HEADERS.judge))) {
    // A judge's reply is short whatever the answer's natural length.
    const reply = judgeReply(question, ctx.judgeAgreement, ctx.seed).split(' ');
    const n = Math.min(reply.length, maxTokens);
    return {
      promptTokens,
      blockHashes: blockHashes(tokens, ctx.blockSize),
      outputTokens: n,
      finishReason: n < reply.length ? 'length' : 'stop',
      pieces: reply.slice(0, n).map((w, i) => (i === 0 ? w : ' ' + w)),
    };
  }
  const reference = header(headers, LABEL_HEADERS.reference);
  const salt = hashString53(promptKey, ctx.seed + 1) >>> 0;
  const p = ctx.quality.probabilityGood(ctx.model, header(headers, LABEL_HEADERS.category), promptKey);
  const good = goodAnswer(ctx.seed, ctx.model, promptKey, p);
  // A task with a reference states its answer; a free-form one ends with a remark a judge reads.
  const graded = reference !== undefined && reference !== '';
  const answer = graded ? (good ? reference : wrongAnswer(reference, salt)) : undefined;
  return {
    promptTokens,
    blockHashes: blockHashes(tokens, ctx.blockSize),
    outputTokens,
    finishReason,
    pieces: responsePieces(outputTokens, answer, salt, natural, graded ? undefined : good ? 'good' : 'poor'),
  };
}
