/**
 * Polls each pool while a run goes: vLLM's `/metrics` (load and token counters) and the
 * pool's energy source, every `intervalMs` (default 1 s). Every scrape becomes one sample
 * passed to `sink` (the runner writes telemetry.jsonl); a failed scrape is a sample with an
 * `error` field, never an exception. A pool whose previous scrape is still running skips the
 * tick, so a slow pool neither piles up requests nor delays the others.
 *
 * `checkEnergy()` is the run's preflight for energy: it starts the nvidia-smi readers and
 * reads each DCGM exporter once, and throws WRP_ENERGY_UNAVAILABLE naming the pool and the
 * source when one is not there (no GPU, no nvidia-smi, an exporter that does not answer).
 */
import { Agent, request } from 'undici';
import { WrpError } from '../../core/errors.ts';
import { parseEnergySpec, type EnergySpec, type EnergySpecInput } from './energy-config.ts';
import { NvidiaSmiPower } from './nvidia-smi.ts';
import { parsePrometheusText } from './prometheus.ts';
import { readDcgm, readVllm } from './readings.ts';
import type { EnergySample, EnergyValues, MetricsSample, PoolLoad, TelemetrySample } from './types.ts';

export interface ScrapeTarget {
  name: string;
  /** The pool's base URL (`http://host:port`, a trailing /v1 is accepted). */
  url: string;
  /** Default none. Strings and objects as in energy-config.ts, or an already parsed spec. */
  energy?: EnergySpecInput | EnergySpec;
}

export interface ScraperOptions {
  pools: ScrapeTarget[];
  intervalMs?: number;
  /** Per-request timeout, ms. Default 5 s. */
  timeoutMs?: number;
  sink(sample: TelemetrySample): void;
}

interface PoolState {
  name: string;
  metricsUrl: string;
  energy: EnergySpec;
  energyUrl?: string;
  nvml?: NvidiaSmiPower;
  inFlight?: Promise<void>;
  latest?: PoolLoad;
}

export class TelemetryScraper {
  private readonly pools: PoolState[];
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: 4 });
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private timer: NodeJS.Timeout | undefined;
  private sinkError: unknown;
  private stopped = false;
  private energyChecked = false;

  constructor(private readonly opts: ScraperOptions) {
    this.intervalMs = opts.intervalMs ?? 1000;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.pools = opts.pools.map((p) => {
      const base = baseUrl(p.url);
      const energy = parseEnergySpec(p.energy, `pools.${p.name}.energy`);
      const energyUrl =
        energy.type === 'sim' ? `${base}/dcgm/metrics` : energy.type === 'dcgm' ? energy.url : undefined;
      return { name: p.name, metricsUrl: `${base}/metrics`, energy, energyUrl };
    });
  }

  /**
   * Starts the nvidia-smi readers and reads each DCGM exporter once; rejects with
   * WRP_ENERGY_UNAVAILABLE (nothing left running) when a source is not there. Once is enough.
   */
  async checkEnergy(): Promise<void> {
    if (this.energyChecked) return;
    try {
      for (const p of this.pools) {
        const where = `pools.${p.name}.energy (${p.energy.type})`;
        if (p.energy.type === 'nvml') {
          p.nvml = new NvidiaSmiPower({
            command: p.energy.command,
            gpus: p.energy.gpus,
            intervalMs: p.energy.interval_ms,
          });
          await p.nvml.start().catch((e: unknown) => {
            throw new WrpError(
              'WRP_ENERGY_UNAVAILABLE',
              `${where}: ${(e as Error).message.replace(/^energy nvml: /, '')}`,
              {
                cause: e,
              },
            );
          });
        } else if (p.energy.type === 'dcgm') {
          await this.fetchText(p.energyUrl!).catch((e: unknown) => {
            throw new WrpError(
              'WRP_ENERGY_UNAVAILABLE',
              `${where}: ${message(e, p.energyUrl!)}: is a DCGM exporter running there? (or energy: none)`,
              { cause: e },
            );
          });
        }
      }
    } catch (err) {
      for (const p of this.pools) p.nvml?.stop();
      throw err;
    }
    this.energyChecked = true;
  }

  /** Starts the energy sources (checkEnergy, if not done yet), scrapes once, then polls. */
  async start(): Promise<void> {
    await this.checkEnergy();
    await this.scrapeOnce();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref(); // telemetry alone must not keep the process alive
  }

  /** Scrapes every pool not already being scraped; resolves when those scrapes are done. */
  scrapeOnce(): Promise<void> {
    return this.tick();
  }

  /** Stops polling, waits for scrapes in flight, does a final scrape, stops nvidia-smi. Rethrows a sink error. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all(this.pools.map((p) => p.inFlight));
    await this.tick();
    for (const p of this.pools) p.nvml?.stop();
    await this.agent.close();
    if (this.sinkError !== undefined) throw this.sinkError;
  }

  /** Latest successful load reading of `pool` (running, waiting, KV-cache usage), for PoolObservation. */
  observation(pool: string): PoolLoad | undefined {
    return this.pools.find((p) => p.name === pool)?.latest;
  }

  observations(): Map<string, PoolLoad> {
    const out = new Map<string, PoolLoad>();
    for (const p of this.pools) if (p.latest) out.set(p.name, p.latest);
    return out;
  }

  private tick(): Promise<void> {
    const running: Promise<void>[] = [];
    for (const p of this.pools) {
      if (p.inFlight) continue;
      const run = this.scrapePool(p).finally(() => (p.inFlight = undefined));
      p.inFlight = run;
      running.push(run);
    }
    return Promise.all(running).then(() => undefined);
  }

  private async scrapePool(p: PoolState): Promise<void> {
    await Promise.all([this.scrapeMetrics(p), this.scrapeEnergy(p)]);
  }

  private async scrapeMetrics(p: PoolState): Promise<void> {
    const sent = Date.now();
    try {
      const values = readVllm(parsePrometheusText(await this.fetchText(p.metricsUrl)));
      const done = Date.now();
      const sample: MetricsSample = {
        t_ms: mid(sent, done),
        pool: p.name,
        kind: 'metrics',
        scrape_ms: done - sent,
        ...values,
      };
      p.latest = {
        t_ms: sample.t_ms,
        running: values.running,
        waiting: values.waiting,
        kvCacheUsage: values.kv_cache_usage,
      };
      this.emit(sample);
    } catch (err) {
      const done = Date.now();
      this.emit({
        t_ms: mid(sent, done),
        pool: p.name,
        kind: 'metrics',
        scrape_ms: done - sent,
        error: message(err, p.metricsUrl),
      });
    }
  }

  private async scrapeEnergy(p: PoolState): Promise<void> {
    const spec = p.energy;
    if (spec.type === 'none') return;
    const sent = Date.now();
    let values: EnergyValues | undefined;
    let error: string | undefined;
    try {
      if (spec.type === 'nvml') values = p.nvml!.reading();
      else
        values = readDcgm(
          parsePrometheusText(await this.fetchText(p.energyUrl!)),
          spec.type === 'dcgm' ? spec.gpus : undefined,
        );
    } catch (err) {
      error = message(err, p.energyUrl ?? 'nvidia-smi');
    }
    const done = Date.now();
    const base = {
      t_ms: mid(sent, done),
      pool: p.name,
      kind: 'energy' as const,
      source: spec.type,
      scrape_ms: done - sent,
    };
    const sample: EnergySample = error === undefined ? { ...base, ...values } : { ...base, error };
    this.emit(sample);
  }

  private async fetchText(url: string): Promise<string> {
    const res = await request(url, {
      dispatcher: this.agent,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    return text;
  }

  private emit(sample: TelemetrySample): void {
    try {
      this.opts.sink(sample);
    } catch (err) {
      this.sinkError ??= err; // reported by stop(); a broken sink must not kill the timer
    }
  }
}

function baseUrl(url: string): string {
  const u = new URL(url);
  return u.origin + u.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
}

const mid = (a: number, b: number): number => Math.round((a + b) / 2);

function message(err: unknown, where: string): string {
  const e = err as { code?: string; message?: string; name?: string };
  const text = e?.message ?? String(err);
  return `${where}: ${e?.code ? `${e.code} ` : ''}${text}`.slice(0, 500);
}
