/** `wrp outcomes --run DIR --router URL`: post a run's verdicts to vLLM Semantic Router's outcome API. */
import type { CommandModule, Options } from 'yargs';
import type { Flags } from '../flags.ts';
import { DEFAULT_TOKEN_ENV, postOutcomes, ROUTER_RATE_LIMIT } from '../../learners/export/outcomes.ts';
import { printNext } from '../next.ts';

const outcomesOptions = {
  run: {
    type: 'string',
    demandOption: true,
    describe: 'run folder (results/<name>/<run-id>) or its requests.jsonl',
  },
  router: {
    type: 'string',
    demandOption: true,
    describe: "base URL of the router's management API, e.g. http://router:8080",
  },
  concurrency: { type: 'number', default: 4, describe: 'posts in flight' },
  'timeout-ms': { type: 'number', default: 10_000, describe: 'per-post timeout' },
  'token-env': {
    type: 'string',
    describe: `environment variable holding the management API bearer token (default: ${DEFAULT_TOKEN_ENV} when set)`,
  },
  'per-minute': {
    type: 'number',
    default: ROUTER_RATE_LIMIT,
    describe: "posts per rolling minute (the router's limit is 60 per principal)",
  },
} as const satisfies Record<string, Options>;

type OutcomesArgs = Flags<typeof outcomesOptions>;

export async function runOutcomes(a: OutcomesArgs): Promise<void> {
  const r = await postOutcomes({
    run: a.run,
    router: a.router,
    concurrency: a.concurrency,
    timeoutMs: a['timeout-ms'],
    perMinute: a['per-minute'],
    ...(a['token-env'] !== undefined ? { tokenEnv: a['token-env'] } : {}),
  });
  console.log(
    `${r.requests} requests: ${r.eligible} with a router replay id and a verdict (${r.noReplayId} without a replay id, ${r.noVerdict} without a verdict${r.unreadable ? `, ${r.unreadable} unreadable lines` : ''})`,
  );
  console.log(
    `posted: ${r.accepted} accepted, ${r.duplicate} duplicate, ${r.mismatch} mismatch, ${r.failed} failed; ${r.alreadyPosted} already posted by an earlier run; ${r.rateLimited} rate-limit waits (ledger ${r.ledger})`,
  );
  for (const m of r.mismatches.slice(0, 5)) console.log(`  mismatch ${m.id}: ${m.reason}`);
  if (r.mismatches.length > 5) console.log(`  ... and ${r.mismatches.length - 5} more mismatches`);
  for (const f of r.failures.slice(0, 5)) console.log(`  failed ${f.id}: ${f.reason}`);
  if (r.failures.length > 5) console.log(`  ... and ${r.failures.length - 5} more (re-run to retry them)`);
  printNext(
    "export the router's Router Replay records, then learn from them:",
    'npx wrp train --learner beta_thompson --signals builtin:synthetic --data replay:<records file> --out policies/<name>',
  );
  if (r.failed > 0 || r.mismatch > 0) process.exitCode = 1;
}

export const outcomesCommand: CommandModule<object, OutcomesArgs> = {
  command: 'outcomes',
  describe:
    "Post each request's verdict to vLLM Semantic Router's /v1/router/outcomes (idempotent, paced to its rate limit; never posts twice)",
  builder: (y) => y.options(outcomesOptions),
  handler: (a) => runOutcomes(a),
};
