/**
 * What the load-generator benchmarks (loadgen.ts, scale-load.ts) run against the no-op SSE
 * server: one experiment shape, two pools on the same endpoint with different prices, the
 * router static or LinUCB, and the median they summarise rounds by.
 */

export const NOOP_ROUTERS = {
  static: '{ type: static, map: {}, default: a }',
  linucb: '{ type: linucb, alpha: 0.3, features: { text: false } }',
} as const;
export type NoopRouter = keyof typeof NOOP_ROUTERS;

/** The experiment's YAML: `arrival` and `stop` are YAML flow maps. */
export function noopExperiment(o: {
  name: string;
  url: string;
  arrival: string;
  stop: string;
  router?: NoopRouter;
  /** Requests sent before the clock starts (`warmup.requests`). */
  warmup?: number;
}) {
  return `
name: ${o.name}
seed: 1
pools:
  - { name: a, model: noop, endpoint: ${o.url}, pricing: { input_per_1m: 0.1, output_per_1m: 0.2 } }
  - { name: b, model: noop, endpoint: ${o.url}, pricing: { input_per_1m: 0.3, output_per_1m: 0.6 } }
workload:
  sources: [{ type: synthetic, archetypes: { reasoning: 1 } }]
  arrival: ${o.arrival}
router: ${NOOP_ROUTERS[o.router ?? 'linucb']}
feedback: { evaluator: auto, reward: { quality: 1, cost: 0.3, cost_scale: 0.002, missing_quality: zero } }
stop: ${o.stop}
warmup: { requests: ${o.warmup ?? 0} }
telemetry: { interval_ms: 1000 }
`;
}

/** The middle value (the mean of the middle two for an even count); NaN for none. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
