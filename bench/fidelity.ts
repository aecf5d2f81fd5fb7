/**
 * Fidelity: the simulator against the ML.ENERGY table, error per cell and metric, with the
 * calibration cells and the held-out cells summarised separately.
 */
import { CALIBRATION_CELL_IDS, METRICS, ML_ENERGY_CELLS, measureCell, relativeErrors } from '../tools/ml-energy.ts';

export interface FidelityRow {
  cell: string;
  split: 'calibration' | 'held-out';
  metric: string;
  reference: number;
  simulated: number;
  error: number;
}

export interface FidelitySummary {
  rows: FidelityRow[];
  heldOut: { medianAbsError: number; maxAbsError: number };
  calibration: { medianAbsError: number; maxAbsError: number };
}

function summarise(errors: number[]) {
  const abs = errors.map(Math.abs).sort((a, b) => a - b);
  const mid = abs.length / 2;
  const median = abs.length % 2 ? abs[Math.floor(mid)]! : (abs[mid - 1]! + abs[mid]!) / 2;
  return { medianAbsError: median, maxAbsError: abs.at(-1)! };
}

export function fidelity(): FidelitySummary {
  const rows: FidelityRow[] = [];
  for (const cell of ML_ENERGY_CELLS) {
    const m = measureCell(cell);
    const err = relativeErrors(cell, m);
    const split = CALIBRATION_CELL_IDS.includes(cell.id) ? 'calibration' : 'held-out';
    for (const metric of METRICS) {
      rows.push({ cell: cell.id, split, metric, reference: cell[metric], simulated: m[metric], error: err[metric] });
    }
  }
  return {
    rows,
    heldOut: summarise(rows.filter((r) => r.split === 'held-out').map((r) => r.error)),
    calibration: summarise(rows.filter((r) => r.split === 'calibration').map((r) => r.error)),
  };
}
