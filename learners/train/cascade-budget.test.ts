import { describe, expect, it } from 'vitest';
import { budgetOperatingPoint } from './cascade-budget.ts';

// Four requests: weak call 1, strong call 10 on top; escalating gains 1, 0, 1, 0 in quality.
const rows = {
  value: [0.9, 0.1, 0.5, 0.5],
  qualityIfAccepted: [0, 1, 0, 1],
  qualityIfEscalated: [1, 1, 1, 1],
  costIfAccepted: [1, 1, 1, 1],
  costIfEscalated: [11, 11, 11, 11],
};

describe('budgetOperatingPoint', () => {
  it('escalates the best-valued requests the budget pays for, whole tie groups only', () => {
    // Budget 4: one escalation (mean 3.5); the tie at 0.5 would take two (mean 6).
    const p = budgetOperatingPoint(rows, 4);
    expect(p).toMatchObject({ escalatedShare: 0.25, quality: 0.75, meanCost: 3.5, belowFloor: false });
    expect(p.threshold).toBeCloseTo(0.7, 12);
    // Budget 9: the tie group joins (mean 8.5); the last request (value 0.1) would add cost, no quality.
    const q = budgetOperatingPoint(rows, 9);
    expect(q).toMatchObject({ escalatedShare: 0.75, quality: 1, meanCost: 8.5 });
    expect(q.threshold).toBeCloseTo(0.3, 12);
  });

  it('says when the budget is below what the weak call alone costs', () => {
    const p = budgetOperatingPoint(rows, 0.5);
    expect(p).toMatchObject({ escalatedShare: 0, belowFloor: true, meanCost: 1 });
    expect(rows.value.every((v) => !(v > p.threshold))).toBe(true);
    expect(() => budgetOperatingPoint(rows, 0)).toThrow(/budget_usd/);
  });
});
