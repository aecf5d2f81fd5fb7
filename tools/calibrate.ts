/**
 * Fits the simulator's calibrated constants (harness/pool/sim/calibration.json) on the
 * calibration cells of the ML.ENERGY table only; `npm run bench` reports the error on
 * the held-out cells. Nelder-Mead (restarted from its best point) on log-parameters,
 * least squares of log errors of output tok/s, median ITL and watts (J/token follows from
 * the last two).
 *
 * Speed: each cell is simulated once (`traceCell`) and then replayed under every trial
 * calibration (`replayTrace`): with every request sent at time 0 the scheduler's decisions
 * do not depend on step durations, so the replay equals a fresh run (checked at the end).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CALIBRATION_CELL_IDS, ML_ENERGY_CELLS, measureCell, replayTrace, traceCell } from './ml-energy.ts';
import { CALIBRATION_KEYS, type Calibration } from '../harness/pool/sim/cost-model.ts';
import { FITTED_CALIBRATION } from '../harness/pool/sim/sim-pool.ts';
import { nelderMead } from './nelder-mead.ts';

type Key = keyof Calibration;
const KEYS: readonly Key[] = CALIBRATION_KEYS;
/** Efficiencies and power shares are fractions; clamp so the search stays physical. */
const UPPER: Partial<Record<Key, number>> = {
  computeEfficiency: 1,
  memoryEfficiency: 1,
  attentionEfficiency: 1,
  powerActiveFloor: 1,
};

function decode(x: number[]): Calibration {
  const cal = { ...FITTED_CALIBRATION };
  KEYS.forEach((k, i) => {
    cal[k] = Math.min(Math.exp(x[i]!), UPPER[k] ?? Infinity);
  });
  return cal;
}

const ids = process.env.WRP_CALIBRATION_CELLS?.split(',') ?? CALIBRATION_CELL_IDS;
const cells = ML_ENERGY_CELLS.filter((c) => ids.includes(c.id));
const traces = cells.map((c) => traceCell(c));

function loss(x: number[]): number {
  const cal = decode(x);
  let sum = 0;
  for (const trace of traces) {
    const m = replayTrace(trace, cal);
    const c = trace.cell;
    sum +=
      Math.log(m.tokPerS / c.tokPerS) ** 2 +
      Math.log(m.medianItlMs / c.medianItlMs) ** 2 +
      Math.log(m.watts / c.watts) ** 2;
  }
  return sum;
}

const iterations = Number(process.env.WRP_CALIBRATE_ITERATIONS ?? 600);
const restarts = Number(process.env.WRP_CALIBRATE_RESTARTS ?? 2);
let x = KEYS.map((k) => Math.log(FITTED_CALIBRATION[k]));
let fx = loss(x);
for (let r = 0; r < restarts; r++) {
  const result = nelderMead(loss, x, iterations);
  if (result.fx <= fx) ({ x, fx } = result);
  console.log(`round ${r + 1}: loss ${fx.toFixed(6)}`);
}
const fitted = decode(x);
for (const c of cells) {
  const replayed = replayTrace(traces[cells.indexOf(c)]!, fitted);
  const direct = measureCell(c, fitted);
  const drift =
    Math.abs(replayed.tokPerS / direct.tokPerS - 1) + Math.abs(replayed.medianItlMs / direct.medianItlMs - 1);
  if (drift > 1e-9)
    throw new Error(`${c.id}: replay and simulation disagree (${JSON.stringify({ replayed, direct })})`);
}
const out = { ...fitted, fittedOn: cells.map((c) => c.id).join(', '), loss: fx };
if (process.env.WRP_CALIBRATE_DRY_RUN) {
  console.log(JSON.stringify(out, null, 2));
} else {
  const path = fileURLToPath(new URL('../harness/pool/sim/calibration.json', import.meta.url));
  writeFileSync(path, JSON.stringify(out, null, 2) + '\n');
  console.log(`calibration written to ${path} (loss ${fx.toFixed(6)})`);
  console.log(out);
}
