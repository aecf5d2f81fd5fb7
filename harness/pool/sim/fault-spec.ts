/**
 * The fault-injection spec of a simulated pool: `pools[].sim.faults` in an experiment and
 * `wrp pool serve --faults SPEC`. Each kind fires on a fraction `rate` of requests. Kinds
 * are mutually exclusive (one draw per request decides which, if any), so the rates must
 * sum to at most 1 and a kind at rate 0.1 hits 10% of requests whatever the others are.
 *
 *   {http_500: 0.1, reset: 0.05, stall: {rate: 0.1, seconds: 2}}          (YAML / JSON)
 *   http_500=0.1,reset=0.05,stall=0.1:seconds=2:after_tokens=8,seed=3     (compact CLI form)
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseOrThrow } from '../../../core/validate.ts';

/** In draw order: the order only matters for which indices get which kind, never the rates. */
export const FAULT_KINDS = [
  'http_500',
  'http_503',
  'http_429',
  'reset',
  'malformed',
  'stall',
  'slow_first_byte',
  'truncate',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const rate = z.number().min(0).max(1);
const afterTokens = z.number().int().min(0);
const seconds = z.number().min(0);

/** A kind's entry: a bare rate, or an object with the rate and the kind's parameters. */
function kind<S extends z.ZodRawShape>(params: S, keys: string) {
  const shape = { rate, ...params };
  return z.preprocess(
    (v) => (typeof v === 'number' ? { rate: v } : v),
    z.strictObject(shape, { error: `expected a rate in [0, 1] or {rate${keys}}` }),
  );
}

export const faultSpecSchema = z
  .strictObject({
    /** Seed of the per-request draw (default: the pool's seed). */
    seed: z.number().int().optional(),
    /** HTTP errors instead of a response (vLLM's JSON error body). */
    http_500: kind({}, '').optional(),
    http_503: kind({}, '').optional(),
    http_429: kind({}, '').optional(),
    /** The connection is destroyed after `after_tokens` tokens (or at the end of a shorter answer). */
    reset: kind({ after_tokens: afterTokens.default(4) }, ', after_tokens').optional(),
    /** The event carrying token `after_tokens` is replaced by one that is not JSON. */
    malformed: kind({ after_tokens: afterTokens.default(4) }, ', after_tokens').optional(),
    /** No bytes for `seconds` after `after_tokens` tokens, then the stream goes on. */
    stall: kind(
      { seconds: seconds.default(2), after_tokens: afterTokens.default(4) },
      ', seconds, after_tokens',
    ).optional(),
    /** The response head (and so the first byte) is held back `seconds`. */
    slow_first_byte: kind({ seconds: seconds.default(2) }, ', seconds').optional(),
    /** The stream ends cleanly without `[DONE]`: after `after_tokens` tokens, or (default) in place of the usage and [DONE] events. */
    truncate: kind({ after_tokens: afterTokens.optional() }, ', after_tokens').optional(),
  })
  .superRefine((s, ctx) => {
    const rates = FAULT_KINDS.map((k) => s[k]?.rate ?? 0);
    if (rates.some((r) => !(r >= 0 && r <= 1))) return; // that kind's own error says it
    const total = rates.reduce((a, r) => a + r, 0);
    if (total > 1 + 1e-9)
      ctx.addIssue({
        code: 'custom',
        message: `expected fault rates summing to at most 1 (one fault per request; these sum to ${Number(total.toFixed(6))})`,
      });
  });

export type FaultSpec = z.infer<typeof faultSpecSchema>;
export type FaultSpecInput = z.input<typeof faultSpecSchema>;

const asNumber = (v: string): string | number => (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);

/** The compact form as a plain object (validated by the schema afterwards, so errors name the key). */
function parseCompact(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const [head, ...params] = item.split(':');
    const eq = head!.indexOf('=');
    const key = eq === -1 ? head!.trim() : head!.slice(0, eq).trim();
    const value = eq === -1 ? '' : asNumber(head!.slice(eq + 1));
    if (params.length === 0) {
      out[key] = value;
      continue;
    }
    const entry: Record<string, unknown> = { rate: value };
    for (const p of params) {
      const i = p.indexOf('=');
      entry[i === -1 ? p : p.slice(0, i)] = i === -1 ? '' : asNumber(p.slice(i + 1));
    }
    out[key] = entry;
  }
  return out;
}

/**
 * Parses `--faults`: YAML/JSON when it starts with `{`, else the compact form. Throws a
 * ConfigError naming the key and the expected value (`--faults: stall.seconds: ...`).
 */
export function parseFaultSpec(text: string, where = '--faults'): FaultSpec {
  const t = text.trim();
  let raw: unknown;
  if (t.startsWith('{')) {
    try {
      raw = parseYaml(t);
    } catch (e) {
      raw = `unparseable: ${(e as Error).message.split('\n')[0]}`;
    }
  } else raw = parseCompact(t);
  return parseOrThrow(faultSpecSchema, raw, where);
}

/** One line for logs: `http_500 10%, stall 5% (2 s after 4 tokens)`. */
export function describeFaults(spec: FaultSpec): string {
  const parts: string[] = [];
  for (const k of FAULT_KINDS) {
    const f = spec[k];
    if (!f || f.rate === 0) continue;
    const pct = `${Number((f.rate * 100).toFixed(3))}%`;
    const p: string[] = [];
    if ('seconds' in f) p.push(`${f.seconds} s`);
    if ('after_tokens' in f && f.after_tokens !== undefined) p.push(`after ${f.after_tokens} tokens`);
    parts.push(p.length ? `${k} ${pct} (${p.join(' ')})` : `${k} ${pct}`);
  }
  return parts.length ? parts.join(', ') : 'none';
}
