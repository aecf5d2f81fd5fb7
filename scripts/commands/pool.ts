/** `wrp pool serve`: a simulated vLLM deployment behind HTTP. */
import type { Argv, CommandModule, Options } from 'yargs';
import type { Flags } from '../flags.ts';
import { SpecFaultPolicy } from '../../harness/pool/sim/fault-policy.ts';
import { describeFaults, parseFaultSpec, type FaultSpec } from '../../harness/pool/sim/fault-spec.ts';
import { GPU_PROFILES, MODEL_PROFILES } from '../../harness/pool/sim/profiles.ts';
import { DEFAULT_POOL_SPEC } from '../../harness/pool/sim/sim-pool.ts';
import { startSimServer } from '../../harness/pool/sim/server.ts';
import { UsageError } from '../../core/errors.ts';
import { DEFAULT_JUDGE_AGREEMENT } from '../../harness/pool/sim/judge.ts';
import { printNext } from '../next.ts';

const serveOptions = {
  model: {
    type: 'string',
    default: 'llama-3.1-8b',
    describe: 'model profile or Hugging Face id (--list-profiles)',
  },
  gpu: { type: 'string', default: DEFAULT_POOL_SPEC.gpu, describe: 'GPU profile' },
  tp: { type: 'number', default: DEFAULT_POOL_SPEC.tp, describe: 'tensor-parallel GPUs per replica' },
  replicas: {
    type: 'number',
    default: DEFAULT_POOL_SPEC.replicas,
    describe: 'engine replicas behind a least-loaded balancer',
  },
  port: { type: 'number', default: 8000, describe: 'port; 0 picks a free one (the URL is printed)' },
  host: { type: 'string', default: '127.0.0.1' },
  uds: {
    type: 'string',
    describe: 'listen on this Unix domain socket instead of host:port (as vllm serve --uds)',
  },
  'max-num-seqs': { type: 'number', default: DEFAULT_POOL_SPEC.maxNumSeqs },
  'max-num-batched-tokens': {
    type: 'number',
    default: DEFAULT_POOL_SPEC.maxNumBatchedTokens,
    describe: 'per-step token budget (chunked prefill)',
  },
  'gpu-memory-utilization': { type: 'number', default: DEFAULT_POOL_SPEC.gpuMemoryUtilization },
  seed: { type: 'number', default: 0, describe: 'seed of output lengths and answer quality' },
  'judge-agreement': {
    type: 'number',
    default: DEFAULT_JUDGE_AGREEMENT,
    describe: "asked to grade an answer (llm_judge's rubric), how often the pool agrees with the simulator's truth",
  },
  'served-model-name': { type: 'string', describe: 'name clients send as `model` (default: --model)' },
  'prefill-replicas': { type: 'number', describe: 'disaggregated prefill replicas (with --decode-replicas)' },
  'decode-replicas': { type: 'number', describe: 'disaggregated decode replicas' },
  'kv-link-gbps': { type: 'number', default: 50, describe: 'prefill->decode KV transfer bandwidth, GB/s' },
  'kv-link-latency-ms': { type: 'number', default: 0.5 },
  'list-profiles': { type: 'boolean', default: false, describe: 'print the GPU and model profiles and exit' },
  faults: {
    type: 'string',
    describe:
      'inject faults: "http_500=0.1,reset=0.05,stall=0.1:seconds=2" or YAML "{http_429: 0.1, slow_first_byte: {rate: 0.1, seconds: 5}}"',
  },
} as const satisfies Record<string, Options>;

type ServeArgs = Flags<typeof serveOptions>;

function listProfiles(): void {
  console.log('GPU profiles:');
  for (const g of Object.values(GPU_PROFILES)) {
    console.log(
      `  ${g.name.padEnd(12)} ${(g.peakFlops / 1e12).toFixed(0)} TFLOP/s bf16, ${(g.memBandwidth / 1e12).toFixed(2)} TB/s, ${(g.memBytes / 2 ** 30).toFixed(0)} GiB, ${g.idleWatts}-${g.maxWatts} W`,
    );
  }
  console.log('Model profiles:');
  for (const m of Object.values(MODEL_PROFILES)) {
    console.log(
      `  ${m.name.padEnd(14)} ${m.hfId.padEnd(36)} ${(m.params / 1e9).toFixed(1)}B params, ${m.layers} layers, ${m.kvBytesPerToken / 1024} KiB KV/token, ${m.contextWindow} ctx`,
    );
  }
}

const positiveInt = (name: string, v: number) => {
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${name}: expected a positive integer, got ${v}`);
  return v;
};

async function serve(args: ServeArgs): Promise<void> {
  if (args['list-profiles']) {
    listProfiles();
    return;
  }
  for (const k of ['tp', 'replicas', 'max-num-seqs', 'max-num-batched-tokens'] as const) positiveInt(k, args[k]);
  if (!(args['gpu-memory-utilization'] > 0 && args['gpu-memory-utilization'] <= 1)) {
    throw new UsageError(
      `--gpu-memory-utilization: expected a number in (0, 1], got ${args['gpu-memory-utilization']}`,
    );
  }
  const agreement = args['judge-agreement'];
  if (!(agreement >= 0 && agreement <= 1))
    throw new UsageError(`--judge-agreement: expected a number in [0, 1], got ${agreement}`);
  const p = args['prefill-replicas'];
  const d = args['decode-replicas'];
  if ((p === undefined) !== (d === undefined))
    throw new UsageError('--prefill-replicas and --decode-replicas go together');
  const faults: FaultSpec | undefined = args.faults === undefined ? undefined : parseFaultSpec(args.faults);
  const server = await startSimServer({
    model: args.model,
    gpu: args.gpu,
    tp: args.tp,
    replicas: args.replicas,
    port: args.port,
    host: args.host,
    uds: args.uds,
    maxNumSeqs: args['max-num-seqs'],
    maxNumBatchedTokens: args['max-num-batched-tokens'],
    gpuMemoryUtilization: args['gpu-memory-utilization'],
    seed: args.seed,
    judgeAgreement: args['judge-agreement'],
    servedModelName: args['served-model-name'],
    faults: faults && new SpecFaultPolicy(faults, args.seed),
    disaggregation:
      p !== undefined && d !== undefined
        ? {
            prefillReplicas: positiveInt('prefill-replicas', p),
            decodeReplicas: positiveInt('decode-replicas', d),
            linkGBps: args['kv-link-gbps'],
            linkLatencyMs: args['kv-link-latency-ms'],
          }
        : undefined,
  });
  const { pool } = server;
  const layout = pool.spec.disaggregation
    ? `${p} prefill + ${d} decode replicas (KV link ${args['kv-link-gbps']} GB/s)`
    : `${pool.spec.replicas} replica(s)`;
  console.log(
    `simulated vLLM: ${server.servedModelName} on ${pool.spec.tp}x ${pool.gpu.name}, ${layout}, max_model_len ${pool.maxModelLen}`,
  );
  if (faults) console.log(`faults: ${describeFaults(faults)}`);
  console.log(server.socketPath !== undefined ? `${server.url} via unix socket ${server.socketPath}` : server.url);
  if (server.socketPath === undefined)
    printNext(
      `point an experiment's pool at it: {name: p, model: ${server.servedModelName}, endpoint: ${server.url}}`,
      `curl ${server.url}/v1/models`,
    );
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export const poolCommand: CommandModule = {
  command: 'pool <action>',
  describe: 'Simulated vLLM pools',
  builder: (y: Argv) =>
    y
      .command({
        command: 'serve',
        describe: 'Serve a simulated vLLM deployment over HTTP (OpenAI API, /metrics, /dcgm/metrics)',
        builder: (s: Argv) => s.options(serveOptions),
        handler: (a) => serve(a),
      })
      .demandCommand(1, 'name an action: serve'),
  handler: () => undefined,
};
