/**
 * The built-in synthetic generator (no external data): picks an archetype (session shape,
 * archetypes.ts) and a task category (tasks.ts), then plans the session's turns with their
 * labels. All randomness comes from the Rng passed per session, so a session depends only on
 * (seed, index) and on which shared prefix groups earlier sessions already used.
 */
import type { SessionPlan } from '../types.ts';
import { agentSystemPrompt, ARCHETYPES, RAG_SYSTEM_PROMPT, type Archetype, type ArchetypeName } from './archetypes.ts';
import { codeFiller, document, jsonFiller } from './filler.ts';
import { finishTurns, type DraftTurn } from './labels.ts';
import { drawLength } from './lengths.ts';
import { CATEGORY_BUILDERS, type Category, type Task } from './tasks.ts';
import { FOLLOW_UPS } from './tasks-open.ts';
import { deriveSeed, type Rng } from '../../core/rng.ts';

export interface SyntheticOptions {
  /** Distinct agent system prompts (prefix groups) per source. */
  agentSystemPrompts: number;
  /** Multiplies context/document lengths. */
  promptScale: number;
  /** Multiplies expected output lengths and max_tokens. */
  outputScale: number;
}

export interface SyntheticWeights {
  archetypes: Partial<Record<ArchetypeName, number>>;
  /** Overrides every archetype's default category weights when set. */
  categories?: Partial<Record<Category, number>>;
}

const TOOL_NAMES = ['search_orders', 'get_customer', 'list_shipments', 'run_query', 'check_inventory', 'read_file'];

export class SyntheticSource {
  private readonly agentPrompts = new Map<number, string>();
  private readonly seenGroups = new Set<string>();
  private readonly label: string;

  constructor(
    readonly name: string,
    private readonly opts: SyntheticOptions,
    private readonly seed: number,
  ) {
    this.label = name === 'synthetic' ? 'synthetic' : `synthetic:${name}`;
  }

  private agentPrompt(k: number): string {
    let p = this.agentPrompts.get(k);
    if (p === undefined) {
      p = agentSystemPrompt(deriveSeed(this.seed, this.name, 'agent-system', k), k);
      this.agentPrompts.set(k, p);
    }
    return p;
  }

  /** Turn 0 text: the task wrapped in the archetype's context. */
  private firstMessage(r: Rng, arch: ArchetypeName, category: Category, task: Task): string {
    const a = ARCHETYPES[arch];
    if (arch === 'rag' && category !== 'summarize') {
      const total = drawLength(r, a.context, this.opts.promptScale);
      const k = Math.min(8, Math.max(1, Math.round(total / 600)));
      const docs = Array.from({ length: k }, (_, i) => {
        const d = document(r, Math.round(total / k));
        return `[Document ${i + 1}] ${d.title}\n${d.text}`;
      });
      return `Retrieved documents:\n\n${docs.join('\n\n')}\n\nQuestion: ${task.text}`;
    }
    if (arch === 'code') {
      const ctx = drawLength(r, a.context, this.opts.promptScale);
      if (ctx >= 50)
        return `Here is the module I am working on:\n\`\`\`python\n${codeFiller(r, ctx)}\`\`\`\n\n${task.text}`;
    }
    if (arch === 'reasoning')
      return `${task.text}\nThink it through step by step, then give the final answer on its own line.`;
    if (arch === 'agent') return `Task: ${task.text}\nUse the tools as needed and report when you are done.`;
    return task.text;
  }

  /** Turns > 0: the user's next message and what it asks. */
  private laterMessage(r: Rng, arch: ArchetypeName, category: Category): { text: string; task?: Task } {
    const a = ARCHETYPES[arch];
    if (arch === 'agent') {
      const tool = r.pick(TOOL_NAMES);
      return {
        text: `Tool result from ${tool}:\n${jsonFiller(r, drawLength(r, a.context, this.opts.promptScale))}\nContinue with the task.`,
      };
    }
    if (arch === 'rag') return { text: r.pick(FOLLOW_UPS.rag!) };
    if (arch === 'code') return { text: r.pick(FOLLOW_UPS.code!) };
    // chat: half the follow-ups are a fresh question of the same category.
    if (category !== 'chitchat' && category !== 'summarize' && r.chance(0.5)) {
      const task = CATEGORY_BUILDERS[category](r, this.opts.promptScale);
      return { text: `Another one: ${task.text}`, task };
    }
    return { text: r.pick(FOLLOW_UPS.generic!) };
  }

  private shared(r: Rng, a: Archetype): { system?: string; group?: string } {
    if (a.system === 'agent') {
      const k = r.intBetween(0, this.opts.agentSystemPrompts - 1);
      return { system: this.agentPrompt(k), group: `${this.name}:agent-${k}` };
    }
    if (a.system === 'rag') return { system: RAG_SYSTEM_PROMPT, group: `${this.name}:rag` };
    return {};
  }

  /** Plans one session. */
  session(r: Rng, sessionId: string, weights: SyntheticWeights): SessionPlan {
    const archName = r.weighted(weights.archetypes as Record<ArchetypeName, number>);
    const a = ARCHETYPES[archName];
    const category = r.weighted((weights.categories ?? a.categories) as Record<Category, number>);
    const nTurns = r.chance(a.singleTurn) ? 1 : r.intBetween(a.turns[0], a.turns[1]);
    const { system, group: sharedGroup } = this.shared(r, a);
    const group = sharedGroup ?? (nTurns > 1 ? sessionId : undefined);
    const groupWarm = sharedGroup !== undefined && this.seenGroups.has(sharedGroup);
    if (sharedGroup !== undefined) this.seenGroups.add(sharedGroup);
    const maxTokens = Math.max(16, Math.round(a.maxTokens * this.opts.outputScale));

    const drafts: DraftTurn[] = [];
    for (let t = 0; t < nTurns; t++) {
      let text: string;
      let task: Task | undefined;
      if (t === 0) {
        task = CATEGORY_BUILDERS[category](r, this.opts.promptScale);
        text = this.firstMessage(r, archName, category, task);
      } else ({ text, task } = this.laterMessage(r, archName, category));
      const labels: DraftTurn['labels'] = {
        id: `${sessionId}/${t}`,
        source: this.label,
        category,
        archetype: archName,
        sessionId,
        turn: t,
        warm: t > 0 ? group !== undefined : groupWarm,
        expectedOutputTokens: Math.max(1, drawLength(r, a.output, this.opts.outputScale)),
        answerFormat: task?.answerFormat ?? (category === 'code' ? 'code' : 'text'),
      };
      if (group !== undefined) labels.prefixGroup = group;
      if (task?.reference !== undefined) labels.reference = task.reference;
      const think = t === 0 ? 0 : r.lognormal(a.think.median, a.think.sigma);
      drafts.push({ labels, user: text, maxTokens, thinkTimeS: Math.round(think * 1000) / 1000 });
    }
    const plan: SessionPlan = { sessionId, turns: finishTurns(system, drafts, a.output.median) };
    if (system !== undefined) plan.system = system;
    return plan;
  }
}
