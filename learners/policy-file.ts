/**
 * policy.json on disk: the envelope every learner saves (learners/types.ts `PolicyFile`),
 * its validation on load, and the migrations that keep files from older wrp versions
 * loadable. Each learner validates its own `parameters` when it loads them.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PolicyFileError } from '../core/errors.ts';
import { zodProblems } from '../core/validate.ts';
import { featureLayoutSchema } from './features/spec.ts';
import type { PolicyFile } from './types.ts';

/**
 * The version this wrp writes. 2: the RL learners (neural, cascade, response_cascade,
 * multi-turn) save the one core/rng.ts state `rng: {s, spare}`; version 1 saved a bare
 * counter `rngState` for an RNG that dropped the second Box-Muller value.
 */
export const POLICY_FILE_VERSION = 2;

const policyFileSchema = z.strictObject({
  version: z.literal(POLICY_FILE_VERSION),
  learner: z.string().min(1),
  hyperparameters: z.record(
    z.string(),
    z.union([z.number(), z.string(), z.boolean(), z.array(z.number()), z.array(z.string())]),
  ),
  features: featureLayoutSchema,
  actions: z.array(z.strictObject({ pool: z.string().min(1), model: z.string() })).min(1),
  parameters: z.record(z.string(), z.unknown()),
  tfjsModel: z.string().optional(),
  training: z.record(z.string(), z.unknown()),
  /** Validated by learners/export/signal-map.ts when the policy is loaded. */
  signals: z.unknown().optional(),
});

/**
 * Version 1 -> 2: a bare RNG counter becomes the core Rng state with no spare normal. The
 * counter carries over, so the uniform draws (exploration, sampled actions) go on exactly
 * as before; the next normal draw starts a fresh Box-Muller pair.
 */
function fromVersion1(file: Record<string, unknown>): Record<string, unknown> {
  const parameters = file.parameters;
  if (parameters === null || typeof parameters !== 'object') return { ...file, version: 2 };
  const { rngState, ...rest } = parameters as Record<string, unknown>;
  return {
    ...file,
    version: 2,
    parameters: typeof rngState === 'number' ? { ...rest, rng: { s: rngState, spare: null } } : parameters,
  };
}

const MIGRATIONS: Record<number, (file: Record<string, unknown>) => Record<string, unknown>> = { 1: fromVersion1 };

/**
 * Brings a parsed policy file (or checkpoint) of any known version to this one, then checks
 * the envelope. Throws a PolicyFileError naming `source` and the field.
 */
export function upgradePolicyFile(json: unknown, source: string): PolicyFile {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new PolicyFileError(source, 'expected a JSON object (a policy.json written by wrp train)');
  let file = json as Record<string, unknown>;
  for (;;) {
    const version = file.version;
    if (version === POLICY_FILE_VERSION) break;
    const migrate = typeof version === 'number' ? MIGRATIONS[version] : undefined;
    if (!migrate)
      throw new PolicyFileError(
        source,
        `version: this wrp reads policy files of versions 1 to ${POLICY_FILE_VERSION}, got ${JSON.stringify(version) ?? 'none'}`,
      );
    file = migrate(file);
  }
  const r = policyFileSchema.safeParse(file);
  if (!r.success) throw new PolicyFileError(source, zodProblems(r.error, file).join('; '));
  return r.data as PolicyFile;
}

/** Reads and validates policy.json (the envelope; each learner validates its parameters). */
export function loadPolicyFile(path: string): PolicyFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new PolicyFileError(path, `cannot read the policy file: ${(e as Error).message}`);
  }
  return upgradePolicyFile(json, path);
}

/**
 * Parses one part of a loaded policy file (`hyperparameters`, `parameters`, ...) with a
 * learner's schema: a PolicyFileError naming the file and every bad field under `part`.
 */
export function parsePolicyPart<S extends z.ZodType>(
  schema: S,
  value: unknown,
  source: string,
  part: string,
): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new PolicyFileError(source, zodProblems(r.error, value, [part]).join('; '));
  return r.data;
}
