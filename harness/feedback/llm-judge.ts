/**
 * llm_judge: asks any OpenAI-compatible chat endpoint (vLLM, OpenAI, the simulated pool) to
 * grade the answer with a rubric prompt, and reads a score from the reply. A judge that is
 * unreachable, errors, or replies without a readable score yields an Evaluation without
 * quality and a detail saying why: one bad judge call must not stop a run.
 */
import { OpenAIClient } from '../client/openai-client.ts';
import type { Evaluation } from '../types.ts';
import { parseNumber } from './extract.ts';
import { failedEvaluation, type EvalInput, type Evaluator } from './types.ts';

/** MT-bench single-answer grading prompt, with the reference answer when the workload has one. */
export const DEFAULT_RUBRIC = `[Instruction]
Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant to the user question displayed below. Your evaluation should consider correctness, helpfulness, relevance, depth and level of detail. If a reference answer is given, compare the assistant's answer with it and penalise mistakes. Begin your evaluation with a short explanation. Be as objective as possible. After the explanation, rate the response on a scale of 1 to 10 by strictly following this format: "Rating: [[rating]]", for example: "Rating: [[5]]".

[Question]
{{question}}

[Reference Answer]
{{reference}}

[The Start of Assistant's Answer]
{{answer}}
[The End of Assistant's Answer]`;

export interface LlmJudgeOptions {
  /** Server origin, e.g. http://127.0.0.1:8000 (a trailing /v1 is accepted). */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Template with {{question}}, {{answer}}, {{reference}}, {{category}}. Default DEFAULT_RUBRIC. */
  rubric?: string;
  system?: string;
  /** [worst, best] score the rubric asks for: [1, 10] (default) or [0, 1]. quality = (s - worst) / (best - worst). */
  scoreRange?: [number, number];
  maxTokens?: number;
  temperature?: number;
  /** Whole judge call, ms. Default 60 s. */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** Fills `{{name}}` placeholders; unknown names are left as written. */
export function renderRubric(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (all, key: string) => vars[key] ?? all);
}

/**
 * The score in a judge's reply, within [lo, hi]: "[[7]]", then "Rating: 7" / "Score: 0.8",
 * then "7/10" / "7 out of 10", then the last number in the reply. Undefined if none is in range.
 */
export function parseJudgeScore(reply: string, [lo, hi]: [number, number]): number | undefined {
  const num = String.raw`([-+]?\d+(?:\.\d+)?)`;
  const patterns = [
    new RegExp(String.raw`\[\[\s*${num}\s*\]\]`, 'g'),
    new RegExp(String.raw`(?:rating|score|grade)\s*[:=]?\s*\**\s*${num}`, 'gi'),
    new RegExp(String.raw`${num}\s*(?:\/|out\s+of)\s*${hi}\b`, 'gi'),
    new RegExp(num, 'g'),
  ];
  for (const re of patterns) {
    const all = [...reply.matchAll(re)];
    const last = all.at(-1);
    if (last === undefined) continue;
    const v = parseNumber(last[1]!);
    if (v !== undefined && v >= lo && v <= hi) return v;
    return undefined; // a score in the expected form but out of range: do not guess further
  }
  return undefined;
}

export class LlmJudgeEvaluator implements Evaluator {
  readonly name = 'llm_judge';
  private readonly client: OpenAIClient;
  private readonly range: [number, number];

  constructor(private readonly opts: LlmJudgeOptions) {
    this.range = opts.scoreRange ?? [1, 10];
    const total = opts.timeoutMs ?? 60_000;
    this.client = new OpenAIClient({
      baseUrl: opts.baseUrl,
      apiKey: opts.apiKey,
      headers: opts.headers,
      timeouts: { totalMs: total, firstByteMs: total, idleMs: total },
    });
  }

  async evaluate(input: EvalInput): Promise<Evaluation> {
    if (!input.record.ok) return failedEvaluation(this.name, input.record);
    if (input.text.trim() === '') return { quality: 0, evaluator: this.name, detail: 'empty answer' };
    const prompt = renderRubric(this.opts.rubric ?? DEFAULT_RUBRIC, {
      question: input.prompt ?? '(question not available)',
      answer: input.text,
      reference: input.labels.reference ?? '(no reference answer)',
      category: input.labels.category,
    });
    const messages = [
      ...(this.opts.system !== undefined ? [{ role: 'system' as const, content: this.opts.system }] : []),
      { role: 'user' as const, content: prompt },
    ];
    try {
      const rec = await this.client.chat(
        {
          model: this.opts.model,
          messages,
          max_tokens: this.opts.maxTokens ?? 512,
          temperature: this.opts.temperature ?? 0,
        },
        { stream: false, tag: `judge:${input.labels.id}` },
      );
      if (!rec.ok)
        return {
          evaluator: this.name,
          detail: `judge failed (${rec.errorClass ?? 'error'}): ${(rec.errorMessage ?? '').slice(0, 200)}`,
        };
      const score = parseJudgeScore(rec.text, this.range);
      if (score === undefined)
        return { evaluator: this.name, detail: `no score in judge reply: ${JSON.stringify(rec.text.slice(-200))}` };
      const [lo, hi] = this.range;
      return {
        quality: (score - lo) / (hi - lo),
        evaluator: this.name,
        detail: `judge score ${score} in [${lo}, ${hi}]`,
      };
    } catch (err) {
      return { evaluator: this.name, detail: `judge error: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
