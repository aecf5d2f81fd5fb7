import { describe, expect, it } from 'vitest';
import { CostModel, pnorm } from './cost-model.ts';
import { gpuProfile, modelProfile } from './profiles.ts';
import { FITTED_CALIBRATION } from './sim-pool.ts';

describe('CostModel tensor-parallel all-reduce', () => {
  const model = modelProfile('llama-3.1-70b');
  const h100 = gpuProfile('H100-80GB');
  const work = { tokens: 128, seqs: 128, kvTokensRead: 128 * 700, attendedContext: 128 * 700 };

  it('charges two measured all-reduces per layer, not a fitted constant', () => {
    const withComm = new CostModel(model, h100, 4, FITTED_CALIBRATION).step(work);
    const free = new CostModel(
      model,
      { ...h100, allReduce: { latencyS: 0, busBandwidth: Infinity } },
      4,
      FITTED_CALIBRATION,
    ).step(work);
    // 128 tokens x 8192 x bf16 = 2 MiB per all-reduce: ~21 us on 4xH100 (vLLM #24532 measured 23 us).
    const perAllReduce = (withComm.seconds - free.seconds) / (2 * model.layers);
    expect(perAllReduce).toBeGreaterThan(18e-6);
    expect(perAllReduce).toBeLessThan(25e-6);
  });

  it('has no all-reduce on one GPU', () => {
    const m8 = modelProfile('llama-3.1-8b');
    const a = new CostModel(m8, h100, 1, FITTED_CALIBRATION).step(work);
    const b = new CostModel(m8, { ...h100, allReduce: { latencyS: 1, busBandwidth: 1 } }, 1, FITTED_CALIBRATION).step(
      work,
    );
    expect(a.seconds).toBe(b.seconds);
  });
});

describe('pnorm (the smooth maximum of a kernel compute and memory time)', () => {
  it('keeps microsecond kernels at any exponent (no underflow of t^p)', () => {
    expect(pnorm(1e-5, 1e-5, 85)).toBeCloseTo(1e-5 * 2 ** (1 / 85), 15);
    expect(pnorm(1.6e-4, 1e-5, 85)).toBe(1.6e-4);
    expect(pnorm(0, 3e-6, 85)).toBe(3e-6);
    expect(pnorm(0, 0, 85)).toBe(0);
  });

  it('is the sum at p = 1 and tends to the max as p grows', () => {
    expect(pnorm(2, 3, 1)).toBeCloseTo(5, 12);
    expect(pnorm(2, 3, 200)).toBeCloseTo(3, 12);
  });
});
