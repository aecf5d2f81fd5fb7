/**
 * Everything a run of a scenario depends on besides the learner: the sessions (their turns,
 * token counts, prefix blocks), when each session starts, and the draws of the feedback
 * channel. A pure function of (scenario, seed); every learner of a seed runs on the same
 * World, which is what pairs the seeds (PROTOCOL.md "Pairing").
 *
 * Prefix blocks: a prompt is split into 16-token blocks (the simulator's block size); block b
 * belongs to the session's shared prefix group (system prompt) while it lies inside the
 * system prompt, else to the session itself. Each turn extends the previous turn's prompt
 * (history + answer + new message), so its blocks start with the previous turn's: a pool that
 * served the previous turn holds them in its prefix cache, any other pool does not. Trace
 * replay (Mooncake) takes the blocks from `hash_ids` instead, each id one block of
 * `block_tokens` tokens.
 */
import { resolve } from 'node:path';
import { applyChatTemplate, countTokens, hashString53 } from '../../core/text/tokenizer.ts';
import { DEFAULT_POOL_SPEC } from '../../harness/pool/sim/sim-pool.ts';
import type { RequestLabels } from '../../harness/types.ts';
import { createArrivals, type ArrivalProcess } from '../../harness/workload/arrivals.ts';
import { createWorkload, type MixSpecInput, type Workload } from '../../harness/workload/mix.ts';
import { deriveSeed, mulberry32, Rng } from '../../core/rng.ts';
import { loadRequestTrace, type TraceRequest } from '../../harness/workload/trace-requests.ts';
import type { Scenario } from './scenario.ts';

export const BLOCK_TOKENS = DEFAULT_POOL_SPEC.blockSize;

export interface PlannedTurn {
  labels: RequestLabels;
  /** The new user message (what the router classifies). */
  text: string;
  promptTokens: number;
  /** The previous turn's prompt tokens: what the pool that served it holds in its prefix cache (0 on turn 0). */
  historyTokens: number;
  outputTokens: number;
  /** Prefix-cache keys of the prompt's full blocks (non-negative). */
  blockHashes: number[];
  /** Seconds after the previous answer before this turn is sent (0 for the first turn). */
  thinkS: number;
}

export interface PlannedSession {
  startS: number;
  turns: PlannedTurn[];
}

export interface World {
  seed: number;
  sessions: PlannedSession[];
  /** Planned requests (turns of every session). */
  requests: number;
  /** Categories of every planned request, sorted. */
  categories: string[];
  /** Per decision index: the uniform draws deciding a flip and a drop of its verdict. */
  flipDraw: Float64Array;
  dropDraw: Float64Array;
  /** When the last session starts (background load stops there). */
  horizonS: number;
  /** Trace replay: rows read and skipped, for the log. */
  traceNote?: string;
}

/** A block key: 53-bit, never negative (the engine keeps negative keys for private blocks). */
const blockKey = (owner: number, b: number): number => hashString53(String(b), owner);

function promptBlocks(promptTokens: number, systemTokens: number, group: number, session: number): number[] {
  const n = Math.floor(promptTokens / BLOCK_TOKENS);
  const shared = Math.floor(systemTokens / BLOCK_TOKENS);
  return Array.from({ length: n }, (_, b) => blockKey(b < shared ? group : session, b));
}

/** Mooncake blocks: each trace id covers block_tokens / 16 simulator blocks; the tail is the request's own. */
function traceBlocks(r: TraceRequest, blockTokens: number, own: number): number[] {
  const n = Math.floor(r.inputTokens / BLOCK_TOKENS);
  const per = Math.max(1, Math.round(blockTokens / BLOCK_TOKENS));
  const ids = r.hashIds ?? [];
  return Array.from({ length: n }, (_, b) => {
    const id = ids[Math.floor(b / per)];
    return id === undefined ? blockKey(own, b) : blockKey(hashString53(`trace-block:${id}`), b % per);
  });
}

/** The mix in force after drift entries 1..j (drift entries applied from request 0). */
function phaseWorkloads(scenario: Scenario, seed: number): Workload[] {
  const base = { sources: scenario.workload.sources } as MixSpecInput;
  const opts = { baseDir: scenario.baseDir, file: scenario.file };
  return [0, ...scenario.workload.drift.map((_, i) => i + 1)].map((j) =>
    createWorkload(
      { ...base, drift: scenario.workload.drift.slice(0, j).map((d) => ({ at_request: 0, weights: d.weights })) },
      seed,
      opts,
    ),
  );
}

/** Probability of each phase's mix for the session whose first request is planned request `c`. */
function phaseMix(scenario: Scenario, c: number): number[] {
  const p = [1, ...scenario.workload.drift.map(() => 0)];
  scenario.workload.drift.forEach((d, i) => {
    if (c < d.at_request) return;
    const f = d.over_requests === 0 ? 1 : Math.min(1, (c - d.at_request) / d.over_requests);
    for (let k = 0; k <= i; k++) p[k] = p[k]! * (1 - f);
    p[i + 1] = f;
  });
  return p;
}

/** Session start times: the open-loop process, or the trace's rows. */
function arrivalsOf(
  scenario: Scenario,
  seed: number,
): { next(): number | undefined; trace?: TraceRequest[]; note?: string } {
  const a = scenario.workload.arrival;
  if (a.type === 'trace') {
    const t = loadRequestTrace(resolve(scenario.baseDir, a.path), a.format, {
      scale: a.scale,
      ...(a.model ? { model: a.model } : {}),
    });
    let i = 0;
    const skipped = Object.entries(t.skipped).map(([k, v]) => `${v} ${k}`);
    return {
      next: () => t.requests[i++]?.atS,
      trace: t.requests,
      note: `${a.format} trace ${a.path}: ${t.requests.length} requests of ${t.rowsRead} rows${skipped.length ? ` (skipped: ${skipped.join(', ')})` : ''}`,
    };
  }
  const p: ArrivalProcess = createArrivals(a, seed, { file: scenario.file });
  return {
    next: () => {
      const step = p.next({ nowS: 0, sent: 0, inFlight: 0 });
      return step.kind === 'open' ? step.atS : undefined;
    },
  };
}

/** Tokens of the template alone (begin of text, the assistant header it ends with). */
const TEMPLATE_TOKENS = countTokens(applyChatTemplate([]));
/** Token count of one message as the chat template renders it (its header included). */
const messageTokens = (role: 'system' | 'user', content: string) =>
  countTokens(applyChatTemplate([{ role, content }])) - TEMPLATE_TOKENS;

export function buildWorld(scenario: Scenario, seed: number, requests = scenario.requests): World {
  const workloads = phaseWorkloads(scenario, seed);
  const arrivals = arrivalsOf(scenario, seed);
  const trace = scenario.workload.arrival.type === 'trace' ? scenario.workload.arrival : undefined;
  const sessions: PlannedSession[] = [];
  const categories = new Set<string>();
  let planned = 0;
  for (let k = 0; planned < requests; k++) {
    const startS = arrivals.next();
    if (startS === undefined) break; // trace exhausted
    const mix = phaseMix(scenario, planned);
    const pick = new Rng(deriveSeed(seed, 'phase', k)).weighted(mix.map((w, i) => [String(i), w] as const));
    const plan = workloads[Number(pick)]!.next(startS, k);
    const turns = scenario.workload.turns === 'first' ? plan.turns.slice(0, 1) : plan.turns;
    const systemTokens = plan.system ? messageTokens('system', plan.system) : 0;
    const group = hashString53(`group:${plan.turns[0]!.labels.prefixGroup ?? plan.sessionId}`, seed);
    const own = hashString53(`session:${plan.sessionId}`, seed);
    let history = TEMPLATE_TOKENS + systemTokens;
    let previousPrompt = 0;
    const out: PlannedTurn[] = turns.map((t, i) => {
      const user = messageTokens('user', t.user);
      let promptTokens = history + user;
      let outputTokens = Math.max(1, Math.min(t.labels.expectedOutputTokens ?? 150, t.maxTokens));
      let blockHashes = promptBlocks(promptTokens, TEMPLATE_TOKENS + systemTokens, group, own);
      const traced = trace && arrivals.trace?.[k];
      if (traced) {
        promptTokens = traced.inputTokens;
        outputTokens = traced.outputTokens;
        blockHashes = traceBlocks(traced, trace.block_tokens, own);
      }
      const turn: PlannedTurn = {
        labels: t.labels,
        text: t.user,
        promptTokens,
        historyTokens: previousPrompt,
        outputTokens,
        blockHashes,
        thinkS: i === 0 ? 0 : t.thinkTimeS,
      };
      previousPrompt = promptTokens;
      history = promptTokens + outputTokens;
      categories.add(t.labels.category);
      return turn;
    });
    sessions.push({ startS, turns: out });
    planned += out.length;
  }
  const draws = mulberry32(deriveSeed(seed, 'feedback'));
  const flipDraw = new Float64Array(planned);
  const dropDraw = new Float64Array(planned);
  for (let i = 0; i < planned; i++) {
    flipDraw[i] = draws();
    dropDraw[i] = draws();
  }
  return {
    seed,
    sessions,
    requests: planned,
    categories: [...categories].sort(),
    flipDraw,
    dropDraw,
    horizonS: sessions.at(-1)?.startS ?? 0,
    ...(arrivals.note ? { traceNote: arrivals.note } : {}),
  };
}
