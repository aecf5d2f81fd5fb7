/**
 * The signal map: how wrp categories become signals vLLM Semantic Router computes. A map is
 * an ordered list of routes, each one keyword rule (the router's literal keyword semantics,
 * router-model/signals.ts) plus a default category for a request no route matches. A
 * request's category is the first route whose rule matches the text the router's signals read
 * (the last non-empty user message, else the non-user messages), so wrp, at training and
 * evaluation time, and the router, at serving time, put every request in the same category.
 *
 * Export turns route i into keyword signal `wrp-<route>` and a decision at priority
 * 1000 - i, and the default category into a decision without rules at priority 0: every
 * decision is reachable by construction, and the router's priority order is the map's order.
 *
 * Maps come from a YAML/JSON file (`--signals FILE`) or are built in (`builtin:synthetic`,
 * derived from wrp's own synthetic task templates, harness/workload/tasks-*.ts).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { parseOrThrow } from '../../core/validate.ts';
import { InputFileError } from '../../core/errors.ts';
import type { ChatMessage, RoutingContext } from '../../harness/types.ts';
import { compileKeywordRule, requestTexts, type CompiledKeywordRule } from './router-model/signals.ts';

const routeSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, 'expected a name of letters, digits, space, _ . -'),
  operator: z.enum(['AND', 'OR', 'NOR']).default('OR'),
  keywords: z
    .array(
      z
        .string()
        .min(1)
        .refine(
          (k) => !/[\p{L}\p{Nd}_]/u.test(k) || /^[\p{L}\p{Nd}_].*[\p{L}\p{Nd}_]$|^[\p{L}\p{Nd}_]$/u.test(k),
          'a keyword with letters or digits must start and end with one: the router wraps it in \\b...\\b, so "sum(x)" would need a word character after ")"',
        ),
    )
    .min(1),
  case_sensitive: z.boolean().default(false),
});

export const signalMapSchema = z
  .strictObject({
    version: z.literal(1).default(1),
    name: z.string().min(1).optional(),
    routes: z.array(routeSchema).min(1),
    /** The category of a request no route matches. */
    default: z.string().min(1).default('other'),
  })
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    m.routes.forEach((r, i) => {
      if (seen.has(r.name)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'name'], message: `"${r.name}" twice` });
      seen.add(r.name);
    });
    if (seen.has(m.default))
      ctx.addIssue({ code: 'custom', path: ['default'], message: `"${m.default}" is also a route: pick another name` });
  });

export type SignalMap = z.infer<typeof signalMapSchema>;
export type SignalRoute = SignalMap['routes'][number];

/** Keyword signal name of a route in config.yaml. */
export const signalName = (route: string) => `wrp-${route.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;

/**
 * Built in: the seven synthetic categories, from phrases their templates always contain
 * (follow-up turns carry none and land in the default category, as in the router).
 */
export const BUILTIN_MAPS: Record<string, SignalMap> = {
  synthetic: {
    version: 1,
    name: 'builtin:synthetic',
    default: 'other',
    routes: [
      { name: 'math', operator: 'OR', case_sensitive: false, keywords: ['Give the final answer as a single number'] },
      {
        name: 'multiple-choice',
        operator: 'OR',
        case_sensitive: false,
        keywords: ['Answer with the letter of the correct option only'],
      },
      {
        name: 'extraction',
        operator: 'OR',
        case_sensitive: false,
        keywords: ['Reply with the value only', 'extract the meeting room'],
      },
      {
        name: 'classification',
        operator: 'OR',
        case_sensitive: false,
        keywords: ['Classify the sentiment of this review', 'Which topic does this headline belong to'],
      },
      {
        name: 'summarize',
        operator: 'OR',
        case_sensitive: false,
        keywords: [
          'Summarize the report below',
          'summary of the following report',
          'List the main decisions and numbers in the report below',
        ],
      },
      {
        name: 'code',
        operator: 'OR',
        case_sensitive: false,
        keywords: [
          'Write a Python function',
          'Write a function',
          'Write a JavaScript function',
          'Write a SQL query',
          'Write a Python generator',
          'Write a binary search function',
          'Implement a small LRU cache',
        ],
      },
      {
        name: 'chitchat',
        operator: 'OR',
        case_sensitive: false,
        keywords: [
          'relaxing hobby',
          'end of a job interview',
          'easy vegetarian dinner',
          "remember people's names",
          'three-day hiking trip',
          'politely decline an invitation',
          'cat who learns to swim',
          'keeping houseplants alive',
          'keep procrastinating',
          'rainy Sunday afternoon',
          'start learning to draw',
          'friendly birthday message',
        ],
      },
    ],
  },
};

/** `builtin:NAME` or a YAML/JSON file, validated (errors name the file and the path). */
export function loadSignalMap(spec: string): SignalMap {
  if (spec.startsWith('builtin:')) {
    const m = BUILTIN_MAPS[spec.slice('builtin:'.length)];
    if (!m)
      throw new InputFileError(
        spec,
        `no such built-in signal map (built in: ${Object.keys(BUILTIN_MAPS)
          .map((k) => `builtin:${k}`)
          .join(', ')})`,
      );
    return structuredClone(m);
  }
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(spec, 'utf8'));
  } catch (e) {
    throw new InputFileError(spec, `cannot read the signal map (${(e as Error).message.split('\n')[0]})`, { cause: e });
  }
  return parseOrThrow(signalMapSchema, raw, spec);
}

/** Checks a map that came inside a policy file. */
export function parseSignalMap(raw: unknown, source: string): SignalMap {
  return parseOrThrow(signalMapSchema, raw, source, ['signals']);
}

/** A map ready to classify requests. */
export class SignalRouter {
  private readonly rules: { route: string; rule: CompiledKeywordRule }[];
  constructor(readonly map: SignalMap) {
    this.rules = map.routes.map((r) => ({
      route: r.name,
      rule: compileKeywordRule({
        name: r.name,
        operator: r.operator,
        keywords: r.keywords,
        case_sensitive: r.case_sensitive,
      }),
    }));
  }

  /** Every category the map can produce: its routes, then the default. */
  get categories(): string[] {
    return [...this.map.routes.map((r) => r.name), this.map.default];
  }

  /** The context with its category replaced by the map's (how a policy trained on the map sees it). */
  view(ctx: RoutingContext): RoutingContext {
    const category = this.categoryOf(ctx.messages);
    return category === ctx.labels.category ? ctx : { ...ctx, labels: { ...ctx.labels, category } };
  }

  /** The category of a request, from the text the router's signals read. */
  categoryOf(messages: readonly ChatMessage[]): string {
    const text = requestTexts(messages).signal;
    if (text === '') return this.map.default;
    return this.rules.find((r) => r.rule.matches(text))?.route ?? this.map.default;
  }
}
