/**
 * `npm run bench -- --only scale` (issue 17): the scale-out figures, each a ratio to a
 * reference measured in the same run; prints its tables and returns them for results.json.
 * WRP_BENCH_SCALE_SEEDS (default 4) sizes the suite sweep, WRP_BENCH_SCALE_BATCH_SEEDS
 * (default 8) the batched-update comparison.
 */
import { batchBench, sweepBench } from './scale-sweep.ts';
import { printTable } from './table.ts';

export async function scaleBench(): Promise<Record<string, unknown>> {
  const sweep = await sweepBench(Number(process.env.WRP_BENCH_SCALE_SEEDS ?? 4));
  printTable(
    'Scale: learning-suite seed sweep, 1 process vs 2 worker processes (goal >= 1.6x, identical figures); floor = what 2 CPU-bound processes gain on this machine in the same run',
    sweep,
  );
  const batch = await batchBench(Number(process.env.WRP_BENCH_SCALE_BATCH_SEEDS ?? 8));
  printTable(
    'Scale: what batched policy updates cost the learner (verdicts every B decisions vs at once; paired seeds, 95% t interval of the reward difference)',
    batch,
  );
  return { sweep, batch };
}
