/**
 * `wrp bench-learners [SCENARIO...]`: the router-learning benchmark protocol
 * (experiments/learning/PROTOCOL.md): every scenario x learner x paired seed in virtual time,
 * then per scenario the mean and 95% interval of reward, quality, cost, regret and cost-APGR,
 * and the leaderboard. Writes runs.jsonl (one line per run, as it finishes), leaderboard.md
 * and leaderboard.json under --out.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import type { Argv, CommandModule, Options } from 'yargs';
import type { Flags } from '../flags.ts';
import { UsageError } from '../../core/errors.ts';
import { PROJECT_ROOT } from '../../datasets/paths.ts';
import { boardMarkdown, buildBoards, overallMarkdown } from '../../learners/protocol/leaderboard.ts';
import type { RunRecord } from '../../learners/protocol/run.ts';
import { loadScenario } from '../../learners/protocol/scenario.ts';
import { runSuite } from '../../learners/protocol/suite.ts';
import { printNext, shown } from '../next.ts';

const benchOptions = {
  seeds: { type: 'number', default: 32, describe: 'paired seeds per scenario' },
  'first-seed': { type: 'number', default: 1, describe: 'seeds are first-seed, first-seed + 1, ...' },
  requests: { type: 'number', describe: "routing decisions per run (default: each scenario's)" },
  learners: { type: 'string', describe: "comma-separated lineup names (default: each scenario's lineup)" },
  out: {
    type: 'string',
    describe: 'folder for runs.jsonl and the leaderboard (default: results/bench-learners/<time>)',
  },
  from: {
    type: 'string',
    describe: 'rebuild the leaderboard from a runs.jsonl instead of running (default --out: its folder)',
  },
} as const satisfies Record<string, Options>;

type BenchArgs = Flags<typeof benchOptions> & { scenarios: string[] };

export const SCENARIO_DIR = join(PROJECT_ROOT, 'experiments', 'learning');

/** A path, or a scenario name in experiments/learning; none: every scenario there (the default suite). */
function scenarioFiles(given: string[]): string[] {
  if (given.length === 0)
    return readdirSync(SCENARIO_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => join(SCENARIO_DIR, f));
  return given.map((g) => {
    if (existsSync(g)) return g;
    const named = join(SCENARIO_DIR, `${g}.yaml`);
    if (existsSync(named)) return named;
    const known = readdirSync(SCENARIO_DIR).filter((f) => f.endsWith('.yaml'));
    throw new UsageError(
      `scenario "${g}": no such file, and not one of ${known.map((f) => basename(f, '.yaml')).join(', ')}`,
    );
  });
}

/** Run records from a runs.jsonl, streamed line by line (a torn last line is dropped and said). */
async function readRuns(file: string): Promise<RunRecord[]> {
  if (!existsSync(file)) throw new UsageError(`--from: no such file "${file}" (expected a runs.jsonl)`);
  const out: RunRecord[] = [];
  let torn = 0;
  for await (const line of createInterface({ input: createReadStream(file) })) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as RunRecord);
    } catch {
      torn++;
    }
  }
  if (torn > 0) console.error(`wrp bench-learners: ${file}: ${torn} line(s) not JSON (a torn last line?), left out`);
  return out;
}

/** The leaderboard of records (written under `out` and printed). */
function publish(records: RunRecord[], out: string, header: string, seconds: number): void {
  const boards = buildBoards(records);
  const md = [
    `# wrp bench-learners`,
    '',
    header,
    '',
    overallMarkdown(boards),
    '',
    ...boards.map((b) => `${boardMarkdown(b)}\n`),
  ].join('\n');
  writeFileSync(join(out, 'leaderboard.md'), md);
  writeFileSync(join(out, 'leaderboard.json'), `${JSON.stringify({ seconds, boards }, null, 2)}\n`);
  // The terminal gets the overall board; each scenario's wide table stays in leaderboard.md.
  console.log(`\n${header}\n\n${overallMarkdown(boards)}`);
  console.log(`\nevery scenario's table: ${join(out, 'leaderboard.md')} (runs: ${join(out, 'runs.jsonl')})`);
  printNext(`less ${shown(join(out, 'leaderboard.md'))}`);
}

async function bench(a: BenchArgs): Promise<void> {
  if (a.from !== undefined) {
    // Rebuild the leaderboard from runs already made (a finished, killed or merged runs.jsonl).
    const records = await readRuns(a.from);
    const out = a.out ?? dirname(a.from);
    mkdirSync(out, { recursive: true });
    publish(records, out, `${records.length} runs read from ${a.from}.`, 0);
    return;
  }
  if (!Number.isInteger(a.seeds) || a.seeds < 2)
    throw new UsageError(`--seeds: expected an integer >= 2 (an interval needs two seeds), got ${a.seeds}`);
  if (a.requests !== undefined && !(Number.isInteger(a.requests) && a.requests > 0))
    throw new UsageError(`--requests: expected a positive integer, got ${a.requests}`);
  const scenarios = scenarioFiles(a.scenarios).map(loadScenario);
  const out = a.out ?? join('results', 'bench-learners', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(out, { recursive: true });
  const runsFile = createWriteStream(join(out, 'runs.jsonl'));
  const seeds = Array.from({ length: a.seeds }, (_, i) => a['first-seed'] + i);
  const learners = a.learners
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  console.error(
    `wrp bench-learners: ${scenarios.length} scenarios x ${seeds.length} paired seeds (${seeds[0]}..${seeds.at(-1)})${a.requests ? `, ${a.requests} requests each` : ''} -> ${out}`,
  );
  const t0 = performance.now();
  const records: RunRecord[] = [];
  try {
    for await (const r of runSuite(scenarios, {
      seeds,
      ...(a.requests ? { requests: a.requests } : {}),
      ...(learners ? { learners } : {}),
      onScenario: (s) =>
        console.error(`  ${s.scenario}: ${s.runs} runs in ${s.seconds.toFixed(1)} s${s.note ? ` (${s.note})` : ''}`),
    })) {
      records.push(r);
      runsFile.write(`${JSON.stringify(r)}\n`);
    }
  } finally {
    await new Promise((done) => runsFile.end(done));
  }
  const seconds = (performance.now() - t0) / 1000;
  publish(
    records,
    out,
    `${scenarios.length} scenarios, ${seeds.length} paired seeds, ${records.length} runs in ${seconds.toFixed(0)} s. Protocol: experiments/learning/PROTOCOL.md.`,
    seconds,
  );
  console.error(
    `wrp bench-learners: ${records.length} runs in ${seconds.toFixed(1)} s; ${join(out, 'leaderboard.md')}`,
  );
}

export const benchLearnersCommand: CommandModule<object, BenchArgs> = {
  command: 'bench-learners [scenarios..]',
  describe:
    'Benchmark router learners on the scenario suite (experiments/learning): paired seeds, 95% intervals, leaderboard',
  builder: (y: Argv) =>
    y
      .positional('scenarios', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'scenario files or names in experiments/learning (default: all of them)',
      })
      .options(benchOptions),
  handler: (a) => bench(a),
};
