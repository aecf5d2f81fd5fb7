/**
 * Brings up the experiment's pools: simulated ones are started in-process on loopback
 * (ephemeral ports) and stopped after the run; live ones are checked for the model.
 * Each pool gets its own load-generator client.
 */
import { request } from 'undici';
import { OpenAIClient } from '../client/openai-client.ts';
import { describeFaults } from '../pool/sim/fault-spec.ts';
import { SpecFaultPolicy } from '../pool/sim/fault-policy.ts';
import { startSimServer, type SimServer } from '../pool/sim/server.ts';
import { DEFAULT_POOL_SPEC, type SimPoolSpec } from '../pool/sim/sim-pool.ts';
import type { ExperimentConfig, PoolConfig } from './config.ts';
import { modelProfile } from '../pool/sim/profiles.ts';

export interface PoolHandle {
  config: PoolConfig;
  name: string;
  model: string;
  url: string;
  client: OpenAIClient;
  sim?: SimServer;
  /** Send x-wrp-* label headers to this pool. */
  sendLabels: boolean;
}

/** Headers a production router adds that the run records. */
export const ROUTER_HEADERS = ['x-vsr-selected-model', 'x-vsr-replay-id'];

export function clientTimeouts(c: ExperimentConfig['client']) {
  return {
    connectMs: c.connect_timeout_ms,
    firstByteMs: c.first_byte_timeout_ms,
    idleMs: c.idle_timeout_ms,
    totalMs: c.total_timeout_ms,
  };
}

/** Reads an API key from the environment; the key itself is never logged or stored. */
export function apiKeyFrom(envName: string | undefined, where: string): string | undefined {
  if (envName === undefined) return undefined;
  const key = process.env[envName];
  if (key === undefined || key === '')
    throw new Error(`${where}.api_key_env: environment variable ${envName} is not set`);
  return key;
}

/** A config `sim:` block as the simulator's pool spec (also used for virtual-time training). */
export function simPoolSpecOf(s: NonNullable<PoolConfig['sim']>): SimPoolSpec {
  return {
    ...DEFAULT_POOL_SPEC,
    model: s.model,
    gpu: s.gpu,
    tp: s.tp,
    replicas: s.replicas,
    maxNumSeqs: s.max_num_seqs,
    maxNumBatchedTokens: s.max_num_batched_tokens,
    gpuMemoryUtilization: s.gpu_memory_utilization,
    disaggregation: s.disaggregation && {
      prefillReplicas: s.disaggregation.prefill_replicas,
      decodeReplicas: s.disaggregation.decode_replicas,
      linkGBps: s.disaggregation.link_gbps,
      linkLatencyMs: s.disaggregation.link_latency_ms,
    },
  };
}

/**
 * Sockets per pool: a closed loop never has more requests in flight than its concurrency, so
 * its clients are capped there (an uncapped pool opens extra sockets while finished ones are
 * still being released). Open-loop arrivals are unbounded by design: no cap.
 */
export function connectionCap(arrival: ExperimentConfig['workload']['arrival']): number | undefined {
  if (arrival.type === 'concurrency') return arrival.concurrency;
  if (arrival.type !== 'sweep' || arrival.stages.some((s) => s.concurrency === undefined)) return undefined;
  return Math.max(...arrival.stages.map((s) => s.concurrency!));
}

export async function startPools(config: ExperimentConfig, log: (line: string) => void): Promise<PoolHandle[]> {
  const handles: PoolHandle[] = [];
  const connections = connectionCap(config.workload.arrival);
  try {
    for (const [i, p] of config.pools.entries()) {
      const where = `pools[${i}]`;
      let url: string;
      let sim: SimServer | undefined;
      if (p.sim) {
        const s = p.sim;
        const profile = modelProfile(s.model);
        sim = await startSimServer({
          ...simPoolSpecOf(s),
          // The sim serves the Hugging Face id (and the short name); any other name the config gives it too.
          ...(p.model === profile.name || p.model === profile.hfId ? {} : { servedModelName: p.model }),
          seed: s.seed ?? config.seed,
          judgeAgreement: s.judge_agreement,
          faults: s.faults && new SpecFaultPolicy(s.faults, s.seed ?? config.seed),
          port: 0,
          onWarning: (line) => log(`pool ${p.name}: ${line}`),
        });
        url = sim.url;
        log(
          `pool ${p.name}: simulated ${s.model} on ${s.tp}x ${s.gpu} x${s.replicas} at ${url}${s.faults ? `; faults: ${describeFaults(s.faults)}` : ''}`,
        );
      } else {
        url = p.endpoint!;
        log(`pool ${p.name}: live endpoint ${url}`);
      }
      const client = new OpenAIClient({
        baseUrl: url,
        apiKey: apiKeyFrom(p.api_key_env, where),
        timeouts: clientTimeouts(config.client),
        captureHeaders: ROUTER_HEADERS,
        ...(connections !== undefined ? { connections } : {}),
      });
      const labels = config.client.label_headers;
      handles.push({
        config: p,
        name: p.name,
        model: p.model,
        url,
        client,
        sim,
        sendLabels: labels === 'always' || (labels === 'auto' && sim !== undefined),
      });
      if (!sim) await checkServesModel(url, p.model, where, apiKeyFrom(p.api_key_env, where));
    }
  } catch (e) {
    await stopPools(handles);
    throw e;
  }
  return handles;
}

/** A live pool must list the configured model in /v1/models before any load is sent. */
async function checkServesModel(url: string, model: string, where: string, apiKey: string | undefined): Promise<void> {
  const base = url.replace(/\/+$/, '').replace(/\/v1$/, '');
  let body: { data?: { id?: string }[] };
  try {
    const res = await request(`${base}/v1/models`, {
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
    body = (await res.body.json()) as typeof body;
  } catch (e) {
    throw new Error(`${where}.endpoint: cannot list models at ${base}/v1/models: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const ids = (body.data ?? []).map((m) => m.id);
  if (!ids.includes(model))
    throw new Error(`${where}.model: expected one of the served models ${ids.join(', ')}, got "${model}"`);
}

export async function stopPools(handles: PoolHandle[]): Promise<void> {
  await Promise.all(
    handles.map(async (h) => {
      await h.client.destroy();
      await h.sim?.close();
    }),
  );
}
