/** Public API of harness/telemetry: scraping pools, parsing Prometheus text, attributing energy. */
export { TelemetryScraper, type ScrapeTarget, type ScraperOptions } from './scraper.ts';
export { energySchema, parseEnergySpec, type EnergySpec, type EnergySpecInput } from './energy-config.ts';
export {
  parsePrometheusText,
  PrometheusParseError,
  samplesNamed,
  sumOf,
  meanOf,
  parseValue,
  type MetricFamily,
  type MetricType,
  type Sample,
} from './prometheus.ts';
export { readDcgm, readVllm } from './readings.ts';
export { NvidiaSmiPower, PowerIntegrator, parseNvidiaSmiLine, type PowerLine } from './nvidia-smi.ts';
export {
  ATTRIBUTION_METHOD,
  attributeEnergy,
  energyPoints,
  type AttributionResult,
  type EnergyPoint,
  type EnergyTotals,
  type RequestWork,
} from './energy-attribution.ts';
export type {
  EnergySample,
  EnergySourceKind,
  EnergyValues,
  MetricsSample,
  PoolLoad,
  TelemetrySample,
  VllmValues,
} from './types.ts';
