import { describe, expect, it } from 'vitest';
import { countTokens } from '../../core/text/tokenizer.ts';
import type { SessionPlan } from '../types.ts';
import { AGENT_SYSTEM_TOKENS, ARCHETYPE_NAMES, ARCHETYPES, type ArchetypeName } from './archetypes.ts';
import { codeFiller, jsonFiller, proseFiller } from './filler.ts';
import { createWorkload } from './mix.ts';
import { CATEGORY_BUILDERS } from './tasks.ts';
import { Rng } from '../../core/rng.ts';

const int = (s: string | undefined) => Number(s);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Solves the math templates independently of the generator. */
function solve(text: string): number {
  let m: RegExpExecArray | null;
  if ((m = /packs (\d+) pencils into each box\. It fills (\d+) boxes and then sells (\d+) pencils/.exec(text)))
    return int(m[1]) * int(m[2]) - int(m[3]);
  if ((m = /rides at (\d+) km per hour for (\d+) hours and then rides (\d+) more/.exec(text)))
    return int(m[1]) * int(m[2]) + int(m[3]);
  if (
    (m = /(\d+) friends split a bill of (\d+) dollars equally, and each of them also leaves a (\d+) dollar tip/.exec(
      text,
    ))
  )
    return int(m[2]) / int(m[1]) + int(m[3]);
  if ((m = /costs (\d+) dollars and is discounted by (\d+) percent/.exec(text)))
    return (int(m[1]) * (100 - int(m[2]))) / 100;
  if ((m = /is (\d+) years older than her brother\. In (\d+) years their ages will add up to (\d+)/.exec(text)))
    return (int(m[3]) + int(m[1]) - 2 * int(m[2])) / 2;
  if (
    (m = /holds (\d+) coins and gains (\d+) coins every day\. How many coins does it hold after (\d+) days/.exec(text))
  )
    return int(m[1]) + int(m[2]) * int(m[3]);
  throw new Error(`unknown math template: ${text}`);
}

const CAPITALS: Record<string, string> = {
  France: 'Paris',
  Japan: 'Tokyo',
  Canada: 'Ottawa',
  Australia: 'Canberra',
  Kenya: 'Nairobi',
  Egypt: 'Cairo',
  Norway: 'Oslo',
  Peru: 'Lima',
  Portugal: 'Lisbon',
  Thailand: 'Bangkok',
};
const SYMBOLS: Record<string, string> = {
  gold: 'Au',
  iron: 'Fe',
  sodium: 'Na',
  potassium: 'K',
  silver: 'Ag',
  lead: 'Pb',
  tin: 'Sn',
};
const PLANETS: Record<string, string> = {
  'is the largest in the solar system': 'Jupiter',
  'is closest to the Sun': 'Mercury',
  'is known as the red planet': 'Mars',
  'has the most prominent ring system': 'Saturn',
};
const isPrime = (n: number) =>
  n > 1 && Array.from({ length: Math.floor(Math.sqrt(n)) - 1 }, (_, i) => i + 2).every((d) => n % d !== 0);

/** The options that are correct for an MC question, judged independently. */
function correctOptions(question: string, options: string[]): string[] {
  let m: RegExpExecArray | null;
  if ((m = /What is (\d+) multiplied by (\d+)\?/.exec(question)))
    return options.filter((o) => int(o) === int(m![1]) * int(m![2]));
  if (question.startsWith('Which of the following numbers is prime?')) return options.filter((o) => isPrime(int(o)));
  if ((m = /capital city of (\w+)\?/.exec(question))) return options.filter((o) => o === CAPITALS[m![1]!]);
  if ((m = /symbol stands for (\w+)\?/.exec(question))) return options.filter((o) => o === SYMBOLS[m![1]!]);
  if ((m = /Which planet (.+)\?/.exec(question))) return options.filter((o) => o === PLANETS[m![1]!]);
  if ((m = /minutes are there in ([\d.]+) hours\?/.exec(question)))
    return options.filter((o) => int(o) === Number(m![1]) * 60);
  throw new Error(`unknown MC template: ${question}`);
}

describe('synthetic tasks', () => {
  it('math: the reference equals the answer computed from the generated numbers', () => {
    const r = new Rng(11);
    for (let i = 0; i < 600; i++) {
      const t = CATEGORY_BUILDERS.math(r, 1);
      expect(t.answerFormat).toBe('number');
      expect(Number(t.reference)).toBe(solve(t.text));
      expect(Number.isInteger(Number(t.reference))).toBe(true);
    }
  });

  it('multiple-choice: the reference letter is the one correct option of four', () => {
    const r = new Rng(12);
    const letters = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const t = CATEGORY_BUILDERS['multiple-choice'](r, 1);
      const lines = t.text.split('\n');
      const options = lines.filter((l) => /^[A-D]\) /.test(l)).map((l) => l.slice(3));
      expect(options).toHaveLength(4);
      expect(new Set(options).size).toBe(4);
      const right = correctOptions(lines[0]!, options);
      expect(right).toHaveLength(1);
      expect(options['ABCD'.indexOf(t.reference!)]).toBe(right[0]);
      letters.add(t.reference!);
    }
    expect(letters).toEqual(new Set(['A', 'B', 'C', 'D']));
  });

  it('extraction and classification references are in or implied by the text', () => {
    const r = new Rng(13);
    for (let i = 0; i < 200; i++) {
      const e = CATEGORY_BUILDERS.extraction(r, 1);
      expect(e.text).toContain(e.reference!);
      const c = CATEGORY_BUILDERS.classification(r, 1);
      expect(['positive', 'negative', 'sports', 'finance', 'weather', 'technology']).toContain(c.reference);
    }
  });

  it('filler hits its token target (at most one sentence/block over)', () => {
    const r = new Rng(14);
    for (const n of [50, 400, 3000]) {
      expect(countTokens(proseFiller(r, n))).toBeGreaterThanOrEqual(n * 0.98);
      expect(countTokens(proseFiller(r, n))).toBeLessThan(n + 60);
      expect(countTokens(codeFiller(r, n))).toBeLessThan(n + 120);
      expect(countTokens(jsonFiller(r, n))).toBeLessThan(n + 80);
    }
  });
});

function sessions(
  archetypes: Partial<Record<ArchetypeName, number>>,
  n: number,
  seed = 5,
  extra: Record<string, unknown> = {},
): SessionPlan[] {
  const w = createWorkload({ sources: [{ type: 'synthetic', archetypes, ...extra }] }, seed);
  return Array.from({ length: n }, (_, i) => w.next(0, i));
}

describe('synthetic sessions', () => {
  it('are deterministic for a seed', () => {
    expect(sessions({ chat: 1, agent: 1, rag: 1 }, 60, 9)).toEqual(sessions({ chat: 1, agent: 1, rag: 1 }, 60, 9));
    expect(sessions({ chat: 1, agent: 1, rag: 1 }, 60, 9)).not.toEqual(sessions({ chat: 1, agent: 1, rag: 1 }, 60, 10));
  });

  it.each(ARCHETYPE_NAMES)('%s: expected output tokens follow the archetype table', (name) => {
    const turns = sessions({ [name]: 1 }, 400).flatMap((s) => s.turns);
    const a = ARCHETYPES[name];
    const out = turns.map((t) => t.labels.expectedOutputTokens!);
    expect(Math.abs(median(out) - a.output.median) / a.output.median).toBeLessThan(0.15);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(a.output.min);
    expect(Math.max(...out)).toBeLessThanOrEqual(a.output.max);
    expect(turns.every((t) => t.maxTokens === a.maxTokens && t.labels.archetype === name)).toBe(true);
  });

  it('labels turns, length classes and think times by archetype', () => {
    const reasoning = sessions({ reasoning: 1 }, 100);
    expect(reasoning.every((s) => s.turns.length === 1 && s.turns[0]!.labels.lengthClass === 'decode-heavy')).toBe(
      true,
    );
    const rag = sessions({ rag: 1 }, 100);
    expect(rag.filter((s) => s.turns[0]!.labels.lengthClass === 'prefill-heavy').length).toBeGreaterThan(85);
    expect(median(rag.map((s) => countTokens(s.turns[0]!.user)))).toBeGreaterThan(1500);
    const agent = sessions({ agent: 1 }, 100);
    expect(agent.every((s) => s.turns.length >= 4 && s.turns.length <= 12)).toBe(true);
    const later = agent.flatMap((s) => s.turns.slice(1));
    expect(later.every((t) => t.user.startsWith('Tool result from'))).toBe(true);
    expect(median(later.map((t) => t.thinkTimeS))).toBeCloseTo(0.3, 1);
    for (const s of [...rag, ...agent]) expect(s.turns[0]!.thinkTimeS).toBe(0);
    for (const s of sessions({ chat: 1 }, 100))
      s.turns.forEach((t, i) => expect(t.labels.id).toBe(`${s.sessionId}/${i}`));
  });

  it('agent sessions share a long system prompt per prefix group; warm after the first use', () => {
    const agent = sessions({ agent: 1 }, 50);
    const groups = new Map<string, string>();
    const seen = new Set<string>();
    for (const s of agent) {
      const g = s.turns[0]!.labels.prefixGroup!;
      expect(g).toMatch(/^synthetic:agent-[0-2]$/);
      if (groups.has(g)) expect(s.system).toBe(groups.get(g));
      groups.set(g, s.system!);
      expect(s.turns[0]!.labels.warm).toBe(seen.has(g));
      seen.add(g);
      expect(s.turns.slice(1).every((t) => t.labels.warm && t.labels.prefixGroup === g)).toBe(true);
      expect(s.turns.every((t) => t.labels.lengthClass === 'prefill-heavy')).toBe(true);
    }
    expect(groups.size).toBe(3);
    for (const sys of groups.values())
      expect(Math.abs(countTokens(sys) - AGENT_SYSTEM_TOKENS) / AGENT_SYSTEM_TOKENS).toBeLessThan(0.2);
  });

  it('multi-turn chats are their own prefix group; single turns have none', () => {
    for (const s of sessions({ chat: 1 }, 100)) {
      if (s.turns.length === 1)
        expect([s.turns[0]!.labels.warm, s.turns[0]!.labels.prefixGroup]).toEqual([false, undefined]);
      else s.turns.forEach((t, i) => expect(t.labels).toMatchObject({ prefixGroup: s.sessionId, warm: i > 0 }));
    }
  });

  it('category weights override archetype defaults; scales stretch lengths', () => {
    const mc = sessions({ chat: 1, reasoning: 1 }, 100, 5, { categories: { 'multiple-choice': 1 } });
    expect(
      mc.every(
        (s) => s.turns[0]!.labels.category === 'multiple-choice' && /^[A-D]$/.test(s.turns[0]!.labels.reference!),
      ),
    ).toBe(true);
    const out = (scale: number) =>
      median(
        sessions({ chat: 1 }, 300, 5, { output_scale: scale }).map((s) => s.turns[0]!.labels.expectedOutputTokens!),
      );
    expect(out(2) / out(1)).toBeCloseTo(2, 0);
  });
});
