/**
 * `wrp start` (what `npm start` runs): the whole loop on simulated pools, as a newcomer
 * should first see it. experiments/quickstart.yaml runs a router that learns online against
 * static rules and random routing on the same traffic; what it learned is exported as a
 * vLLM Semantic Router bundle and checked against the router model; a short headline says
 * which policy won and by how much; the last lines name the commands that go further.
 */
import { join, relative } from 'node:path';
import type { CommandModule } from 'yargs';
import { PROJECT_ROOT } from '../../datasets/paths.ts';
import { headlineLines, midpointMs, policyStandings, secondHalfLines } from '../../harness/report/headline.ts';
import { exportPolicy } from '../../learners/export/export.ts';
import { runAndReport } from './run.ts';
import { printNext } from '../next.ts';
import { wrap } from '../../harness/runner/print-summary.ts';

// From the project root: the same path whether the sources run or the compiled CLI (dist/wrp.mjs).
const QUICKSTART = join(PROJECT_ROOT, 'experiments', 'quickstart.yaml');

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(2)}%`);

async function start(requests: number | undefined): Promise<void> {
  const outcome = await runAndReport({
    experiment: QUICKSTART,
    progress: true,
    ...(requests !== undefined ? { requests } : {}),
  });
  if (!outcome) return;
  const run = relative(process.cwd(), outcome.runDir) || '.';
  const bundle = join(run, 'router');
  console.log(`\nexporting what the run's learner learned as a vLLM Semantic Router bundle ...`);
  const exported = await exportPolicy({ policy: outcome.runDir, experiment: QUICKSTART, out: bundle, verify: true });
  const d = exported.deployed;
  const reachable = d.decisions.every((x) => x.reachable) ? 'all reachable' : 'NOT all reachable';
  for (const line of wrap(
    `router bundle: ${bundle}/config.yaml (${exported.kind}); the router serves the policy's choice on ` +
      `${pct(d.agreement)} of ${d.contexts} held-out requests, ${d.decisions.length} decisions, ${reachable}`,
  ))
    console.log(line);
  console.log('');
  const records = join(outcome.runDir, 'requests.jsonl');
  for (const line of headlineLines(await policyStandings(records))) console.log(line);
  const half = await midpointMs(records);
  for (const line of secondHalfLines(await policyStandings(records, half), half)) console.log(line);
  printNext(
    `open ${run}/report.html`,
    `npx wrp train --learner epsilon_greedy --signals builtin:synthetic --data ${run} --out policies/qs`,
    'npx wrp export --policy policies/qs --experiment experiments/quickstart.yaml --out router/',
  );
}

export const startCommand: CommandModule<object, { requests?: number }> = {
  command: 'start',
  describe: 'Quickstart: run, learn, export and compare on simulated pools (experiments/quickstart.yaml)',
  builder: (y) => y.option('requests', { type: 'number', describe: 'a shorter (or longer) run than its 900 requests' }),
  handler: (a) => start(a.requests),
};
