/**
 * Validation of OpenAI-compatible request bodies, and vLLM-style errors for bad ones.
 * Unknown fields are accepted and ignored, as vLLM does.
 */
import { z } from 'zod';
import { WrpError } from '../../../core/errors.ts';

export class ApiError extends WrpError {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super('WRP_SIM_BAD_REQUEST', message);
  }

  /** The body vLLM returns: {"error": {"message", "type", "param", "code"}}. */
  body(): string {
    return JSON.stringify({ error: { message: this.message, type: this.type, param: null, code: this.status } });
  }
}

export const badRequest = (message: string) => new ApiError(400, 'BadRequestError', message);

const common = {
  model: z.string({ error: 'model: expected a string' }),
  max_tokens: z.number().int().nullish(),
  max_completion_tokens: z.number().int().nullish(),
  min_tokens: z.number().int().min(0).nullish(),
  ignore_eos: z.boolean().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z
    .object({ include_usage: z.boolean().nullish(), continuous_usage_stats: z.boolean().nullish() })
    .nullish(),
  temperature: z.number().nullish(),
  seed: z.number().int().nullish(),
};

const message = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool', 'developer']),
  // Content parts ([{type: "text", text}]) are flattened to their text.
  content: z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() })), z.null()]),
});

const chatSchema = z.object({ ...common, messages: z.array(message).min(1) });
const completionSchema = z.object({ ...common, prompt: z.union([z.string(), z.array(z.string()).length(1)]) });

export interface ParsedRequest {
  kind: 'chat' | 'completion';
  model: string;
  /** Chat messages with flattened content, or the completion prompt. */
  messages?: { role: string; content: string }[];
  prompt?: string;
  maxTokens?: number;
  minTokens: number;
  ignoreEos: boolean;
  stream: boolean;
  includeUsage: boolean;
  continuousUsage: boolean;
}

export function parseBody(raw: string, kind: 'chat' | 'completion'): ParsedRequest {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw badRequest(`invalid JSON body: ${(e as Error).message}`);
  }
  const schema = kind === 'chat' ? chatSchema : completionSchema;
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badRequest(`${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  const b = parsed.data;
  const maxTokens = b.max_completion_tokens ?? b.max_tokens ?? undefined;
  if (maxTokens !== undefined && maxTokens <= 0) throw badRequest(`max_tokens must be at least 1, got ${maxTokens}`);
  const minTokens = b.min_tokens ?? 0;
  if (maxTokens !== undefined && minTokens > maxTokens) {
    throw badRequest(`min_tokens (${minTokens}) must be less than or equal to max_tokens (${maxTokens})`);
  }
  const base = {
    kind,
    model: b.model,
    maxTokens,
    minTokens,
    ignoreEos: b.ignore_eos ?? false,
    stream: b.stream ?? false,
    includeUsage: b.stream_options?.include_usage ?? false,
    continuousUsage: b.stream_options?.continuous_usage_stats ?? false,
  };
  if ('messages' in b) {
    const messages = b.messages.map((m) => ({
      role: m.role,
      content: typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => p.text ?? '').join(''),
    }));
    return { ...base, messages };
  }
  const prompt = (b as z.infer<typeof completionSchema>).prompt;
  return { ...base, prompt: Array.isArray(prompt) ? prompt[0]! : prompt };
}
