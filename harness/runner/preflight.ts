/**
 * Preflight: asks every endpoint a run depends on for `GET /v1/models` before any run
 * folder exists, and says in one line what is wrong with the first that fails: it refuses
 * connections or does not answer (WRP_POOL_UNREACHABLE), it refuses the key (WRP_POOL_AUTH),
 * it answers but not as an OpenAI-compatible server such as vLLM (WRP_POOL_NOT_VLLM: e.g.
 * `python3 -m http.server` answers 404 in HTML), or it does not serve the model named
 * (WRP_MODEL_NOT_SERVED). vLLM answers `{"object": "list", "data": [{"id": <served name>,
 * "object": "model", ...}]}` (vllm/entrypoints/openai serving_models show_available_models).
 */
import { request } from 'undici';
import { WrpError } from '../../core/errors.ts';

export interface EndpointCheck {
  /** Origin, optionally with a path prefix and /v1 (`http://h:8000`, `http://h:8000/v1`, `.../v1/embeddings`). */
  url: string;
  /** The model the run will ask for. */
  model: string;
  apiKey?: string;
  /** Where the endpoint is named, for the message: `pools[0] (a).endpoint`, `router.features.embedding.url`. */
  where: string;
  /** What serves there, for the message: "pool", "embedding endpoint". */
  what: string;
  timeoutMs?: number;
}

/** `http://h:8000/v1/embeddings` or `http://h:8000/v1` -> `http://h:8000/v1/models`. */
export function modelsUrl(url: string): string {
  const base = url
    .replace(/\/+$/, '')
    .replace(/\/(chat\/completions|completions|embeddings)$/, '')
    .replace(/\/v1$/, '');
  return `${base}/v1/models`;
}

const TRANSPORT = /^(ECONN|ENOTFOUND|EAI_|EHOST|ENET|ETIMEDOUT|EADDRNOTAVAIL|UND_ERR)/;

function codeOf(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c !== undefined && depth < 4; depth++) {
    const code = (c as { code?: unknown } | null)?.code;
    if (typeof code === 'string') return code;
    const inner = (c as { errors?: unknown[] } | null)?.errors?.[0];
    c = inner ?? (c as { cause?: unknown } | null)?.cause;
  }
  return undefined;
}

const snippet = (s: string) => JSON.stringify(s.replace(/\s+/g, ' ').trim().slice(0, 80));

/** The served model ids of a `/v1/models` body, or undefined when the body is not that list. */
export function servedModels(body: unknown): string[] | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const data = (body as { data?: unknown }).data;
  if (!Array.isArray(data)) return undefined;
  const ids = data.map((m) => (typeof m === 'object' && m !== null ? (m as { id?: unknown }).id : undefined));
  return ids.every((id): id is string => typeof id === 'string') ? ids : undefined;
}

/** Asks the endpoint for its models; throws a WrpError saying what is wrong, in one line. */
export async function checkEndpoint(c: EndpointCheck): Promise<void> {
  const url = modelsUrl(c.url);
  const timeoutMs = c.timeoutMs ?? 10_000;
  const at = `${c.where}: the ${c.what} at ${c.url}`;
  let status: number;
  let type: string;
  let text: string;
  try {
    const res = await request(url, {
      headers: c.apiKey ? { authorization: `Bearer ${c.apiKey}` } : {},
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = res.statusCode;
    type = String(res.headers['content-type'] ?? 'no content type');
    text = await res.body.text();
  } catch (e) {
    const code = codeOf(e) ?? (e as Error).name;
    const why =
      code === 'ECONNREFUSED'
        ? 'refuses connections'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'has a host name that does not resolve'
          : TRANSPORT.test(code) || code === 'TimeoutError' || code === 'AbortError'
            ? `does not answer (${code})`
            : `cannot be asked (${code}: ${(e as Error).message})`;
    throw new WrpError(
      'WRP_POOL_UNREACHABLE',
      `${at} ${why} at GET ${url}: is the server running there? (vllm serve ..., or wrp pool serve)`,
      { cause: e },
    );
  }
  if (status === 401 || status === 403) {
    throw new WrpError(
      'WRP_POOL_AUTH',
      `${at} answers HTTP ${status} at GET ${url}: ${c.apiKey ? 'it refuses the API key given (api_key_env)' : 'it wants an API key: set api_key_env'}`,
    );
  }
  if (status >= 500) {
    throw new WrpError(
      'WRP_POOL_UNREACHABLE',
      `${at} fails: GET ${url} answered HTTP ${status} ${snippet(text)}; try again once the server is healthy`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const ids = status === 200 ? servedModels(body) : undefined;
  if (ids === undefined) {
    throw new WrpError(
      'WRP_POOL_NOT_VLLM',
      `${at} is not an OpenAI-compatible server such as vLLM: GET ${url} answered HTTP ${status} (${type}) ${snippet(text)}, expected {"data": [{"id": <model>}]}`,
    );
  }
  if (!ids.includes(c.model)) {
    throw new WrpError(
      'WRP_MODEL_NOT_SERVED',
      `${at} does not serve "${c.model}": it serves ${ids.length ? ids.map((id) => `"${id}"`).join(', ') : 'no model'} (name one of those, or start vLLM with --served-model-name ${c.model})`,
    );
  }
}
