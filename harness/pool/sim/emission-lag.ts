/**
 * Watches how far streamed token frames reach the socket behind the engine's schedule. The
 * engine keeps its own (simulated GPU) schedule; when the host cannot write its token rate
 * over HTTP (thousands of streams on a few cores), frames fall behind and every client-side
 * TTFT/ITL includes that lag. That must not pass silently: warn, at most once a minute.
 */
export class EmissionLagWatch {
  private lastWarnedAt = -Infinity;

  constructor(
    private readonly model: string,
    private readonly warn: (line: string) => void,
    /** Lag above which a frame counts as late, seconds. */
    private readonly thresholdS = 0.1,
    private readonly everyS = 60,
  ) {}

  /** A frame scheduled at engine time `scheduled` reached the socket at `now`. */
  observe(scheduled: number, now: number): void {
    const lag = now - scheduled;
    if (lag <= this.thresholdS || now - this.lastWarnedAt < this.everyS) return;
    this.lastWarnedAt = now;
    this.warn(
      `simulated pool ${this.model}: token frames are reaching clients ${Math.round(lag * 1000)} ms behind the engine's schedule ` +
        "(this host cannot write the engine's token rate over HTTP); client-side TTFT/ITL include that lag. " +
        'Fewer concurrent streams, --uds, or virtual-time training avoid it.',
    );
  }
}
