/**
 * Capacity under SLO (`wrp capacity`): the highest offered rate whose goodput share (the
 * share of requests sent that succeed and meet every SLO) stays at or above a target, as
 * AIPerf's and inference-perf's SLO searches report it. Each trial is a whole run of the
 * experiment (runExperiment, same seed, so the same sessions) at one open-loop rate and a
 * fixed number of requests, in its own folder under the search's.
 *
 * Search: start at `minRate` and double while trials pass, up to `maxRate`; then bisect
 * between the last passing and the first failing rate until they are within `precision`
 * (relative) or `maxTrials` ran. Stopping early on saturation: a trial ends as soon as
 * more requests missed an SLO than the target allows out of its request count (it can
 * no longer pass), and no rate above a failing one is tried.
 *
 * Writes capacity.json (every trial's evidence and the answer) and capacity.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentConfig } from '../runner/config.ts';
import { makeRunDir, newRunId } from '../runner/results-writer.ts';
import { runExperiment } from '../runner/runner.ts';
import { meetsSlo } from '../runner/summary.ts';
import type { PolicyFactory } from '../router/policies.ts';
import { ConfigError, UsageError } from '../../core/errors.ts';

export interface CapacityOptions {
  config: ExperimentConfig;
  configFile: string;
  policies: Record<string, PolicyFactory>;
  outRoot?: string;
  /** Goodput share each passing trial must reach, in (0, 1]. */
  target: number;
  minRate: number;
  maxRate: number;
  /** Requests per trial. */
  trialRequests: number;
  /** Stop bisecting when (failing - passing) / passing <= this. */
  precision: number;
  maxTrials: number;
  process: 'poisson' | 'constant';
  log: (line: string) => void;
}

export type TrialVerdict = 'meets target' | 'below target' | 'saturated';

export interface CapacityTrial {
  trial: number;
  /** Offered rate: sessions started per second. */
  rate: number;
  runDir: string;
  sent: number;
  meeting: number;
  share: number;
  goodputReqPerS: number | null;
  reqPerS: number | null;
  ttftP99Ms: number | null;
  stoppedBy: string;
  verdict: TrialVerdict;
}

export interface CapacityResult {
  experiment: string;
  target: number;
  slo: ExperimentConfig['slo'];
  trialRequests: number;
  process: string;
  /** The highest passing rate (absent when even minRate failed). */
  capacity?: number;
  /** The lowest failing rate above it (absent when maxRate passed). */
  firstFailing?: number;
  conclusion: string;
  trials: CapacityTrial[];
}

export const SATURATED = 'slo budget spent';

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function checkCapacityOptions(o: CapacityOptions): void {
  const slo = o.config.slo;
  if (slo.ttft_ms === undefined && slo.tpot_ms === undefined && slo.e2e_ms === undefined)
    throw new ConfigError(o.configFile, ['slo: a capacity search needs at least one SLO (ttft_ms, tpot_ms or e2e_ms)']);
  if (!(o.target > 0 && o.target <= 1)) throw new UsageError(`--target: expected a share in (0, 1], got ${o.target}`);
  if (!(o.minRate > 0 && o.maxRate >= o.minRate))
    throw new UsageError(`--min-rate/--max-rate: expected 0 < min <= max, got ${o.minRate} and ${o.maxRate}`);
  if (!(Number.isInteger(o.trialRequests) && o.trialRequests >= 10))
    throw new UsageError(`--trial-requests: expected an integer >= 10, got ${o.trialRequests}`);
  if (!(o.precision > 0)) throw new UsageError(`--precision: expected a relative width > 0, got ${o.precision}`);
  if (!(Number.isInteger(o.maxTrials) && o.maxTrials >= 1))
    throw new UsageError(`--max-trials: expected an integer >= 1, got ${o.maxTrials}`);
}

async function runTrial(o: CapacityOptions, dir: string, trial: number, rate: number): Promise<CapacityTrial> {
  const config: ExperimentConfig = structuredClone(o.config);
  config.name = `trial-${String(trial).padStart(2, '0')}`;
  config.workload.arrival = { type: o.process, rate };
  config.stop = { ...config.stop, requests: o.trialRequests, duration_s: undefined };
  // More misses than this and the share cannot reach the target whatever follows.
  const allowedMisses = Math.floor((1 - o.target) * o.trialRequests + 1e-9);
  let misses = 0;
  let meeting = 0;
  const outcome = await runExperiment({
    config,
    configFile: o.configFile,
    policies: o.policies,
    outRoot: dir,
    progress: false,
    log: () => {},
    shouldStop: (r) => {
      if (meetsSlo(r, config.slo)) meeting++;
      else misses++;
      return misses > allowedMisses
        ? `${SATURATED}: ${misses} requests missed an SLO (target allows ${allowedMisses} of ${o.trialRequests})`
        : undefined;
    },
  });
  const overall = outcome.summary.tables.overall?.[0] ?? {};
  const sent = outcome.summary.sent;
  const share = sent ? meeting / sent : 0;
  const saturated = outcome.summary.stoppedBy.startsWith(SATURATED);
  const pass = !saturated && sent >= o.trialRequests && share >= o.target;
  return {
    trial,
    rate,
    runDir: outcome.runDir,
    sent,
    meeting,
    share,
    goodputReqPerS: num(overall.goodput_req_per_s),
    reqPerS: num(overall.req_per_s),
    ttftP99Ms: num(overall.ttft_p99_ms),
    stoppedBy: outcome.summary.stoppedBy,
    verdict: pass ? 'meets target' : saturated ? 'saturated' : 'below target',
  };
}

export async function searchCapacity(o: CapacityOptions): Promise<{ dir: string; result: CapacityResult }> {
  checkCapacityOptions(o);
  const dir = makeRunDir(o.outRoot ?? o.config.output.dir, `${o.config.name}-capacity`, newRunId());
  o.log(
    `capacity search: ${o.config.name} -> ${dir} (target goodput share ${o.target}, ${o.trialRequests} requests per trial)`,
  );
  const trials: CapacityTrial[] = [];
  const attempt = async (rate: number): Promise<boolean> => {
    const t = await runTrial(o, dir, trials.length + 1, rate);
    trials.push(t);
    o.log(
      `  trial ${t.trial}: ${rate.toPrecision(4)} sessions/s -> goodput share ${t.share.toFixed(3)} over ${t.sent} requests (${t.verdict})`,
    );
    return t.verdict === 'meets target';
  };
  let lo: number | undefined;
  let hi: number | undefined;
  let rate = o.minRate;
  // Grow: double while passing.
  while (trials.length < o.maxTrials) {
    if (await attempt(rate)) {
      lo = rate;
      if (rate >= o.maxRate) break;
      rate = Math.min(o.maxRate, rate * 2);
    } else {
      hi = rate;
      break;
    }
  }
  // Narrow: bisect between the last pass and the first failure.
  while (lo !== undefined && hi !== undefined && (hi - lo) / lo > o.precision && trials.length < o.maxTrials) {
    const mid = (lo + hi) / 2;
    if (await attempt(mid)) lo = mid;
    else hi = mid;
  }
  const result: CapacityResult = {
    experiment: o.config.name,
    target: o.target,
    slo: o.config.slo,
    trialRequests: o.trialRequests,
    process: o.process,
    ...(lo !== undefined ? { capacity: lo } : {}),
    ...(hi !== undefined ? { firstFailing: hi } : {}),
    conclusion: conclusion(o, lo, hi, trials.length),
    trials,
  };
  writeFileSync(join(dir, 'capacity.json'), JSON.stringify(result, null, 2) + '\n');
  writeFileSync(join(dir, 'capacity.md'), capacityMarkdown(result));
  return { dir, result };
}

function conclusion(o: CapacityOptions, lo: number | undefined, hi: number | undefined, n: number): string {
  const r = (x: number) => x.toPrecision(4);
  if (lo === undefined)
    return `even ${r(o.minRate)} sessions/s missed the target: capacity is below it (lower --min-rate)`;
  if (hi === undefined)
    return lo >= o.maxRate
      ? `${r(lo)} sessions/s met the target: --max-rate, the highest rate allowed (raise it to look further)`
      : `${r(lo)} sessions/s met the target, and no rate failed within ${n} trials (--max-trials): capacity is at least that`;
  const within =
    (hi - lo) / lo <= o.precision ? `within ${Math.round(o.precision * 100)}%` : `after ${n} trials (--max-trials)`;
  return `capacity ${r(lo)} sessions/s: the highest rate whose goodput share met ${o.target}; ${r(hi)} did not (${within})`;
}

export function capacityMarkdown(c: CapacityResult): string {
  const lines = [
    `# ${c.experiment}: capacity under SLO`,
    '',
    `${c.conclusion}.`,
    '',
    `Target: at least ${c.target} of requests succeed and meet every SLO (${JSON.stringify(c.slo)}); ${c.trialRequests} requests per trial, ${c.process} arrivals.`,
    '',
    '|trial|rate (sessions/s)|requests|met SLO|goodput share|goodput req/s|TTFT p99 ms|verdict|stopped by|',
    '|-:|-:|-:|-:|-:|-:|-:|:-|:-|',
    ...c.trials.map(
      (t) =>
        `|${t.trial}|${t.rate.toPrecision(4)}|${t.sent}|${t.meeting}|${t.share.toFixed(3)}|${t.goodputReqPerS ?? '-'}|${t.ttftP99Ms ?? '-'}|${t.verdict}|${t.stoppedBy}|`,
    ),
  ];
  return lines.join('\n') + '\n';
}
