import { UsageError } from '../../core/errors.ts';

/** Runs `f`; an Error it throws about the flags or the data becomes a one-line usage error. */
export function asUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw e instanceof Error && !(e instanceof UsageError) ? new UsageError(e.message) : e;
  }
}
