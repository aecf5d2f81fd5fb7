import { describe, expect, it } from 'vitest';
import { parseEnergySpec } from './energy-config.ts';

describe('energy spec shorthands', () => {
  it('reads {dcgm: URL} as a DCGM exporter source', () => {
    expect(parseEnergySpec({ dcgm: 'http://node:9400' })).toEqual({ type: 'dcgm', url: 'http://node:9400/metrics' });
  });
  it('reads a bare name as its type', () => {
    expect(parseEnergySpec('sim')).toEqual({ type: 'sim' });
  });
});
