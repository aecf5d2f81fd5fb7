/** A mistake in how wrp was called: reported as one line, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
