/**
 * Dataset rows -> sessions. A row becomes one session: its earlier user turns (if any)
 * followed by the final turn, which carries the row's labels (category, reference, promptId,
 * scores, costs). Rows are drawn with or without replacement by seed.
 */
import type { DatasetRow } from '../../datasets/types.ts';
import { hashString53 } from '../../core/text/tokenizer.ts';
import type { SessionPlan } from '../types.ts';
import { finishTurns, type DraftTurn } from './labels.ts';
import { drawLength, type LengthDist } from './lengths.ts';
import type { AnswerFormat } from '../../core/answer-format.ts';
import { deriveSeed, Rng } from '../../core/rng.ts';

export interface DatasetSourceOptions {
  /** The mix source's name (prefix groups, seed streams). */
  name: string;
  /** `without-replacement` cycles through a seeded permutation before repeating any row. */
  sample: 'with-replacement' | 'without-replacement';
  /** Use a seeded subset of at most this many rows. */
  limit?: number;
  maxTokens: number;
  /** Think time before turns > 0 of multi-turn rows, seconds. */
  thinkTimeS: number;
  /** Label each turn with a seeded, per-prompt output length (by answer format); else the pool picks. */
  estimateOutputTokens: boolean;
}

/** Natural answer length by answer format when a dataset does not give one (README). */
export const OUTPUT_BY_FORMAT: Record<AnswerFormat, LengthDist> = {
  letter: { median: 16, sigma: 0.8, min: 1, max: 512 },
  number: { median: 200, sigma: 0.5, min: 20, max: 1500 },
  code: { median: 250, sigma: 0.6, min: 30, max: 2000 },
  text: { median: 150, sigma: 0.8, min: 8, max: 2000 },
};

export class DatasetSource {
  private readonly rows: readonly DatasetRow[];
  private order: number[] = [];
  private cursor = 0;
  private epoch = 0;
  private readonly seenGroups = new Set<string>();

  constructor(
    rows: readonly DatasetRow[],
    private readonly opts: DatasetSourceOptions,
    private readonly seed: number,
  ) {
    if (rows.length === 0) throw new RangeError(`source ${opts.name}: no rows to sample`);
    let kept = rows;
    if (opts.limit !== undefined && opts.limit < rows.length) {
      const pick = new Rng(deriveSeed(seed, opts.name, 'limit')).shuffle(rows.map((_, i) => i)).slice(0, opts.limit);
      kept = pick.sort((a, b) => a - b).map((i) => rows[i]!);
    }
    this.rows = kept;
  }

  get size(): number {
    return this.rows.length;
  }

  /** The next row: a permutation cursor (reshuffled each epoch) or a draw from `r`. */
  private draw(r: Rng): DatasetRow {
    if (this.opts.sample === 'with-replacement') return this.rows[r.intBetween(0, this.rows.length - 1)]!;
    if (this.cursor >= this.order.length) {
      this.order = new Rng(deriveSeed(this.seed, this.opts.name, 'epoch', this.epoch++)).shuffle(
        this.rows.map((_, i) => i),
      );
      this.cursor = 0;
    }
    return this.rows[this.order[this.cursor++]!]!;
  }

  session(r: Rng, sessionId: string): SessionPlan {
    return this.toSession(this.draw(r), sessionId);
  }

  /** One row as a session (exposed for tests and one-off replays). */
  toSession(row: DatasetRow, sessionId: string): SessionPlan {
    const users = [...(row.previousTurns ?? []), row.prompt];
    const sharedGroup =
      row.system === undefined ? undefined : `${this.opts.name}:sys-${hashString53(row.system).toString(36)}`;
    const group = sharedGroup ?? (users.length > 1 ? sessionId : undefined);
    const groupWarm = sharedGroup !== undefined && this.seenGroups.has(sharedGroup);
    if (sharedGroup !== undefined) this.seenGroups.add(sharedGroup);
    const format = row.answerFormat ?? 'text';
    const last = users.length - 1;
    const drafts: DraftTurn[] = users.map((user, t) => {
      const labels: DraftTurn['labels'] = {
        id: `${sessionId}/${t}`,
        source: row.source,
        category: row.category,
        archetype: 'dataset',
        sessionId,
        turn: t,
        warm: t > 0 ? group !== undefined : groupWarm,
      };
      if (group !== undefined) labels.prefixGroup = group;
      if (this.opts.estimateOutputTokens) {
        // Keyed by prompt, so a row keeps its answer length however often it is drawn.
        const key = t === last ? row.promptId : `${row.promptId}#${t}`;
        labels.expectedOutputTokens = Math.max(
          1,
          drawLength(
            new Rng(deriveSeed(this.seed, 'output', row.source, key)),
            OUTPUT_BY_FORMAT[t === last ? format : 'text'],
          ),
        );
      }
      if (t === last) {
        labels.promptId = row.promptId;
        if (row.answerFormat !== undefined) labels.answerFormat = row.answerFormat;
        if (row.reference !== undefined) labels.reference = row.reference;
        if (row.scores !== undefined) labels.scores = row.scores;
        if (row.costs !== undefined) labels.costs = row.costs;
        if (row.extra !== undefined) labels.extra = row.extra;
      }
      return { labels, user, maxTokens: this.opts.maxTokens, thinkTimeS: t === 0 ? 0 : this.opts.thinkTimeS };
    });
    const plan: SessionPlan = { sessionId, turns: finishTurns(row.system, drafts, OUTPUT_BY_FORMAT[format].median) };
    if (row.system !== undefined) plan.system = row.system;
    return plan;
  }
}
