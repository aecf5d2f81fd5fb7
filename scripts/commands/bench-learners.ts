/**
 * `wrp bench-learners [SCENARIO...]`: the router-learning benchmark protocol
 * (experiments/learning/PROTOCOL.md): every scenario x learner x paired seed in virtual time,
 * then per scenario the mean and 95% interval of reward, quality, cost, regret and cost-APGR,
 * and the leaderboard. Writes runs.jsonl (one line per run, in serial order), leaderboard.md
 * and leaderboard.json under --out. `--workers N` runs the suite over N local processes (same
 * records); `--shard i/N` runs one shard of it and writes shard.json instead of a leaderboard
 * (`wrp merge` combines the shards and writes it).
 */
import { createWriteStream, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Argv, CommandModule, Options } from 'yargs';
import type { Flags } from '../flags.ts';
import { UsageError } from '../../core/errors.ts';
import { PROJECT_ROOT } from '../../datasets/paths.ts';
import { writeManifest } from '../../harness/scale/manifest.ts';
import { formatShard, parseShard } from '../../harness/scale/shard.ts';
import { boardMarkdown, buildBoards, overallMarkdown } from '../../learners/protocol/leaderboard.ts';
import { lineupWith } from '../../learners/protocol/lineup.ts';
import type { RunRecord } from '../../learners/protocol/run.ts';
import { readRuns, RUNS_FILE } from '../../learners/protocol/runs-file.ts';
import { loadScenario } from '../../learners/protocol/scenario.ts';
import { suiteManifest, suitePlan, suiteSchedule } from '../../learners/protocol/shards.ts';
import { runSuite } from '../../learners/protocol/suite.ts';
import { parseWorkers, WORKERS_OPTION } from './workers-flag.ts';
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
  workers: WORKERS_OPTION,
  shard: {
    type: 'string',
    describe: 'run only shard i of N of the suite (i/N, 0-based); combine the shards with wrp merge',
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

/** The leaderboard of records (written under `out` and printed); `wrp merge` publishes merged shards with it. */
export function publish(records: RunRecord[], out: string, header: string, seconds: number): void {
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
    if (!existsSync(a.from)) throw new UsageError(`--from: no such file "${a.from}" (expected a ${RUNS_FILE})`);
    const records = await readRuns(a.from, (line) => console.error(`wrp bench-learners: ${line}`));
    const out = a.out ?? dirname(a.from);
    mkdirSync(out, { recursive: true });
    publish(records, out, `${records.length} runs read from ${a.from}.`, 0);
    return;
  }
  if (!Number.isInteger(a.seeds) || a.seeds < 2)
    throw new UsageError(`--seeds: expected an integer >= 2 (an interval needs two seeds), got ${a.seeds}`);
  if (a.requests !== undefined && !(Number.isInteger(a.requests) && a.requests > 0))
    throw new UsageError(`--requests: expected a positive integer, got ${a.requests}`);
  const workers = parseWorkers(a.workers);
  const shard = a.shard === undefined ? undefined : parseShard(a.shard);
  const scenarios = scenarioFiles(a.scenarios).map(loadScenario);
  const seeds = Array.from({ length: a.seeds }, (_, i) => a['first-seed'] + i);
  const learners = a.learners
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const lineups = scenarios.map((s) => lineupWith(s, learners));
  const out = a.out ?? join('results', 'bench-learners', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(out, { recursive: true });
  const plan = suitePlan(scenarios, lineups, seeds, a.requests);
  const manifest = shard && suiteManifest(plan, suiteSchedule(plan, scenarios, shard.count), shard);
  if (manifest) writeManifest(out, manifest);
  const runsFile = createWriteStream(join(out, RUNS_FILE));
  console.error(
    `wrp bench-learners: ${scenarios.length} scenarios x ${seeds.length} paired seeds (${seeds[0]}..${seeds.at(-1)})${a.requests ? `, ${a.requests} requests each` : ''}${shard ? `, shard ${formatShard(shard)}` : ''}${workers > 1 ? `, ${workers} worker processes` : ''} -> ${out}`,
  );
  const t0 = performance.now();
  const records: RunRecord[] = [];
  try {
    for await (const r of runSuite(scenarios, {
      seeds,
      workers,
      ...(shard ? { shard } : {}),
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
  if (manifest) {
    writeManifest(out, { ...manifest, finished: true, finishedAt: new Date().toISOString(), recorded: records.length });
    console.error(
      `wrp bench-learners: shard ${formatShard(manifest.shard)}: ${records.length} runs in ${seconds.toFixed(1)} s -> ${join(out, RUNS_FILE)}`,
    );
    printNext(
      `npx wrp merge <every shard's folder> --out <folder>   # once all ${manifest.shard.count} shards are done`,
    );
    return;
  }
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
