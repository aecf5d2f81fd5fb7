/**
 * Fits the simulator's efficiency factors (harness/pool/sim/calibration.json) on the
 * calibration cells of the ML.ENERGY table only; `npm run bench` reports the error on
 * the held-out cells. Nelder-Mead on log-parameters, least squares of log errors
 * of output tok/s, median ITL and watts (J/token follows from the last two).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CALIBRATION_CELL_IDS, ML_ENERGY_CELLS, measureCell } from '../bench/ml-energy.ts';
import type { Calibration } from '../harness/pool/sim/cost-model.ts';
import { FITTED_CALIBRATION } from '../harness/pool/sim/sim-pool.ts';
import { nelderMead } from './nelder-mead.ts';

type Key = keyof Calibration;
const KEYS: Key[] = [
  'computeEfficiency', 'memoryEfficiency', 'attentionEfficiency', 'overlapExponent', 'stepOverheadS', 'perLayerOverheadS',
  'allReduceLatencyS', 'powerActiveFloor', 'powerComputeWeight', 'powerMemoryWeight',
];
/** Efficiencies and power shares are fractions; clamp so the search stays physical. */
const UPPER: Partial<Record<Key, number>> = { computeEfficiency: 1, memoryEfficiency: 1, attentionEfficiency: 1, powerActiveFloor: 1 };

function decode(x: number[]): Calibration {
  const cal = { ...FITTED_CALIBRATION };
  KEYS.forEach((k, i) => {
    cal[k] = Math.min(Math.exp(x[i]!), UPPER[k] ?? Infinity);
  });
  return cal;
}

const cells = ML_ENERGY_CELLS.filter((c) => CALIBRATION_CELL_IDS.includes(c.id));

function loss(x: number[]): number {
  const cal = decode(x);
  let sum = 0;
  for (const cell of cells) {
    const m = measureCell(cell, cal);
    sum += Math.log(m.tokPerS / cell.tokPerS) ** 2 + Math.log(m.medianItlMs / cell.medianItlMs) ** 2 + Math.log(m.watts / cell.watts) ** 2;
  }
  return sum;
}

const x0 = KEYS.map((k) => Math.log(FITTED_CALIBRATION[k]));
const result = nelderMead(loss, x0, Number(process.env.WRP_CALIBRATE_ITERATIONS ?? 600));
const fitted = decode(result.x);
const out = { ...fitted, fittedOn: cells.map((c) => c.id).join(', '), loss: result.fx };
const path = fileURLToPath(new URL('../harness/pool/sim/calibration.json', import.meta.url));
writeFileSync(path, JSON.stringify(out, null, 2) + '\n');
console.log(`calibration written to ${path} (loss ${result.fx.toFixed(5)})`);
console.log(out);
