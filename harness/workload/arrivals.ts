/**
 * Arrival processes for new sessions. Open-loop processes schedule send times (seconds from
 * run start) from the seed alone, independent of responses, so a slow pool cannot slow the
 * offered load (no coordinated omission): the runner records scheduled vs actual send time.
 * Closed-loop stages keep N sessions in flight instead. A sweep chains stages of either kind.
 *
 * The runner drives every process with one loop (state = run clock, sessions started so
 * far, sessions in flight):
 *
 *   for (;;) {
 *     const step = arrivals.next({ nowS, sent, inFlight });
 *     if (step.kind === 'done') break;                       // no more sessions
 *     if (step.kind === 'wait') { await until(step.untilS); continue; }
 *     if (step.kind === 'open') { await until(step.atS); start(session, scheduledS = step.atS); sent++; continue; }
 *     // closed: start one now if below the target, else wait for a completion (or untilS)
 *     if (inFlight < step.concurrency) { start(session, scheduledS = nowS); sent++; }
 *     else await Promise.race([anyCompletion(), until(step.untilS ?? Infinity)]);
 *   }
 *
 * Each `open` step is consumed by the call that returns it (send it even when late; the lag
 * is the measurement). Each step carries its stage, to label records per sweep stage.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseOrThrow } from '../../core/validate.ts';
import { loadTrace } from './trace.ts';
import { deriveSeed, Rng } from '../../core/rng.ts';

const positive = z.number().positive();
const positiveInt = z.number().int().positive();
const stop = { duration_s: positive.optional(), requests: positiveInt.optional() };
const renewal = z.enum(['constant', 'poisson', 'gamma']);

const stageSchema = z
  .strictObject({
    rate: z.number().min(0).optional(),
    concurrency: positiveInt.optional(),
    label: z.string().optional(),
    ...stop,
  })
  .refine(
    (s) => (s.rate === undefined) !== (s.concurrency === undefined),
    'expected exactly one of `rate` (sessions/s) or `concurrency`',
  )
  .refine((s) => s.rate !== 0 || s.duration_s !== undefined, 'expected `duration_s` for a rate-0 (idle) stage');

export const arrivalSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('constant'), rate: positive, ...stop }),
  z.strictObject({ type: z.literal('poisson'), rate: positive, ...stop }),
  /** Renewal process with gamma gaps: cv > 1 is burstier than Poisson, < 1 smoother. */
  z.strictObject({ type: z.literal('gamma'), rate: positive, cv: positive, ...stop }),
  z.strictObject({ type: z.literal('concurrency'), concurrency: positiveInt, ...stop }),
  z
    .strictObject({
      type: z.literal('sweep'),
      /** How rate stages space their arrivals. */
      process: renewal.default('poisson'),
      cv: positive.optional(),
      stages: z.array(stageSchema).min(1, 'expected at least one stage'),
    })
    .refine((s) => s.process !== 'gamma' || s.cv !== undefined, {
      message: 'expected `cv` with process: gamma',
      path: ['cv'],
    })
    .superRefine((s, ctx) => {
      s.stages.slice(0, -1).forEach((st, i) => {
        if (st.duration_s === undefined && st.requests === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['stages', i],
            message: 'expected `duration_s` or `requests` (only the last stage may run until the run stops)',
          });
        }
      });
    }),
  z.strictObject({
    type: z.literal('trace'),
    /** JSONL or CSV file, relative to the experiment file's directory. */
    path: z.string().min(1),
    column: z.string().min(1).default('t'),
    unit: z.enum(['s', 'ms']).default('s'),
    /** Multiplies the gaps: 0.5 replays twice as fast. */
    scale: positive.default(1),
    rebase: z.boolean().default(true),
  }),
]);

export type ArrivalSpec = z.infer<typeof arrivalSchema>;
export type ArrivalSpecInput = z.input<typeof arrivalSchema>;

export interface StageInfo {
  index: number;
  label: string;
}

export interface ArrivalState {
  /** Seconds since run start. */
  nowS: number;
  /** Sessions started so far (all stages). */
  sent: number;
  inFlight: number;
}

export type ArrivalStep =
  | { kind: 'open'; atS: number; stage: StageInfo }
  | { kind: 'closed'; concurrency: number; untilS?: number; stage: StageInfo }
  | { kind: 'wait'; untilS: number; stage: StageInfo }
  | { kind: 'done' };

export interface ArrivalProcess {
  /** `open` / `closed` when every stage is of that kind, else `mixed`. */
  readonly kind: 'open' | 'closed' | 'mixed';
  next(state: ArrivalState): ArrivalStep;
  /** The stage of the latest next() call (for progress displays). */
  stage(): StageInfo;
}

/** One stage as the engine runs it: `open` makes its arrival-time generator from the stage start. */
interface Stage {
  info: StageInfo;
  durationS?: number;
  requests?: number;
  open?: (start: number) => Gen;
  concurrency?: number;
}
interface Gen {
  peek(): number;
  take(): void;
}

function renewalGen(process: z.infer<typeof renewal>, rate: number, cv: number, rng: Rng): (start: number) => Gen {
  return (start) => {
    if (rate === 0) return { peek: () => Infinity, take: () => {} };
    let k = 0;
    const gap = (): number =>
      process === 'poisson' ? rng.exponential(rate) : rng.gamma(1 / (cv * cv), (cv * cv) / rate);
    // Constant: t_k = start + k/rate exactly (no float drift); others: start + first gap.
    let next = process === 'constant' ? start : start + gap();
    return {
      peek: () => next,
      take: () => {
        k++;
        next = process === 'constant' ? start + k / rate : next + gap();
      },
    };
  };
}

function traceGen(times: number[]): (start: number) => Gen {
  return (start) => {
    let i = 0;
    return { peek: () => (i < times.length ? start + times[i]! : Infinity), take: () => void i++ };
  };
}

function stagesOf(spec: ArrivalSpec, seed: number, baseDir: string): Stage[] {
  const rng = new Rng(deriveSeed(seed, 'arrivals'));
  const lim = (s: { duration_s?: number | undefined; requests?: number | undefined }) => ({
    ...(s.duration_s !== undefined ? { durationS: s.duration_s } : {}),
    ...(s.requests !== undefined ? { requests: s.requests } : {}),
  });
  switch (spec.type) {
    case 'constant':
    case 'poisson':
      return [
        {
          info: { index: 0, label: `${spec.type} ${spec.rate}/s` },
          open: renewalGen(spec.type, spec.rate, 1, rng),
          ...lim(spec),
        },
      ];
    case 'gamma':
      return [
        {
          info: { index: 0, label: `gamma ${spec.rate}/s cv ${spec.cv}` },
          open: renewalGen('gamma', spec.rate, spec.cv, rng),
          ...lim(spec),
        },
      ];
    case 'concurrency':
      return [
        { info: { index: 0, label: `concurrency ${spec.concurrency}` }, concurrency: spec.concurrency, ...lim(spec) },
      ];
    case 'trace': {
      const trace = loadTrace(resolve(baseDir, spec.path), {
        column: spec.column,
        unit: spec.unit,
        scale: spec.scale,
        rebase: spec.rebase,
      });
      return [{ info: { index: 0, label: `trace ${spec.path}` }, open: traceGen(trace.times) }];
    }
    case 'sweep':
      return spec.stages.map((st, i) => {
        const label =
          st.label ?? (st.concurrency !== undefined ? `concurrency ${st.concurrency}` : `${spec.process} ${st.rate}/s`);
        const base = { info: { index: i, label }, ...lim(st) };
        return st.concurrency !== undefined
          ? { ...base, concurrency: st.concurrency }
          : { ...base, open: renewalGen(spec.process, st.rate!, spec.cv ?? 1, rng) };
      });
  }
}

class StagedArrivals implements ArrivalProcess {
  readonly kind: ArrivalProcess['kind'];
  private i = 0;
  private startS = 0;
  private sentInStage = 0;
  /** state.sent when the current closed stage began. */
  private sentBase: number | undefined;
  private gen: Gen | undefined;

  constructor(private readonly stages: Stage[]) {
    const open = stages.filter((s) => s.open).length;
    this.kind = open === stages.length ? 'open' : open === 0 ? 'closed' : 'mixed';
    this.enter(0);
  }

  private enter(startS: number): void {
    this.startS = startS;
    this.sentInStage = 0;
    this.sentBase = undefined;
    const st = this.stages[this.i];
    this.gen = st?.open?.(startS);
  }

  private advance(endS: number): void {
    this.i++;
    this.enter(endS);
  }

  stage(): StageInfo {
    return (this.stages[this.i] ?? this.stages[this.stages.length - 1]!).info;
  }

  next(state: ArrivalState): ArrivalStep {
    for (;;) {
      const st = this.stages[this.i];
      if (st === undefined) return { kind: 'done' };
      const endS = st.durationS === undefined ? undefined : this.startS + st.durationS;
      if (this.gen) {
        const t = this.gen.peek();
        if (st.requests !== undefined && this.sentInStage >= st.requests)
          this.advance(endS === undefined ? t : Math.min(t, endS));
        else if (endS !== undefined && t >= endS) this.advance(endS);
        else if (t === Infinity)
          this.i = this.stages.length; // trace exhausted
        else {
          this.gen.take();
          this.sentInStage++;
          return { kind: 'open', atS: t, stage: st.info };
        }
        continue;
      }
      this.sentBase ??= state.sent;
      if (endS !== undefined && state.nowS >= endS) this.advance(endS);
      else if (st.requests !== undefined && state.sent - this.sentBase >= st.requests)
        this.advance(Math.max(this.startS, state.nowS));
      else if (state.nowS < this.startS) return { kind: 'wait', untilS: this.startS, stage: st.info };
      else
        return endS === undefined
          ? { kind: 'closed', concurrency: st.concurrency!, stage: st.info }
          : { kind: 'closed', concurrency: st.concurrency!, untilS: endS, stage: st.info };
    }
  }
}

export interface ArrivalOptions {
  /** Directory that a relative trace path is resolved from (the experiment file's). Default: cwd. */
  baseDir?: string;
  file?: string;
}

export function createArrivals(input: ArrivalSpecInput, seed: number, opts: ArrivalOptions = {}): ArrivalProcess {
  const spec = parseOrThrow(arrivalSchema, input, opts.file ?? '<arrival>', ['workload', 'arrival']);
  return new StagedArrivals(stagesOf(spec, seed, opts.baseDir ?? process.cwd()));
}

/** The open-loop send times up to `maxCount` sessions or `maxS` seconds (dry runs, tests); stops at the first closed stage. */
export function openSchedule(p: ArrivalProcess, maxCount: number, maxS = Infinity): number[] {
  const out: number[] = [];
  while (out.length < maxCount) {
    const step = p.next({ nowS: out.at(-1) ?? 0, sent: out.length, inFlight: 0 });
    if (step.kind !== 'open' || step.atS > maxS) break;
    out.push(step.atS);
  }
  return out;
}
