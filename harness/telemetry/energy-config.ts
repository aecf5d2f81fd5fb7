/**
 * A pool's `energy:` value: where its GPU energy comes from.
 *   energy: none                                    (default) no energy samples
 *   energy: sim                                     the simulated server's /dcgm/metrics on the pool's URL
 *   energy: nvml                                    nvidia-smi on this machine, all GPUs
 *   energy: { type: nvml, gpus: [0, 1], interval_ms: 100, command: nvidia-smi }
 *   energy: { type: dcgm, url: "http://node:9400/metrics", gpus: [0, 1] }
 *   energy: { dcgm: "http://node:9400/metrics" }      shorthand of the above
 */
import { z } from 'zod';
import { WrpError } from '../../core/errors.ts';

const gpuList = z
  .array(z.number({ error: 'expected GPU indices (integers >= 0)' }).int().min(0), {
    error: 'expected a list of GPU indices, e.g. [0, 1]',
  })
  .min(1);

const energyObject = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('none') }),
    z.strictObject({ type: z.literal('sim') }),
    z.strictObject({
      type: z.literal('dcgm'),
      /** The DCGM exporter's URL; a bare origin gets /metrics. */
      url: z.url({
        protocol: /^https?$/,
        error: 'expected the http(s) URL of a DCGM exporter, e.g. http://node:9400/metrics',
      }),
      gpus: gpuList.optional(),
    }),
    z.strictObject({
      type: z.literal('nvml'),
      gpus: gpuList.optional(),
      /** nvidia-smi sampling period (-lms). */
      interval_ms: z.number().int().min(10, { error: 'expected at least 10 ms' }).default(100),
      command: z.string().min(1).default('nvidia-smi'),
    }),
  ],
  { error: 'expected none | sim | nvml | {type: dcgm, url} | {type: nvml, gpus?}' },
);

/** Shorthands: `nvml` for `{type: nvml}`, `{dcgm: URL}` for `{type: dcgm, url: URL}`. */
function expandShorthand(v: unknown): unknown {
  if (v === undefined) return { type: 'none' };
  if (typeof v === 'string') return { type: v };
  if (v !== null && typeof v === 'object' && !('type' in v) && 'dcgm' in v) {
    const { dcgm, ...rest } = v as Record<string, unknown>;
    return { type: 'dcgm', url: dcgm, ...rest };
  }
  return v;
}

export const energySchema = z
  .preprocess(expandShorthand, energyObject)
  .transform((e) => (e.type === 'dcgm' ? { ...e, url: withMetricsPath(e.url) } : e));

export type EnergySpec = z.infer<typeof energySchema>;
export type EnergySpecInput = z.input<typeof energyObject> | 'none' | 'sim' | 'nvml';

function withMetricsPath(url: string): string {
  const u = new URL(url);
  if (u.pathname === '' || u.pathname === '/') u.pathname = '/metrics';
  return u.toString();
}

/** Validates an `energy:` value; errors name `path` (e.g. `pools[0].energy`) and what was expected. */
export function parseEnergySpec(raw: unknown, path = 'energy'): EnergySpec {
  const r = energySchema.safeParse(raw);
  if (r.success) return r.data;
  const lines = r.error.issues.map(
    (i) => `${path}${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`,
  );
  throw new WrpError('WRP_CONFIG', `invalid energy source: ${lines.join('; ')}`);
}
