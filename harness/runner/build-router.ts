/**
 * The run's router: a policy built by the factory registered for `router.type`, or the
 * `external` mode, where every request goes to one router endpoint (e.g. vLLM Semantic
 * Router) and the model it chose is read from its `x-vsr-selected-model` header.
 */
import { z } from 'zod';
import { OpenAIClient } from '../client/openai-client.ts';
import type { PolicyFactory } from '../router/policies.ts';
import type { ExperimentConfig } from './config.ts';
import { parseOrThrow } from '../../core/validate.ts';
import { apiKeyFrom, clientTimeouts, ROUTER_HEADERS, type PoolHandle } from './pools.ts';
import type { TurnEnv } from './turn.ts';
import { ConfigError } from '../../core/errors.ts';

const externalSchema = z.strictObject({
  type: z.literal('external'),
  endpoint: z.url(),
  /** The model name sent to the router (Semantic Router picks the real one for "auto"). */
  model: z.string().default('auto'),
  api_key_env: z.string().optional(),
});

export function buildRouter(
  config: ExperimentConfig,
  pools: PoolHandle[],
  factories: Record<string, PolicyFactory>,
  file: string,
  /** The policy's seed (a worker of --workers draws its own stream); default the experiment's. */
  seed = config.seed,
): TurnEnv['router'] {
  // checkpoint_every is the runner's, not the policy's (factories validate their blocks strictly).
  const { checkpoint_every: _every, ...spec } = config.router;
  if (spec.type === 'external') {
    const ext = parseOrThrow(externalSchema, spec, file, ['router']);
    const client = new OpenAIClient({
      baseUrl: ext.endpoint,
      apiKey: apiKeyFrom(ext.api_key_env, 'router'),
      timeouts: clientTimeouts(config.client),
      captureHeaders: ROUTER_HEADERS,
    });
    const pool: PoolHandle = {
      config: {
        name: 'router',
        model: ext.model,
        endpoint: ext.endpoint,
        pricing: { input_per_1m: 0, output_per_1m: 0 },
        energy: { type: 'none' },
      },
      name: 'router',
      model: ext.model,
      url: ext.endpoint,
      client,
      sendLabels: config.client.label_headers === 'always',
    };
    return { kind: 'external', pool };
  }
  const factory = factories[spec.type];
  if (!factory) {
    throw new ConfigError(file, [
      `router.type: expected one of ${[...Object.keys(factories), 'external'].join(', ')}, got "${spec.type}"`,
    ]);
  }
  return {
    kind: 'policy',
    policy: factory(spec, {
      pools: pools.map((p) => p.name),
      models: pools.map((p) => p.model),
      seed,
      file,
    }),
  };
}
