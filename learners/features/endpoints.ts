/**
 * The embedding endpoints a router block will call (`features.embedding`, `features.router`,
 * those of the policies a `split` holds, and those in the layout of a `policy_file`), so
 * `wrp run` can ask each for `/v1/models` before any run folder exists. Only blocks that
 * parse are listed: a bad one fails later, where the learner validates its own block.
 */
import { dirname, resolve } from 'node:path';
import { loadPolicyFile } from '../policy-file.ts';
import { embeddingSpecSchema } from './spec.ts';

export interface FeatureEndpoint {
  /** Where the config names it, e.g. `router.policies[0].features.embedding`. */
  where: string;
  url: string;
  model: string;
  apiKeyEnv?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every embedding endpoint under `router` (the experiment's `router:` block); `file` is the experiment file. */
export function featureEndpoints(router: unknown, file: string): FeatureEndpoint[] {
  const out: FeatureEndpoint[] = [];
  const seen = new Set<string>();
  const add = (e: FeatureEndpoint) => {
    const key = `${e.url}\u0001${e.model}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(e);
  };
  const visit = (node: unknown, where: string): void => {
    if (Array.isArray(node)) return node.forEach((v, i) => visit(v, `${where}[${i}]`));
    if (!isObject(node)) return;
    if (node.type === 'policy_file' && typeof node.path === 'string') {
      const path = resolve(dirname(file), node.path);
      for (const b of loadPolicyFile(path).features.blocks)
        if (b.kind === 'embedding_endpoint')
          add({ where: `${where}.path (${node.path})`, url: b.url, model: b.model, apiKeyEnv: b.apiKeyEnv });
    }
    const features = node.features;
    if (isObject(features))
      for (const key of ['embedding', 'router'] as const) {
        const spec = embeddingSpecSchema.partial({ normalize: true }).safeParse(features[key]);
        if (spec.success)
          add({
            where: `${where}.features.${key}`,
            url: spec.data.url,
            model: spec.data.model,
            apiKeyEnv: spec.data.api_key_env,
          });
      }
    for (const [k, v] of Object.entries(node)) if (k !== 'features') visit(v, `${where}.${k}`);
  };
  visit(router, 'router');
  return out;
}
