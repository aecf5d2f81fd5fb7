/**
 * Why a run stopped, as a typed value (after GuideLLM's constraint objects, not strings
 * compared by prefix): the load loop sets one, the summary keeps it as `stop` and spells it
 * as `stoppedBy` for people, and callers branch on `stop.kind`. `wrp report` reads it back
 * from summary.json (and from the readable text of summaries written before it existed).
 */
import { z } from 'zod';

export const stopReasonSchema = z.discriminatedUnion('kind', [
  /** stop.requests were sent. */
  z.object({ kind: z.literal('requests') }),
  /** stop.duration_s passed. */
  z.object({ kind: z.literal('duration') }),
  /** The workload or the arrival process had nothing more to send. */
  z.object({ kind: z.literal('workload_exhausted') }),
  /** stop.max_error_rate: `errors` of `completed` failed, more than `limit`. */
  z.object({
    kind: z.literal('max_error_rate'),
    errors: z.number(),
    completed: z.number(),
    limit: z.number(),
  }),
  /** SIGINT (Ctrl-C) or SIGTERM: the run stopped sending and finished what was in flight. */
  z.object({ kind: z.literal('signal'), signal: z.enum(['SIGINT', 'SIGTERM']) }),
  /** A capacity trial's SLO budget is spent: `missed` requests missed an SLO, `allowed` were allowed of `trial`. */
  z.object({ kind: z.literal('slo_budget'), missed: z.number(), allowed: z.number(), trial: z.number() }),
  /** No summary was written: the process was killed (wrp report on the files it left). */
  z.object({ kind: z.literal('interrupted') }),
]);

export type StopReason = z.infer<typeof stopReasonSchema>;
export type StopKind = StopReason['kind'];

/** The reason as people read it (summary.json `stoppedBy`, the terminal, summary.md). */
export function describeStop(r: StopReason): string {
  switch (r.kind) {
    case 'requests':
      return 'requests';
    case 'duration':
      return 'duration';
    case 'workload_exhausted':
      return 'workload exhausted';
    case 'max_error_rate':
      return `max_error_rate (${r.errors}/${r.completed} failed > ${r.limit})`;
    case 'signal':
      return r.signal;
    case 'slo_budget':
      return `slo budget spent: ${r.missed} requests missed an SLO (target allows ${r.allowed} of ${r.trial})`;
    case 'interrupted':
      return 'interrupted (no summary: the run did not finish)';
  }
}

/**
 * A summary.json's stop reason: its `stop` when valid, else read from the `stoppedBy` text
 * of a summary written before `stop` existed (the fixed spellings above), else interrupted.
 */
export function stopReasonOf(summary: { stop?: unknown; stoppedBy?: unknown } | undefined): StopReason {
  const typed = stopReasonSchema.safeParse(summary?.stop);
  if (typed.success) return typed.data;
  const text = summary?.stoppedBy;
  if (text === 'requests' || text === 'duration') return { kind: text };
  if (text === 'workload exhausted') return { kind: 'workload_exhausted' };
  const m = typeof text === 'string' ? /^max_error_rate \((\d+)\/(\d+) failed > ([\d.]+)\)$/.exec(text) : null;
  if (m) return { kind: 'max_error_rate', errors: Number(m[1]), completed: Number(m[2]), limit: Number(m[3]) };
  return { kind: 'interrupted' };
}

/** Which stop speaks for a run made of parts (workers, shards): the most consequential one any part had. */
const PRECEDENCE: StopKind[] = [
  'signal',
  'max_error_rate',
  'slo_budget',
  'interrupted',
  'duration',
  'requests',
  'workload_exhausted',
];

/** The stop of a run whose parts stopped for these reasons (none: the workload was exhausted). */
export function combineStops(stops: readonly StopReason[]): StopReason {
  let best: StopReason = { kind: 'workload_exhausted' };
  for (const s of stops) if (PRECEDENCE.indexOf(s.kind) < PRECEDENCE.indexOf(best.kind)) best = s;
  return best;
}
