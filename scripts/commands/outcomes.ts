/** `wrp outcomes --run DIR --router URL`: post a run's verdicts to vLLM Semantic Router's outcome API. */
import type { Argv, CommandModule } from 'yargs';
import { postOutcomes } from '../../learners/export/outcomes.ts';
import { UsageError } from '../../core/errors.ts';

interface OutcomesArgs {
  run: string;
  router: string;
  concurrency: number;
  timeoutMs: number;
}

export async function runOutcomes(a: OutcomesArgs): Promise<void> {
  let r;
  try {
    r = await postOutcomes({ run: a.run, router: a.router, concurrency: a.concurrency, timeoutMs: a.timeoutMs });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  console.log(
    `${r.requests} requests: ${r.eligible} with a router replay id and a verdict (${r.noReplayId} without a replay id, ${r.noVerdict} without a verdict)`,
  );
  console.log(
    `posted: ${r.accepted} accepted, ${r.duplicate} duplicate, ${r.failed} failed; ${r.alreadyPosted} already posted by an earlier run (ledger ${r.ledger})`,
  );
  for (const f of r.failures.slice(0, 5)) console.log(`  failed ${f.id}: ${f.reason}`);
  if (r.failures.length > 5) console.log(`  ... and ${r.failures.length - 5} more (re-run to retry them)`);
  if (r.failed > 0) process.exitCode = 1;
}

export const outcomesCommand: CommandModule = {
  command: 'outcomes',
  describe: "Post each request's verdict to vLLM Semantic Router's /v1/router/outcomes (idempotent; never posts twice)",
  builder: (y: Argv) =>
    y.options({
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
      concurrency: { type: 'number', default: 8, describe: 'posts in flight' },
      'timeout-ms': { type: 'number', default: 10_000, describe: 'per-post timeout' },
    }),
  handler: (a) => runOutcomes(a as unknown as OutcomesArgs),
};
