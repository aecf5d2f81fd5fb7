/**
 * Run progress: a live bar on a TTY (cli-progress: rate, in flight, errors, ETA), a plain
 * line every few seconds otherwise (CI logs, pipes).
 */
import cliProgress from 'cli-progress';

export interface ProgressState {
  done: number;
  inFlight: number;
  errors: number;
  /** Planned total, when the stop condition is a request count. */
  total?: number;
  elapsedS: number;
  /** Planned duration, when the stop condition is a duration. */
  durationS?: number;
}

export interface ProgressReporter {
  update(s: ProgressState): void;
  stop(): void;
}

export function createProgress(log: (line: string) => void, tty = Boolean(process.stderr.isTTY)): ProgressReporter {
  if (tty) {
    const bar = new cliProgress.SingleBar(
      {
        format:
          'wrp run [{bar}] {value}/{total} | {rate} req/s | in flight {inFlight} | errors {errors} | ETA {eta_formatted}',
        hideCursor: true,
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(s) {
        const total = s.total ?? Math.max(s.done + s.inFlight, 1);
        const payload = {
          rate: (s.done / Math.max(s.elapsedS, 1e-3)).toFixed(1),
          inFlight: s.inFlight,
          errors: s.errors,
        };
        if (!started) {
          bar.start(total, s.done, payload);
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(s.done, payload);
        }
      },
      stop: () => started && bar.stop(),
    };
  }
  let last = -Infinity;
  return {
    update(s) {
      if (s.elapsedS - last < 5) return;
      last = s.elapsedS;
      const planned =
        s.total !== undefined
          ? `/${s.total}`
          : s.durationS !== undefined
            ? ` (${s.elapsedS.toFixed(0)}/${s.durationS} s)`
            : '';
      log(
        `progress: ${s.done}${planned} done, ${(s.done / Math.max(s.elapsedS, 1e-3)).toFixed(1)} req/s, ${s.inFlight} in flight, ${s.errors} errors`,
      );
    },
    stop() {},
  };
}
