/**
 * The ML.ENERGY leaderboard v3 table (shared/REFERENCE.md section 2: vLLM 0.11, H100 80GB,
 * chat prompts, ~400 output tokens) and a measurement of the same cells on the simulator.
 *
 * Workload assumption (the leaderboard does not publish prompt lengths per cell): prompts
 * uniform in [256, 768] tokens (mean 512), outputs uniform in [300, 500] (mean 400), all
 * requests submitted at once so the batch stays at max_num_seqs, as the leaderboard does.
 * Statistics are taken over the steady-state window between the 10% and 90% completions.
 */
import { VirtualClock } from '../harness/pool/sim/clock.ts';
import type { Calibration } from '../harness/pool/sim/cost-model.ts';
import type { StepRecord } from '../harness/pool/sim/engine.ts';
import { mulberry32 } from '../harness/pool/sim/random.ts';
import { DEFAULT_POOL_SPEC, SimPool } from '../harness/pool/sim/sim-pool.ts';

export interface EnergyCell {
  id: string;
  model: string;
  tp: number;
  maxNumSeqs: number;
  jPerToken: number;
  watts: number;
  tokPerS: number;
  medianItlMs: number;
}

export const ML_ENERGY_CELLS: EnergyCell[] = [
  { id: '8b-tp1-s8', model: 'llama-3.1-8b', tp: 1, maxNumSeqs: 8, jPerToken: 0.455, watts: 486, tokPerS: 1070, medianItlMs: 7.3 },
  { id: '8b-tp1-s128', model: 'llama-3.1-8b', tp: 1, maxNumSeqs: 128, jPerToken: 0.095, watts: 669, tokPerS: 7037, medianItlMs: 16.5 },
  { id: '8b-tp1-s512', model: 'llama-3.1-8b', tp: 1, maxNumSeqs: 512, jPerToken: 0.07, watts: 688, tokPerS: 9806, medianItlMs: 47.4 },
  { id: '70b-tp4-s8', model: 'llama-3.1-70b', tp: 4, maxNumSeqs: 8, jPerToken: 3.76, watts: 1765, tokPerS: 470, medianItlMs: 16.6 },
  { id: '70b-tp4-s128', model: 'llama-3.1-70b', tp: 4, maxNumSeqs: 128, jPerToken: 0.563, watts: 2184, tokPerS: 3876, medianItlMs: 27.9 },
  { id: '70b-tp4-s1024', model: 'llama-3.1-70b', tp: 4, maxNumSeqs: 1024, jPerToken: 0.373, watts: 2548, tokPerS: 6827, medianItlMs: 105.6 },
  { id: 'qwen3-8b-tp1-s128', model: 'qwen3-8b', tp: 1, maxNumSeqs: 128, jPerToken: 0.097, watts: 573, tokPerS: 5930, medianItlMs: 20.7 },
];

/** Cells the calibration is fitted on (3 of 7); the other four are held out. */
export const CALIBRATION_CELL_IDS = ['8b-tp1-s8', '8b-tp1-s512', '70b-tp4-s8'];

export interface CellMeasurement {
  tokPerS: number;
  medianItlMs: number;
  watts: number;
  jPerToken: number;
}

export function measureCell(cell: EnergyCell, calibration?: Calibration, seed = 7): CellMeasurement {
  const clock = new VirtualClock();
  const steps: StepRecord[] = [];
  const pool = new SimPool(
    { ...DEFAULT_POOL_SPEC, model: cell.model, tp: cell.tp, maxNumSeqs: cell.maxNumSeqs, calibration, onStep: (s) => steps.push(s) },
    clock,
  );
  const rand = mulberry32(seed);
  const n = Math.max(4 * cell.maxNumSeqs, 64);
  const finishes: number[] = [];
  const itls: number[] = [];
  const tokenTimes: number[] = [];
  for (let i = 0; i < n; i++) {
    let last = -1;
    pool.submit({
      id: String(i),
      promptTokens: 256 + Math.floor(rand() * 513),
      blockHashes: [],
      outputTokens: 300 + Math.floor(rand() * 201),
      listener: {
        onToken: (_index, t) => {
          tokenTimes.push(t);
          if (last >= 0) itls.push(t - last);
          last = t;
        },
        onFinish: (r) => finishes.push(r.finishTime),
      },
    });
  }
  clock.run();
  finishes.sort((a, b) => a - b);
  const t0 = finishes[Math.floor(0.1 * n)]!;
  const t1 = finishes[Math.floor(0.9 * n)]!;
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
