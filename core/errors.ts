/**
 * wrp's one error model (after undici's lib/core/errors.js): every error wrp raises on
 * purpose extends WrpError and carries a stable `code`, so callers branch on codes, never on
 * messages. ERROR_CODES is the table (the README lists it): each code says whether the user
 * can fix it (the CLI prints one line and exits 2) or it is a runtime failure (one line,
 * exit 1). Messages name the thing, where it is and what was expected.
 */

/** Every code, what it covers and how the CLI ends. */
export const ERROR_CODES = {
  WRP_USAGE: { exit: 2, what: 'a flag or argument of the command line' },
  WRP_CONFIG: { exit: 2, what: 'an experiment, feedback or simulated-pool setting' },
  WRP_INPUT_FILE: {
    exit: 2,
    what: 'a file or folder named on the command line or in a config is missing or unreadable',
  },
  WRP_DATASET: { exit: 2, what: 'a dataset file that cannot be read as its format' },
  WRP_POLICY_FILE: { exit: 2, what: 'a saved policy file that is malformed or from another learner' },
  WRP_SECRET_MISSING: {
    exit: 2,
    what: 'an environment variable named by api_key_env (or a token variable) is not set',
  },
  WRP_POOL_UNREACHABLE: { exit: 2, what: 'a pool or feature endpoint refuses connections or does not answer' },
  WRP_POOL_NOT_VLLM: { exit: 2, what: 'an endpoint answers, but not as a vLLM OpenAI-compatible server' },
  WRP_MODEL_NOT_SERVED: { exit: 2, what: 'a pool does not serve the model the config names' },
  WRP_POOL_AUTH: { exit: 2, what: 'an endpoint refuses the API key it was given, or asks for one (HTTP 401 or 403)' },
  WRP_FEATURE_ENDPOINT: { exit: 1, what: 'an embeddings endpoint failed or answered out of shape' },
  WRP_PORT_IN_USE: { exit: 2, what: 'a port or socket path to listen on is taken' },
  WRP_ENERGY_UNAVAILABLE: { exit: 2, what: 'the configured energy source is not on this machine' },
  WRP_EXPORT: { exit: 2, what: 'a policy that cannot be exported as asked' },
  WRP_OPE: { exit: 2, what: 'off-policy evaluation refused: the logged data lacks what it needs' },
  WRP_MERGE: {
    exit: 2,
    what: 'shard folders that do not add up to one run: a shard absent or twice, another schedule, an id twice or missing',
  },
  WRP_RUN_FAILED: { exit: 1, what: 'a run ended by its error budget (stop.max_error_rate)' },
  WRP_WORKER_FAILED: { exit: 1, what: 'a worker process of wrp exited or crashed before it finished its work' },
  WRP_METRICS_PARSE: { exit: 1, what: 'a /metrics exposition that is not valid Prometheus text' },
  WRP_ENERGY_MISSING: { exit: 1, what: 'an energy source answered without the series wrp reads' },
  WRP_SIM_BAD_REQUEST: { exit: 1, what: 'a request the simulated pool answers with an OpenAI-style error' },
} as const satisfies Record<string, { exit: 1 | 2; what: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class WrpError extends Error {
  override name = 'WrpError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** 2 when the user can fix it (a flag, a file, a config), 1 for a runtime failure. */
  get exitStatus(): 1 | 2 {
    return ERROR_CODES[this.code].exit;
  }
}

export function isWrpError(e: unknown, code?: ErrorCode): e is WrpError {
  return e instanceof WrpError && (code === undefined || e.code === code);
}

/** A mistake in how wrp was called. */
export class UsageError extends WrpError {
  override name = 'UsageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('WRP_USAGE', message, options);
  }
}

/**
 * A config that does not parse: names the file and every problem with its path, e.g.
 * `experiments/x.yaml: pools[1].sim.gpu: expected one of H100-80GB, A100-80GB, L4, got "X100"`.
 */
export class ConfigError extends WrpError {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super('WRP_CONFIG', `${file}: ${problems.join('; ')}`);
  }
}

/** A simulated-pool setting wrp cannot build (an unknown profile, an impossible layout). */
export class SimConfigError extends WrpError {
  override name = 'SimConfigError';
  constructor(message: string) {
    super('WRP_CONFIG', message);
  }
}

export class UnknownProfileError extends SimConfigError {
  override name = 'UnknownProfileError';
  constructor(kind: 'gpu' | 'model', name: string, valid: string[]) {
    super(`unknown ${kind} profile '${name}'; valid: ${valid.join(', ')}`);
  }
}

/** A feedback block (evaluator, reward) that does not parse; one issue per line. */
export class FeedbackConfigError extends WrpError {
  override name = 'FeedbackConfigError';
  constructor(readonly issues: string[]) {
    super('WRP_CONFIG', `invalid feedback config: ${issues.join('; ')}`);
  }
}

/** A missing or unreadable file or folder the user named. */
export class InputFileError extends WrpError {
  override name = 'InputFileError';
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('WRP_INPUT_FILE', `${path}: ${message}`, options);
  }
}

/** A dataset file that cannot be read as its format. */
export class DatasetError extends WrpError {
  override name = 'DatasetError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super('WRP_DATASET', `${path}: ${message}`);
  }
}

/** A saved policy that is malformed: names the file and the field. */
export class PolicyFileError extends WrpError {
  override name = 'PolicyFileError';
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('WRP_POLICY_FILE', `${file}: ${message}`, options);
  }
}
