/**
 * A FaultPolicy built from a FaultSpec (fault-spec.ts). Which fault request `index` gets is
 * a pure function of (seed, index), so a run with the same seed faults the same request
 * indices; the server numbers requests in arrival order.
 */
import type { EventWrite, FaultPolicy, RequestFaults } from './faults.ts';
import { FAULT_KINDS, type FaultKind, type FaultSpec } from './fault-spec.ts';
import { ApiError } from './openai-request.ts';
import { hashString53 } from '../../../core/text/tokenizer.ts';

/** The fault request `index` gets, if any: one uniform draw per index against the cumulative rates. */
export function faultAt(spec: FaultSpec, seed: number, index: number): FaultKind | undefined {
  // The seed goes into the text: hashString53's own seed argument barely moves the high bits.
  const u = hashString53(`fault:${seed}:${index}`) / 2 ** 53;
  let acc = 0;
  for (const k of FAULT_KINDS) {
    acc += spec[k]?.rate ?? 0;
    if (u < acc) return k;
  }
  return undefined;
}

/** How many of the requests 0..n-1 get each fault (what a run of n requests must see). */
export function expectedFaults(spec: FaultSpec, seed: number, n: number): Record<FaultKind, number> {
  const out = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  for (let i = 0; i < n; i++) {
    const k = faultAt(spec, seed, i);
    if (k) out[k]++;
  }
  return out;
}

const HTTP: Record<'http_500' | 'http_503' | 'http_429', ApiError> = {
  http_500: new ApiError(500, 'InternalServerError', 'injected fault: internal server error'),
  http_503: new ApiError(503, 'ServiceUnavailableError', 'injected fault: service unavailable'),
  http_429: new ApiError(429, 'RateLimitError', 'injected fault: too many requests'),
};

// Cut off mid-object: no JSON parser accepts it.
const MALFORMED_FRAME = 'data: {"id":"injected-malformed","choices":[{"delta":{"content":\n\n';

/**
 * Fires `act` once, on the frame carrying token `afterTokens`; a shorter answer gets it on
 * its final ([DONE]) frame instead, so every planned fault does happen.
 */
function midStream(
  afterTokens: number | undefined,
  act: (frame: string) => ReturnType<NonNullable<RequestFaults['onEvent']>>,
): RequestFaults {
  let fired = false;
  return {
    onEvent({ frame, tokenIndex }: EventWrite) {
      if (fired) return frame;
      const final = tokenIndex === -1 && frame.includes('data: [DONE]');
      if (!final && (afterTokens === undefined || tokenIndex < afterTokens)) return frame;
      fired = true;
      return act(frame);
    },
  };
}

export function requestFaults(kind: FaultKind, spec: FaultSpec): RequestFaults {
  switch (kind) {
    case 'http_500':
    case 'http_503':
    case 'http_429': {
      const err = HTTP[kind];
      const headers = kind === 'http_429' ? { 'retry-after': '1' } : undefined;
      return { failBeforeHead: () => ({ status: err.status, body: err.body(), headers }) };
    }
    case 'slow_first_byte': {
      const ms = (spec.slow_first_byte?.seconds ?? 0) * 1000;
      return { headDelayMs: () => ms };
    }
    case 'reset':
      return midStream(spec.reset?.after_tokens, () => 'reset');
    case 'malformed':
      return midStream(spec.malformed?.after_tokens, () => MALFORMED_FRAME);
    case 'stall': {
      const stallMs = (spec.stall?.seconds ?? 0) * 1000;
      return midStream(spec.stall?.after_tokens, (frame) => ({ stallMs, frame }));
    }
    case 'truncate':
      return midStream(spec.truncate?.after_tokens, () => 'end');
  }
}

export class SpecFaultPolicy implements FaultPolicy {
  /** Faults planned so far, by kind (a request the client abandons early may not reach its fault). */
  readonly injected = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  /** Requests seen (the next request index). */
  requests = 0;
  readonly seed: number;

  constructor(
    readonly spec: FaultSpec,
    poolSeed = 0,
  ) {
    this.seed = spec.seed ?? poolSeed;
  }

  forRequest(requestIndex: number): RequestFaults | undefined {
    this.requests = Math.max(this.requests, requestIndex + 1);
    const kind = faultAt(this.spec, this.seed, requestIndex);
    if (kind === undefined) return undefined;
    this.injected[kind]++;
    return requestFaults(kind, this.spec);
  }
}
