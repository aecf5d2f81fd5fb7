/**
 * Deterministic filler text of a target token length (countTokens), used to give prompts
 * their archetype's length: prose paragraphs for documents and retrieved context, Python-like
 * code for code prompts. The text is generated from the word banks below (original text).
 */
import { countTokens } from '../../core/text/tokenizer.ts';
import type { Rng } from '../../core/rng.ts';

const ORGS = [
  'the harbor authority',
  'the county water board',
  'the regional rail office',
  'the city library',
  'the river survey team',
  'the school district',
  'the north clinic',
  'the farmers cooperative',
  'the museum trust',
  'the parks department',
];
const SUBJECTS = [
  'The annual budget',
  'The maintenance crew',
  'A review panel',
  'The pilot program',
  'The new schedule',
  'An internal audit',
  'The steering group',
  'The field survey',
  'A public consultation',
  'The backup system',
];
const VERBS = [
  'reduced',
  'expanded',
  'delayed',
  'reorganized',
  'measured',
  'replaced',
  'doubled',
  'simplified',
  'funded',
  'inspected',
];
const OBJECTS = [
  'the night shifts',
  'the storage capacity',
  'the inspection backlog',
  'the visitor numbers',
  'the repair costs',
  'the waiting times',
  'the pump stations',
  'the weekend service',
  'the archive records',
  'the energy use',
];
const TIMES = [
  'in early spring',
  'during the second quarter',
  'after the winter storms',
  'over the last three years',
  'before the summer season',
  'within six months',
  'late last autumn',
  'in the first week of the trial',
];
const REASONS = [
  'because demand kept rising',
  'to meet the new safety rules',
  'after several complaints from residents',
  'since the old equipment was failing',
  'so that staff could rotate more often',
  'while the budget was frozen',
];
const SENTENCES: ((r: Rng) => string)[] = [
  (r) => `${r.pick(SUBJECTS)} ${r.pick(VERBS)} ${r.pick(OBJECTS)} ${r.pick(TIMES)}.`,
  (r) => `According to ${r.pick(ORGS)}, ${r.pick(OBJECTS)} changed by ${r.intBetween(2, 48)} percent ${r.pick(TIMES)}.`,
  (r) => `${r.pick(SUBJECTS)} was approved ${r.pick(REASONS)}.`,
  (r) => `Officials from ${r.pick(ORGS)} said the plan ${r.pick(VERBS)} ${r.pick(OBJECTS)} ${r.pick(REASONS)}.`,
  (r) =>
    `A total of ${r.intBetween(12, 980)} households were affected, and ${r.intBetween(2, 40)} sites needed follow-up visits.`,
  (r) =>
    `The report notes that ${r.pick(OBJECTS)} remain a concern, although ${r.pick(SUBJECTS).toLowerCase()} ${r.pick(VERBS)} them ${r.pick(TIMES)}.`,
  (r) => `Critics argued that ${r.pick(ORGS)} should have ${r.pick(VERBS)} ${r.pick(OBJECTS)} sooner.`,
  (r) =>
    `${r.pick(TIMES).replace(/^./, (c) => c.toUpperCase())}, ${r.pick(ORGS)} published a summary of ${r.pick(OBJECTS)}.`,
  (r) =>
    `Costs reached ${r.intBetween(3, 95)},${String(r.intBetween(0, 999)).padStart(3, '0')} dollars, which was ${r.pick(['above', 'below', 'close to'])} the estimate.`,
  (r) =>
    `Staff were asked to record ${r.pick(OBJECTS)} every ${r.pick(['day', 'week', 'month'])} until the review ends.`,
];

/** Prose paragraphs of about `targetTokens` tokens (never more than one sentence over). */
export function proseFiller(rng: Rng, targetTokens: number): string {
  const paragraphs: string[] = [];
  let sentences: string[] = [];
  let tokens = 0;
  while (tokens < targetTokens) {
    const s = rng.pick(SENTENCES)(rng);
    tokens += countTokens(` ${s}`);
    sentences.push(s);
    if (sentences.length >= 4 + rng.intBetween(0, 3)) {
      paragraphs.push(sentences.join(' '));
      sentences = [];
    }
  }
  if (sentences.length > 0) paragraphs.push(sentences.join(' '));
  return paragraphs.join('\n\n');
}

const NOUNS = ['order', 'invoice', 'sensor', 'route', 'ticket', 'account', 'shipment', 'reading', 'booking', 'record'];
const FIELDS = ['total', 'count', 'status', 'weight', 'price', 'owner', 'created', 'region'];

/** Python-like module text of about `targetTokens` tokens (context for code prompts). */
export function codeFiller(rng: Rng, targetTokens: number): string {
  const blocks: string[] = [];
  let tokens = 0;
  while (tokens < targetTokens) {
    const noun = rng.pick(NOUNS);
    const field = rng.pick(FIELDS);
    const block = [
      `def ${rng.pick(['load', 'filter', 'group', 'score', 'merge', 'validate'])}_${noun}s(items, limit=${rng.intBetween(2, 500)}):`,
      `    """Return ${noun}s whose ${field} passes the check."""`,
      `    result = []`,
      `    for item in items:`,
      `        if item.get("${field}") is None:`,
      `            continue`,
      `        if len(result) >= limit:`,
      `            break`,
      `        result.append(item)`,
      `    return result`,
      '',
    ].join('\n');
    tokens += countTokens(block);
    blocks.push(block);
  }
  return blocks.join('\n');
}

/** A titled document (`summarize` inputs, RAG passages). */
export function document(rng: Rng, targetTokens: number): { title: string; text: string } {
  const title = `${rng.pick(['Annual', 'Quarterly', 'Interim', 'Field'])} report of ${rng.pick(ORGS)}`;
  return { title, text: proseFiller(rng, targetTokens) };
}

const STATUSES = ['open', 'closed', 'pending', 'failed', 'shipped', 'on_hold'];

/** A JSON array of records of about `targetTokens` tokens (agent tool results). */
export function jsonFiller(rng: Rng, targetTokens: number): string {
  const records: string[] = [];
  let tokens = 2;
  do {
    const rec = JSON.stringify({
      id: `${rng.pick(NOUNS)}-${rng.intBetween(10000, 99999)}`,
      status: rng.pick(STATUSES),
      [rng.pick(FIELDS)]: rng.intBetween(1, 9999),
      note: `${rng.pick(SUBJECTS)} ${rng.pick(VERBS)} ${rng.pick(OBJECTS)}`,
    });
    tokens += countTokens(rec) + 1;
    records.push(rec);
  } while (tokens < targetTokens);
  return `[\n${records.join(',\n')}\n]`;
}
