/** `wrp capacity <experiment.yaml>`: the highest offered rate whose goodput share meets a target (harness/trials/capacity.ts). */
import type { CommandModule, Options } from 'yargs';
import type { Flags } from '../flags.ts';
import { loadExperiment } from '../../harness/runner/config.ts';
import { searchCapacity } from '../../harness/trials/capacity.ts';
import { writeReport } from '../../harness/report/write-report.ts';
import { POLICY_FACTORIES, prepareLearners } from '../../learners/policy-factories.ts';
import { printNext, shown } from '../next.ts';

const capacityOptions = {
  target: {
    type: 'number',
    default: 0.95,
    describe: 'goodput share (requests meeting every SLO / sent) a rate must reach',
  },
  'min-rate': { type: 'number', default: 1, describe: 'first rate tried (sessions/s)' },
  'max-rate': { type: 'number', default: 256, describe: 'highest rate tried (sessions/s)' },
  'trial-requests': { type: 'number', default: 200, describe: 'requests per trial run' },
  precision: {
    type: 'number',
    default: 0.1,
    describe: 'stop when the failing rate is within this fraction of the passing one',
  },
  'max-trials': { type: 'number', default: 12, describe: 'trial runs at most' },
  process: {
    type: 'string',
    choices: ['poisson', 'constant'],
    default: 'poisson',
    describe: 'arrival process of every trial',
  },
  out: { type: 'string', describe: 'results root (default: the config\'s output.dir, "results")' },
} as const satisfies Record<string, Options>;

type CapacityArgs = Flags<typeof capacityOptions> & { experiment: string };

async function capacity(a: CapacityArgs): Promise<void> {
  const config = loadExperiment(a.experiment);
  await prepareLearners(config.router);
  const { dir, result } = await searchCapacity({
    config,
    configFile: a.experiment,
    policies: POLICY_FACTORIES,
    outRoot: a.out,
    target: a.target,
    minRate: a['min-rate'],
    maxRate: a['max-rate'],
    trialRequests: a['trial-requests'],
    precision: a.precision,
    maxTrials: a['max-trials'],
    process: a.process as 'poisson' | 'constant',
    log: (line) => console.error(line),
  });
  console.log(`${result.experiment}: ${result.conclusion}`);
  console.log(`results: ${dir} (capacity.json, capacity.md, one folder per trial)`);
  const report = await writeReport(dir);
  console.log(`report: ${report}`);
  printNext(`open ${shown(report)}`, `npx wrp run ${a.experiment} (its arrival rate set to the capacity found)`);
}

export const capacityCommand: CommandModule<object, CapacityArgs> = {
  command: 'capacity <experiment>',
  describe: 'Find the highest offered rate whose goodput share (requests meeting every SLO) stays above a target',
  builder: (y) =>
    y
      .positional('experiment', { type: 'string', describe: 'experiment YAML with an slo block', demandOption: true })
      .options(capacityOptions),
  handler: (a) => capacity(a),
};
