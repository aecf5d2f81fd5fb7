/**
 * A run's view of its pools: the telemetry scraper and the energy rate its samples feed. It is
 * built before the run folder exists (its energy sources are checked in the preflight), so
 * samples reach telemetry.jsonl only once `recordTo` names the file's writer.
 */
import { TelemetryScraper } from '../telemetry/scraper.ts';
import { EnergyRate } from './energy-rate.ts';
import type { PoolHandle } from './pools.ts';
import type { JsonlWriter } from './results-writer.ts';

export interface PoolTelemetry {
  scraper: TelemetryScraper;
  energyRate: EnergyRate;
  /** From now on every sample is also written there; returns the writer. */
  recordTo(writer: JsonlWriter): JsonlWriter;
}

export function poolTelemetry(pools: PoolHandle[], intervalMs: number): PoolTelemetry {
  const energyRate = new EnergyRate();
  let file: JsonlWriter | undefined;
  const scraper = new TelemetryScraper({
    pools: pools.map((p) => ({ name: p.name, url: p.url, energy: p.config.energy })),
    intervalMs,
    sink: (s) => {
      energyRate.add(s);
      file?.write(s);
    },
  });
  return { scraper, energyRate, recordTo: (writer) => (file = writer) };
}
