/**
 * Config errors that name the path and the expected value, e.g.
 * `experiments/x.yaml: pools[1].sim.gpu: expected one of H100-80GB, A100-80GB, L4, got "X100"`.
 */
import type { z } from 'zod';
import { ConfigError } from './errors.ts';

/** `pools[1].sim.gpu` from zod's path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(top level)';
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Looks the offending value up in the input, so the message can say what was given. A
 * shorthand the schema expands (`energy: solar` read as `{type: solar}`) ends the walk at
 * the shorthand itself.
 */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return v;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

export function zodProblems(error: z.ZodError, input: unknown, prefix: readonly PropertyKey[] = []): string[] {
  return error.issues.map((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return `${formatPath(path)}: unknown key(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    }
    const given = valueAt(input, issue.path);
    return `${formatPath(path)}: ${issue.message}, got ${describeValue(given)}`;
  });
}

/** Parses `input` with `schema` or throws a ConfigError listing every problem with its path. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  file: string,
  prefix: readonly PropertyKey[] = [],
): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new ConfigError(file, zodProblems(r.error, input, prefix));
  return r.data;
}
