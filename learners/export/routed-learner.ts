/**
 * A learner that sees the router's categories: every context's labels.category is replaced
 * by its signal-map category (signal-map.ts) before the wrapped learner chooses, updates or
 * scores, so a policy trained, evaluated or run through this wrapper decides on exactly what
 * vLLM Semantic Router computes from the request text. save() writes the map into the policy
 * file (`signals`); the registry wraps any policy file that carries one.
 */
import type { Decision, RoutingContext } from '../../harness/types.ts';
import type { Learner, PolicyFile } from '../types.ts';
import type { SignalRouter } from './signal-map.ts';

export class SignalRoutedLearner implements Learner {
  constructor(
    readonly inner: Learner,
    readonly router: SignalRouter,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  /** The context as the wrapped learner sees it. */
  view(ctx: RoutingContext): RoutingContext {
    return this.router.view(ctx);
  }

  prepare(ctx: RoutingContext): Promise<void> {
    return this.inner.prepare?.(this.view(ctx)) ?? Promise.resolve();
  }
  choose(ctx: RoutingContext): Decision {
    return this.inner.choose(this.view(ctx));
  }
  update(ctx: RoutingContext, action: string, reward: number): void {
    this.inner.update(this.view(ctx), action, reward);
  }
  scores(ctx: RoutingContext): number[] {
    if (!this.inner.scores) throw new Error(`${this.inner.name} has no scores()`);
    return this.inner.scores(this.view(ctx));
  }
  save(): PolicyFile {
    return { ...this.inner.save(), signals: structuredClone(this.router.map) };
  }
}

/** The learner under any signal routing (for code that needs the concrete class). */
export const unwrapRouted = (l: Learner): Learner => (l instanceof SignalRoutedLearner ? l.inner : l);

/** Rows with their category replaced by the map's (the cascades train and replay on rows, not contexts). */
export function routedRows<T extends { category: string }>(
  rows: readonly T[],
  router: SignalRouter,
  messagesOf: (row: T, index: number) => RoutingContext['messages'],
): T[] {
  return rows.map((r, i) => ({ ...r, category: router.categoryOf(messagesOf(r, i)) }));
}
