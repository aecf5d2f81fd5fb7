/**
 * Held-out routing contexts for export: per-category value estimates and verification, from
 * seeded streams the training never used. Two kinds: contexts drawn from the experiment's own
 * workload (the distribution the policy was trained for), and generic ones: synthetic prompts
 * of the harness's task builders labelled with the policy's categories plus one category the
 * policy never saw, random archetypes, turns, previous pools and pool loads, and the
 * experiment's pool pricing, so every feature block and every table row (the "unseen" row
 * included) is exercised.
 */
import { dirname } from 'node:path';
import { countTokens } from '../../core/text/tokenizer.ts';
import type { ExperimentConfig } from '../../harness/runner/config.ts';
import type { ChatMessage, PoolObservation, RoutingContext } from '../../harness/types.ts';
import { ARCHETYPE_NAMES } from '../../harness/workload/archetypes.ts';
import { createWorkload } from '../../harness/workload/mix.ts';
import { CATEGORY_BUILDERS, CATEGORY_NAMES, type Category } from '../../harness/workload/tasks.ts';
import { Rng } from '../../core/rng.ts';

/** A category name no policy has seen: its contexts exercise the fallback row. */
export const UNSEEN_CATEGORY = '__wrp_unseen__';

export interface ContextOptions {
  categories: string[];
  pools: PoolObservation[];
  n: number;
  seed?: number;
}

/** Random observed load on each pool (20% of the time nothing was scraped yet). */
function loads(rng: Rng, pools: PoolObservation[]): PoolObservation[] {
  return pools.map((p) => ({
    ...p,
    ...(rng.chance(0.8)
      ? {
          running: rng.intBetween(0, 120),
          waiting: rng.intBetween(0, 40),
          kvCacheUsage: rng.next(),
          recentTtftMs: 6000 * rng.next(),
        }
      : {}),
  }));
}

/**
 * Contexts drawn from the experiment's own workload (a seed the run never uses): the
 * distribution the policy was trained for. Throws when the workload cannot be built here
 * (e.g. a dataset source whose files are absent); callers fall back to heldOutContexts.
 */
export function workloadContexts(
  e: ExperimentConfig,
  file: string,
  pools: PoolObservation[],
  n: number,
  seed: number,
): RoutingContext[] {
  const w = createWorkload(e.workload, seed, { baseDir: dirname(file), file });
  const rng = new Rng(seed ^ 0x2545f491);
  const out: RoutingContext[] = [];
  for (let i = 0; out.length < n; i++) {
    const s = w.next(0, i);
    const messages: ChatMessage[] = s.system ? [{ role: 'system', content: s.system }] : [];
    for (const t of s.turns) {
      if (out.length >= n) break;
      messages.push({ role: 'user', content: t.user });
      const prev = t.labels.turn > 0 && pools.length > 0 ? rng.pick(pools).name : undefined;
      out.push({
        labels: { ...t.labels, id: `w${t.labels.id}` },
        text: t.user,
        messages: [...messages],
        promptTokensEstimate: countTokens(messages.map((m) => m.content).join('\n')),
        pools: loads(rng, pools),
        ...(prev !== undefined ? { previousPool: prev } : {}),
      });
      messages.push({ role: 'assistant', content: 'An earlier answer.' });
    }
  }
  return out;
}

const isCategory = (c: string): c is Category => (CATEGORY_NAMES as readonly string[]).includes(c);

/** A minimal context of a category (table lookups key on the category alone). */
export function categoryContext(category: string, pools: PoolObservation[] = [], promptTokens = 512): RoutingContext {
  const text = `a ${category} request`;
  return {
    labels: {
      id: `${category}/0`,
      source: 'export',
      category,
      archetype: 'chat',
      sessionId: category,
      turn: 0,
      warm: false,
      lengthClass: 'balanced',
    },
    text,
    messages: [{ role: 'user', content: text }],
    promptTokensEstimate: promptTokens,
    pools,
  };
}

export function heldOutContexts(o: ContextOptions): RoutingContext[] {
  const rng = new Rng(o.seed ?? 0x5eed_e4e0);
  const cats = [...o.categories, UNSEEN_CATEGORY];
  const out: RoutingContext[] = [];
  for (let i = 0; i < o.n; i++) {
    const category = cats[i % cats.length]!;
    // Prompt text from a task builder (the category's own when it is a synthetic one).
    const task = CATEGORY_BUILDERS[isCategory(category) ? category : rng.pick(CATEGORY_NAMES)](
      rng,
      rng.pick([0.5, 1, 2]),
    );
    const text = rng.chance(0.02) ? '' : task.text;
    const turn = rng.intBetween(0, 3);
    const pools = loads(rng, o.pools);
    const previous = turn > 0 && o.pools.length > 0 && rng.chance(0.7) ? rng.pick(o.pools).name : undefined;
    const id = `h${i}/${turn}`;
    out.push({
      labels: {
        id,
        source: 'export-heldout',
        category,
        archetype: rng.pick(ARCHETYPE_NAMES),
        sessionId: `h${i}`,
        turn,
        warm: turn > 0,
        lengthClass: 'balanced',
      },
      text,
      messages: [{ role: 'user', content: text }],
      promptTokensEstimate: countTokens(text) + (rng.chance(0.3) ? rng.intBetween(100, 4000) : 0),
      pools,
      ...(previous !== undefined ? { previousPool: previous } : {}),
    });
  }
  return out;
}
