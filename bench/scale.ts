/**
 * `npm run bench -- --only scale` (issue 17): the scale-out figures, each a ratio to a
 * reference measured in the same run; prints its tables and returns them for results.json.
 * WRP_BENCH_SCALE_SEEDS (default 4) sizes the suite sweep, WRP_BENCH_SCALE_BATCH_SEEDS
 * (default 8) the batched-update comparison.
 */
import { loadScaleBench } from './scale-load.ts';
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
  const load = await loadScaleBench();
  const f = (x: number | null | undefined, d = 1) =>
    x === undefined || x === null || !Number.isFinite(x) ? '-' : x.toFixed(d);
  const met = (m: number) => `${m >= 1.6 ? 'met' : 'MISSED'} (median ${f(m, 2)})`;
  printTable(
    `Scale: streamed requests/s against a local no-op endpoint (closed loop, ${load.settings.concurrency} streams, ${load.settings.seconds} s, compiled CLI), 1 vs 2 worker processes (goal >= 1.6x), a static router (the load generator alone) and LinUCB (plus its central policy's syncs); floor = what 2 CPU-bound processes gain over 1 here at the round's start`,
    load.rounds.map((r, i) => ({
      round: Math.floor(i / 2) + 1,
      router: r.router,
      '1 process req/s': f(r.reqPerS1, 0),
      '2 workers req/s': f(r.reqPerS2, 0),
      ratio: f(r.ratio, 2),
      'send-lag p99 ms (1 / 2)': `${f(r.sendLagP99Ms1, 2)} / ${f(r.sendLagP99Ms2, 2)}`,
      floor: f(r.floor, 2),
      'ratio / floor': f(r.ratio / r.floor, 2),
      errors: r.errors,
      'load1 (1 / 2)': r.load1.join(' / '),
      goal: i >= load.rounds.length - 2 ? met(load.medianRatio[r.router]) : '',
    })),
  );
  printTable(
    `Scale: open loop at ${load.settings.openRate}/s for ${load.settings.openSeconds} s: send lag per worker count (summary of the merged run)`,
    (['one', 'two'] as const).map((k) => {
      const o = load.open[k];
      return {
        workers: k === 'one' ? 1 : 2,
        'offered/s': f(o.offeredPerS, 0),
        'achieved/s': f(o.achievedPerS, 0),
        'send-lag p50 ms': f(o.sendLagMs?.p50 ?? undefined, 2),
        'p99 ms': f(o.sendLagMs?.p99 ?? undefined, 2),
        'max ms': f(o.sendLagMs?.max ?? undefined, 2),
        load1: o.load1,
      };
    }),
  );
  const sh = load.shards;
  printTable('Scale: 3 shards from a common start, merged (wrp merge), vs 1 shard of the same schedule', [
    {
      requests: sh.requests,
      'ids (3 merged / 1)': `${sh.mergedIds} / ${sh.oneShardIds}`,
      'identical ids': sh.identicalIds ? 'yes' : 'NO',
      'sent, ok, failed, cancelled (3 / 1)': `${sh.counts.merged.join(', ')} / ${sh.counts.one.join(', ')}`,
      'identical counts': sh.identicalCounts ? 'yes' : 'NO',
      'merge s': f(sh.mergeS, 2),
    },
  ]);
  return { sweep, batch, load };
}
