/**
 * Where fault injection plugs into the simulated server. The server asks the FaultPolicy
 * once per request for a RequestFaults plan and consults it at the three points a real
 * server can misbehave: before the response head, on each event it writes, and at the end
 * of the stream. The default policy injects nothing; fault kinds (HTTP errors, resets,
 * stalls, malformed events, truncation) are policies, not changes to the server: see
 * fault-spec.ts (the `faults:` spec) and fault-policy.ts (the policy built from it).
 */

export interface EventWrite {
  /** The serialized SSE frame(s) about to be written. */
  frame: string;
  /** Output token index this frame carries, or -1 for role/usage/[DONE] frames. */
  tokenIndex: number;
}

/** What a fault does to one request; every hook is optional. */
export interface RequestFaults {
  /** Replace the response with an HTTP error (status, body) before anything is sent. */
  failBeforeHead?(): { status: number; body: string; headers?: Record<string, string> } | undefined;
  /** Delay, in ms, before the response head is written (slow first byte). */
  headDelayMs?(): number;
  /**
   * Called for every frame: return the frame to write (possibly altered), 'reset' to
   * destroy the socket, 'end' to end the response without more frames, or a stall in ms
   * after which the frame is written.
   */
  onEvent?(write: EventWrite): string | 'reset' | 'end' | { stallMs: number; frame: string };
}

export interface FaultPolicy {
  forRequest(requestIndex: number): RequestFaults | undefined;
}

export const NO_FAULTS: FaultPolicy = { forRequest: () => undefined };
