/**
 * How every command ends on a terminal: the one or two commands that make sense next, so a
 * newcomer walks run -> train -> export without a guide. `--json` prints one JSON object on
 * stdout instead (what scripts read); the human lines then go nowhere.
 */
export function printNext(...commands: string[]): void {
  console.log('\nnext:');
  for (const c of commands) for (const line of shellLines(c)) console.log(line);
}

/** A command split at word boundaries into lines under 100 columns, continued with " \\" as a shell reads them. */
export function shellLines(command: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '  ';
  for (const word of command.split(' ')) {
    if (line.trim() !== '' && line.length + 1 + word.length > width - 2) {
      lines.push(`${line} \\`);
      line = '    ';
    }
    line = line.trim() === '' ? `${line}${word}` : `${line} ${word}`;
  }
  lines.push(line);
  return lines;
}

/** Prints `value` as the command's only stdout when --json is on (past quietly: it writes to stdout itself). */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/**
 * A path as a user would type it: relative to where they are when under it, without a trailing
 * slash (`--out router/` is shown as `router`, so `${shown(out)}/config.yaml` reads `router/config.yaml`).
 */
export function shown(path: string): string {
  const cwd = process.cwd();
  const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return p.startsWith(`${cwd}/`) ? p.slice(cwd.length + 1) : p;
}

/**
 * Runs `f` with console.log silenced except for printJson's output: a --json command keeps
 * its human lines out of stdout without threading a flag through every print.
 */
export async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const log = console.log;
  console.log = () => {};
  try {
    return await f();
  } finally {
    console.log = log;
  }
}
