import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer } from '../pool/sim/server.ts';
import { LABEL_HEADERS } from '../types.ts';
import { TelemetryScraper } from './scraper.ts';
import type { EnergySample, MetricsSample, TelemetrySample } from './types.ts';

const model = 'llama-3.2-1b';
let sim: SimServer;

beforeAll(async () => {
  sim = await startSimServer({ model, port: 0, seed: 1 });
});
afterAll(async () => {
  await sim.close();
});

async function chat(outputTokens: number): Promise<void> {
  const res = await request(`${sim.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [LABEL_HEADERS.outputTokens]: String(outputTokens) },
    body: JSON.stringify({
      model,
      messages: [{ role: 'user', content: 'Tell me about the sea. '.repeat(20) }],
      max_tokens: 2048,
    }),
  });
  expect(res.statusCode).toBe(200);
  await res.body.text();
}

const metrics = (s: TelemetrySample[], pool: string) =>
  s.filter((x): x is MetricsSample => x.kind === 'metrics' && x.pool === pool);
const energy = (s: TelemetrySample[], pool: string) =>
  s.filter((x): x is EnergySample => x.kind === 'energy' && x.pool === pool);

describe('TelemetryScraper against the simulated vLLM server', () => {
  it('records counters that move with requests, and growing energy', async () => {
    const samples: TelemetrySample[] = [];
    const scraper = new TelemetryScraper({
      pools: [{ name: 'small', url: `${sim.url}/v1`, energy: 'sim' }],
      intervalMs: 100,
      sink: (s) => samples.push(s),
    });
    await scraper.start();
    const before = metrics(samples, 'small')[0]!;
    expect(before.error).toBeUndefined();
    expect(before).toMatchObject({ running: 0, waiting: 0, kv_cache_usage: 0 });
    expect(scraper.observation('small')).toMatchObject({ running: 0, waiting: 0, kvCacheUsage: 0 });

    // Two requests at once, long enough (about 1 ms a token) to be seen running.
    const sent = Promise.all([chat(1500), chat(1000)]);
    await expect
      .poll(() => scraper.observation('small')?.running ?? 0, { timeout: 10_000, interval: 20 })
      .toBeGreaterThan(0);
    expect(scraper.observation('small')!.kvCacheUsage).toBeGreaterThan(0);
    await sent;
    await scraper.stop(); // final scrape after the requests finished

    const m = metrics(samples, 'small');
    const after = m.at(-1)!;
    expect(after.error).toBeUndefined();
    expect(after.generation_tokens_total! - before.generation_tokens_total!).toBe(2500);
    expect(after.prompt_tokens_total!).toBeGreaterThan(before.prompt_tokens_total!);
    expect(after.prefix_cache_queries_total!).toBeGreaterThan(0);
    expect(after.prefix_cache_hits_total).toBeGreaterThanOrEqual(0);
    expect(after.preemptions_total).toBe(0);
    expect(after.request_success_total! - (before.request_success_total ?? 0)).toBe(2);
    expect(after.running).toBe(0);
    for (const s of m) expect(s.t_ms).toBeGreaterThan(Date.now() - 60_000);

    const e = energy(samples, 'small');
    expect(e.length).toBeGreaterThanOrEqual(2);
    expect(e.every((s) => s.error === undefined && s.source === 'sim' && s.gpus === 1)).toBe(true);
    expect(e.at(-1)!.energy_j!).toBeGreaterThan(e[0]!.energy_j!);
    expect(e[0]!.power_w).toBeGreaterThan(0);
    for (let i = 1; i < e.length; i++) expect(e[i]!.energy_j!).toBeGreaterThanOrEqual(e[i - 1]!.energy_j!);
    // The JSON lines round-trip.
    expect(JSON.parse(JSON.stringify(after))).toEqual(after);
  });

  it('reads the simulated DCGM endpoint as a DCGM exporter (type dcgm, gpu filter)', async () => {
    const samples: TelemetrySample[] = [];
    const scraper = new TelemetryScraper({
      pools: [
        { name: 'all', url: sim.url, energy: { type: 'dcgm', url: `${sim.url}/dcgm/metrics` } },
        { name: 'gpu7', url: sim.url, energy: { type: 'dcgm', url: `${sim.url}/dcgm/metrics`, gpus: [7] } },
      ],
      sink: (s) => samples.push(s),
    });
    await scraper.start();
    await scraper.stop();
    expect(energy(samples, 'all')[0]).toMatchObject({ source: 'dcgm', gpus: 1 });
    expect(energy(samples, 'all')[0]!.energy_j).toBeGreaterThan(0);
    expect(energy(samples, 'gpu7')[0]!.error).toMatch(/no DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION series for GPUs 7/);
  });

  it('records failed scrapes as samples with an error, never throws', async () => {
    const samples: TelemetrySample[] = [];
    const scraper = new TelemetryScraper({
      pools: [
        { name: 'dead', url: 'http://127.0.0.1:1', energy: 'sim' },
        { name: 'notfound', url: `${sim.url}/nope` },
      ],
      timeoutMs: 2000,
      sink: (s) => samples.push(s),
    });
    await scraper.start();
    await scraper.stop();
    expect(metrics(samples, 'dead')[0]!.error).toMatch(/ECONNREFUSED/);
    expect(energy(samples, 'dead')[0]!.error).toMatch(/dcgm\/metrics: ECONNREFUSED/);
    expect(metrics(samples, 'notfound')[0]!.error).toMatch(/HTTP 404/);
    expect(scraper.observation('dead')).toBeUndefined();
  });

  it('fails at start when energy nvml has no nvidia-smi', async () => {
    const scraper = new TelemetryScraper({
      pools: [{ name: 'p', url: sim.url, energy: { type: 'nvml', command: 'wrp-no-such-nvidia-smi' } }],
      sink: () => {},
    });
    await expect(scraper.start()).rejects.toThrow(/not found on PATH/);
  });

  it('rejects a bad energy value naming the pool', () => {
    expect(
      () => new TelemetryScraper({ pools: [{ name: 'p', url: sim.url, energy: 'gpu' as 'sim' }], sink: () => {} }),
    ).toThrow(/pools\.p\.energy\.type: expected none \| sim/);
  });
});
