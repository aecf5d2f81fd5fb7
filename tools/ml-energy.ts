/**
 * The ML.ENERGY leaderboard v3 table (shared/REFERENCE.md section 2: vLLM 0.11, H100 80GB,
 * chat prompts, ~400 output tokens) and a measurement of the same cells on the simulator,
 * driven the way the ML.ENERGY harness drives vLLM.
 *
 * The harness (github.com/ml-energy/benchmark, `mlenergy/llm/benchmark.py`, `datasets.py`,
 * `workloads.py`, `configs/vllm/lm-arena-chat/...`), which we mirror:
 * - `lm-arena-chat`: prompts from lmarena-ai/arena-human-preference-100k, one request per
 *   conversation turn, the earlier turns (user prompts and model answers) as history;
 *   answers are the model's own, capped at `--max-output-tokens 4096`.
 * - `--workload.num-requests 1024` unique prompts, repeated `num_request_repeats` times
 *   (sweeps.yaml: 2 for Llama-3.1-8B at max_num_seqs 256-512 and Llama-3.1-70B at 512-1024).
 *   A repeated prompt is the same token sequence, so vLLM's prefix cache can hit it.
 * - All requests sent at once (request_rate inf); vLLM started with
 *   `max-num-batched-tokens 8192` (monolithic.config.yaml) and default
 *   gpu_memory_utilization 0.9.
 * - Steady state (RequestTracker): from the moment max_num_seqs requests have received
 *   their first token to the moment num_requests - max_num_seqs - 1 requests have
 *   finished. Output tok/s and watts are taken over that window; the median ITL over every
 *   inter-token gap of every request of the run.
 *
 * Length distributions (the leaderboard publishes neither per-cell prompt lengths nor
 * output-length histograms, so these are assumptions, stated here and in the README):
 * - Prompts: Arena user turns are short with a heavy tail (median ~16 words, mean ~54
 *   words: public analysis of the LMSYS Chatbot Arena preference data, Kaggle "LLM
 *   Classification Finetuning"), plus the chat template (~30 tokens): 30 + lognormal(median
 *   40, sigma 1.4) tokens. A follow-up turn (assumed 30% of requests: Arena conversations
 *   that continue get one request per turn) also carries the history, earlier prompts and
 *   answers: lognormal(median 700, sigma 0.8) more tokens. Overall median ~80, mean ~420.
 * - Outputs: ~400 tokens on average (REFERENCE.md); chat answers are right-skewed, so
 *   lognormal with mean 400 and sigma 0.7 (median ~310), capped at 4096.
 */
import { VirtualClock } from '../harness/pool/sim/clock.ts';
import { CostModel, type Calibration, type StepCost, type StepWork } from '../harness/pool/sim/cost-model.ts';
import { ReplicaEngine, type SeqRequest, type StepRecord } from '../harness/pool/sim/engine.ts';
import { gpuProfile, modelProfile } from '../harness/pool/sim/profiles.ts';
import { DEFAULT_POOL_SPEC, FITTED_CALIBRATION, SimPool } from '../harness/pool/sim/sim-pool.ts';
import { mulberry32 } from '../core/rng.ts';

export interface EnergyCell {
  id: string;
  model: string;
  tp: number;
  maxNumSeqs: number;
  /** ML.ENERGY's num_request_repeats for this cell (sweeps.yaml). */
  requestRepeats: number;
  jPerToken: number;
  watts: number;
  tokPerS: number;
  medianItlMs: number;
}

export const ML_ENERGY_CELLS: EnergyCell[] = [
  {
    id: '8b-tp1-s8',
    model: 'llama-3.1-8b',
    tp: 1,
    maxNumSeqs: 8,
    requestRepeats: 1,
    jPerToken: 0.455,
    watts: 486,
    tokPerS: 1070,
    medianItlMs: 7.3,
  },
  {
    id: '8b-tp1-s128',
    model: 'llama-3.1-8b',
    tp: 1,
    maxNumSeqs: 128,
    requestRepeats: 1,
    jPerToken: 0.095,
    watts: 669,
    tokPerS: 7037,
    medianItlMs: 16.5,
  },
  {
    id: '8b-tp1-s512',
    model: 'llama-3.1-8b',
    tp: 1,
    maxNumSeqs: 512,
    requestRepeats: 2,
    jPerToken: 0.07,
    watts: 688,
    tokPerS: 9806,
    medianItlMs: 47.4,
  },
  {
    id: '70b-tp4-s8',
    model: 'llama-3.1-70b',
    tp: 4,
    maxNumSeqs: 8,
    requestRepeats: 1,
    jPerToken: 3.76,
    watts: 1765,
    tokPerS: 470,
    medianItlMs: 16.6,
  },
  {
    id: '70b-tp4-s128',
    model: 'llama-3.1-70b',
    tp: 4,
    maxNumSeqs: 128,
    requestRepeats: 1,
    jPerToken: 0.563,
    watts: 2184,
    tokPerS: 3876,
    medianItlMs: 27.9,
  },
  {
    id: '70b-tp4-s1024',
    model: 'llama-3.1-70b',
    tp: 4,
    maxNumSeqs: 1024,
    requestRepeats: 2,
    jPerToken: 0.373,
    watts: 2548,
    tokPerS: 6827,
    medianItlMs: 105.6,
  },
  {
    id: 'qwen3-8b-tp1-s128',
    model: 'qwen3-8b',
    tp: 1,
    maxNumSeqs: 128,
    requestRepeats: 1,
    jPerToken: 0.097,
    watts: 573,
    tokPerS: 5930,
    medianItlMs: 20.7,
  },
];

/** Cells the calibration is fitted on (3 of 7); the other four are held out. */
export const CALIBRATION_CELL_IDS = ['8b-tp1-s8', '8b-tp1-s512', '70b-tp4-s8'];

/** Unique prompts per run (`--workload.num-requests`). */
const UNIQUE_PROMPTS = 1024;
const MAX_OUTPUT_TOKENS = 4096;
const BLOCK_SIZE = DEFAULT_POOL_SPEC.blockSize;

export interface CellMeasurement {
  tokPerS: number;
  medianItlMs: number;
  watts: number;
  jPerToken: number;
}

/** A standard normal draw (Box-Muller) from a uniform source. */
function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

interface Prompt {
  tokens: number;
  blockHashes: number[];
}

function samplePrompts(rand: () => number): Prompt[] {
  const prompts: Prompt[] = [];
  for (let p = 0; p < UNIQUE_PROMPTS; p++) {
    const turn = 30 + Math.round(40 * Math.exp(1.4 * normal(rand)));
    const history = rand() < 0.3 ? Math.round(700 * Math.exp(0.8 * normal(rand))) : 0;
    const tokens = Math.min(16_000, turn + history);
    // Content hashes of the prompt's full blocks, distinct per prompt (chained: block i of
    // prompt p is the same content only for the same p), so that a repeat can hit the cache.
    const blockHashes = Array.from({ length: Math.floor(tokens / BLOCK_SIZE) }, (_, b) => p * 4096 + b);
    prompts.push({ tokens, blockHashes });
  }
  return prompts;
}

function sampleOutputTokens(rand: () => number): number {
  const sigma = 0.7;
  const mu = Math.log(400) - (sigma * sigma) / 2; // mean 400 before the cap
  return Math.max(1, Math.min(MAX_OUTPUT_TOKENS, Math.round(Math.exp(mu + sigma * normal(rand)))));
}

/** The cell's requests in submission order (all sent at time 0), without listeners. */
function cellRequests(cell: EnergyCell, seed: number): SeqRequest[] {
  const rand = mulberry32(seed);
  const prompts = samplePrompts(rand);
  const n = UNIQUE_PROMPTS * cell.requestRepeats;
  const out: SeqRequest[] = [];
  for (let i = 0; i < n; i++) {
    const prompt = prompts[i % UNIQUE_PROMPTS]!;
    out.push({
      id: String(i),
      promptTokens: prompt.tokens,
      blockHashes: prompt.blockHashes,
      outputTokens: sampleOutputTokens(rand),
    });
  }
  return out;
}

/** Runs the cell on a simulated pool (the real engine and cost model) and measures it as ML.ENERGY does. */
export function measureCell(cell: EnergyCell, calibration?: Calibration, seed = 7): CellMeasurement {
  const clock = new VirtualClock();
  const steps: StepRecord[] = [];
  const pool = new SimPool(
    {
      ...DEFAULT_POOL_SPEC,
      model: cell.model,
      tp: cell.tp,
      maxNumSeqs: cell.maxNumSeqs,
      calibration,
      onStep: (s) => steps.push(s),
    },
    clock,
  );
  const requests = cellRequests(cell, seed);
  const n = requests.length;
  const B = cell.maxNumSeqs;
  const firstTokens: number[] = [];
  const finishes: number[] = [];
  const itls: number[] = [];
  const tokenTimes: number[] = [];
  for (const req of requests) {
    let last = -1;
    pool.submit({
      ...req,
      listener: {
        onToken: (index, t) => {
          tokenTimes.push(t);
          if (index === 0) firstTokens.push(t);
          else itls.push(t - last);
          last = t;
        },
        onFinish: (r) => finishes.push(r.finishTime),
      },
    });
  }
  clock.run();
  firstTokens.sort((a, b) => a - b);
  finishes.sort((a, b) => a - b);
  // ML.ENERGY's steady state: B first tokens received .. n - B - 1 requests finished.
  const t0 = firstTokens[steadyStartIndex(n, B)]!;
  const t1 = finishes[steadyEndIndex(n, B)]!;
  if (!(t1 > t0)) throw new Error(`${cell.id}: empty steady-state window (${t0}..${t1})`);
  let energy = 0;
  for (const s of steps) {
    const overlap = Math.min(s.end, t1) - Math.max(s.start, t0);
    if (overlap > 0) energy += s.watts * overlap;
  }
  let tokens = 0;
  for (const t of tokenTimes) if (t > t0 && t <= t1) tokens++;
  itls.sort((a, b) => a - b);
  const window = t1 - t0;
  const tokPerS = tokens / window;
  const watts = energy / window;
  return { tokPerS, medianItlMs: 1000 * itls[Math.floor(itls.length / 2)]!, watts, jPerToken: watts / tokPerS };
}

/** Index (0-based, in time order) of the first token that opens the steady state. */
function steadyStartIndex(n: number, maxNumSeqs: number): number {
  return Math.min(maxNumSeqs, n) - 1;
}
/** Index (0-based, in time order) of the finish that closes the steady state. */
function steadyEndIndex(n: number, maxNumSeqs: number): number {
  return Math.max(1, n - maxNumSeqs - 1) - 1;
}

/**
 * What the engine did for a cell, independent of how long each step took: every request
 * arrives at time 0, so the scheduler's choices (which sequences run in which step, when
 * one is preempted) depend on the order of events only, never on step durations. Replaying
 * a trace under another calibration therefore gives exactly what a fresh run would (the
 * calibration script relies on it; a test checks it against measureCell).
 */
export interface CellTrace {
  cell: EnergyCell;
  works: StepWork[];
  /** Output tokens emitted at the end of each step. */
  tokensAt: Int32Array;
  /** Inter-token gaps that span exactly one step, counted by the step they end at. */
  oneStepGaps: Int32Array;
  /** The other gaps (a preemption or a prefill chunk in between): [from step, to step] pairs. */
  longGaps: number[];
  /** Steps whose end opens and closes the steady-state window. */
  startStep: number;
  endStep: number;
}

/** Records a cell's step sequence once (the calibration the clock runs on does not matter). */
export function traceCell(cell: EnergyCell, seed = 7): CellTrace {
  const works: StepWork[] = [];
  class RecordingCostModel extends CostModel {
    override step(work: StepWork): StepCost {
      works.push({ ...work });
      return super.step(work);
    }
  }
  const clock = new VirtualClock();
  const cost = new RecordingCostModel(
    modelProfile(cell.model),
    gpuProfile(DEFAULT_POOL_SPEC.gpu),
    cell.tp,
    FITTED_CALIBRATION,
  );
  let stepIndex = -1;
  const engine = new ReplicaEngine({
    cost,
    clock,
    maxNumSeqs: cell.maxNumSeqs,
    maxNumBatchedTokens: DEFAULT_POOL_SPEC.maxNumBatchedTokens,
    blockSize: DEFAULT_POOL_SPEC.blockSize,
    gpuMemoryUtilization: DEFAULT_POOL_SPEC.gpuMemoryUtilization,
    onStep: () => stepIndex++,
  });
  const requests = cellRequests(cell, seed);
  const firstTokenSteps: number[] = [];
  const finishSteps: number[] = [];
  const tokens: number[] = [];
  const oneStep: number[] = [];
  const longGaps: number[] = [];
  for (const req of requests) {
    let last = -1;
    engine.add({
      ...req,
      listener: {
        onToken: (index) => {
          tokens[stepIndex] = (tokens[stepIndex] ?? 0) + 1;
          if (index === 0) firstTokenSteps.push(stepIndex);
          else if (stepIndex === last + 1) oneStep[stepIndex] = (oneStep[stepIndex] ?? 0) + 1;
          else longGaps.push(last, stepIndex);
          last = stepIndex;
        },
        onFinish: () => finishSteps.push(stepIndex),
      },
    });
  }
  clock.run();
  firstTokenSteps.sort((a, b) => a - b);
  finishSteps.sort((a, b) => a - b);
  const n = requests.length;
  const startStep = firstTokenSteps[steadyStartIndex(n, cell.maxNumSeqs)]!;
  const endStep = finishSteps[steadyEndIndex(n, cell.maxNumSeqs)]!;
  if (!(endStep > startStep)) throw new Error(`${cell.id}: empty steady-state window (steps ${startStep}..${endStep})`);
  const steps = works.length;
  return {
    cell,
    works,
    tokensAt: Int32Array.from({ length: steps }, (_, i) => tokens[i] ?? 0),
    oneStepGaps: Int32Array.from({ length: steps }, (_, i) => oneStep[i] ?? 0),
    longGaps,
    startStep,
    endStep,
  };
}

/** The cell's measurement under `calibration`, from its trace (fast: no event simulation). */
export function replayTrace(trace: CellTrace, calibration: Calibration): CellMeasurement {
  const { cell, works } = trace;
  const cost = new CostModel(modelProfile(cell.model), gpuProfile(DEFAULT_POOL_SPEC.gpu), cell.tp, calibration);
  const steps = works.length;
  const end = new Float64Array(steps);
  const dur = new Float64Array(steps);
  const watts = new Float64Array(steps);
  let t = 0;
  for (let i = 0; i < steps; i++) {
    const c = cost.step(works[i]!);
    dur[i] = c.seconds;
    watts[i] = c.watts;
    t += c.seconds;
    end[i] = t;
  }
  let energy = 0;
  let tokens = 0;
  for (let i = trace.startStep + 1; i <= trace.endStep; i++) {
    energy += watts[i]! * dur[i]!;
    tokens += trace.tokensAt[i]!;
  }
  const window = end[trace.endStep]! - end[trace.startStep]!;
  // Weighted median of the gaps: one-step gaps weigh by their count, long gaps by one each.
  const gaps = trace.longGaps.length / 2;
  const values = new Float64Array(steps + gaps);
  const weights = new Float64Array(steps + gaps);
  for (let i = 0; i < steps; i++) {
    values[i] = dur[i]!;
    weights[i] = trace.oneStepGaps[i]!;
  }
  for (let k = 0; k < gaps; k++) {
    values[steps + k] = end[trace.longGaps[2 * k + 1]!]! - end[trace.longGaps[2 * k]!]!;
    weights[steps + k] = 1;
  }
  const median = weightedSelect(values, weights, Math.floor(weights.reduce((a, b) => a + b, 0) / 2));
  const tokPerS = tokens / window;
  const w = energy / window;
  return { tokPerS, medianItlMs: 1000 * median, watts: w, jPerToken: w / tokPerS };
}

/**
 * The value at 0-based rank `rank` of the multiset where values[i] occurs weights[i] times
 * (what sorting the expanded list and indexing it would give), by quickselect: O(n).
 * Reorders both arrays.
 */
function weightedSelect(values: Float64Array, weights: Float64Array, rank: number): number {
  let lo = 0;
  let hi = values.length - 1;
  let r = rank;
  for (;;) {
    if (lo === hi) return values[lo]!;
    const pivot = values[(lo + hi) >>> 1]!;
    // Three-way partition: [lo, lt) < pivot, [lt, gt] == pivot, (gt, hi] > pivot.
    let lt = lo;
    let gt = hi;
    let i = lo;
    let below = 0;
    let equal = 0;
    while (i <= gt) {
      const v = values[i]!;
      if (v < pivot) {
        below += weights[i]!;
        swap(values, weights, lt++, i++);
      } else if (v > pivot) {
        swap(values, weights, i, gt--);
      } else {
        equal += weights[i]!;
        i++;
      }
    }
    if (r < below) hi = lt - 1;
    else if (r < below + equal) return pivot;
    else {
      r -= below + equal;
      lo = gt + 1;
    }
  }
}

function swap(values: Float64Array, weights: Float64Array, a: number, b: number): void {
  const v = values[a]!;
  values[a] = values[b]!;
  values[b] = v;
  const w = weights[a]!;
  weights[a] = weights[b]!;
  weights[b] = w;
}

export const METRICS = ['tokPerS', 'medianItlMs', 'watts', 'jPerToken'] as const;

export function relativeErrors(cell: EnergyCell, m: CellMeasurement): Record<(typeof METRICS)[number], number> {
  const e = (sim: number, ref: number) => (sim - ref) / ref;
  return {
    tokPerS: e(m.tokPerS, cell.tokPerS),
    medianItlMs: e(m.medianItlMs, cell.medianItlMs),
    watts: e(m.watts, cell.watts),
    jPerToken: e(m.jPerToken, cell.jPerToken),
  };
}
