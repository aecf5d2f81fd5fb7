/**
 * The one place the CLI turns an error into output and an exit status (core/errors.ts):
 * a WrpError the user can fix is one line and exit 2, a runtime failure one line and exit 1;
 * anything else is a bug in wrp, also one line, exit 1. `--debug` or WRP_DEBUG=1 adds the
 * stack and the chain of causes.
 */
import { isWrpError } from '../core/errors.ts';

/** System errors whose cause is something the user named: a path, a port. */
const USER_FIXABLE_SYSCALL = new Set(['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'EADDRINUSE']);

export interface Failure {
  /** What to print on stderr, one line unless debugging. */
  text: string;
  exit: 1 | 2;
}

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();

function stackOf(e: unknown): string {
  const parts: string[] = [];
  for (let c: unknown = e, depth = 0; c !== undefined && depth < 8; depth++) {
    parts.push(c instanceof Error ? (c.stack ?? String(c)) : String(c));
    c = c instanceof Error ? c.cause : undefined;
    if (c !== undefined) parts.push('caused by:');
  }
  return parts.join('\n');
}

export function describeFailure(e: unknown, debug: boolean): Failure {
  let line: string;
  let exit: 1 | 2;
  if (isWrpError(e)) {
    line = `wrp: ${oneLine(e.message)}`;
    exit = e.exitStatus;
  } else {
    const code = (e as NodeJS.ErrnoException | null)?.code;
    const message = e instanceof Error ? e.message : String(e);
    if (typeof code === 'string' && USER_FIXABLE_SYSCALL.has(code)) {
      line = `wrp: ${oneLine(message)}`;
      exit = 2;
    } else {
      line = `wrp: internal error: ${oneLine(message)}${debug ? '' : ' (run with --debug for the stack)'}`;
      exit = 1;
    }
  }
  return { text: debug ? `${line}\n${stackOf(e)}` : line, exit };
}

/** --debug anywhere on the command line, or WRP_DEBUG=1. */
export function debugRequested(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  return argv.includes('--debug') || env.WRP_DEBUG === '1';
}
