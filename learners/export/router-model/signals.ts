/**
 * Signal evaluation as the router does it, for the signal kinds wrp emits or diagnoses:
 *
 * - the text signals read: the last non-empty user message, else the non-user messages joined
 *   by spaces (src/semantic-router/pkg/extproc/utils_fast.go recordFastExtractUserMessage,
 *   request_signal_history.go, req_filter_classification_signal.go
 *   prepareSignalEvaluationInput); an empty text means no decision at all (the default model);
 * - keyword rules with the default (literal) method: each keyword is matched as a quoted
 *   regular expression, wrapped in \b...\b when it holds a letter, digit or underscore and no
 *   Han character, case-insensitive unless case_sensitive; AND = every keyword, OR = any,
 *   NOR = none; every matching rule is a signal, in declaration order
 *   (pkg/classification/keyword_classifier*.go: regexPatterns, matchAND/OR/NOR, MatchAll);
 * - domain rules: the classifier's label is translated through the domains' mmlu_categories
 *   (a label listed by several domains belongs to the last one declared; a label no domain
 *   lists stays as it is), and a decision's domain condition matches when the translated name
 *   equals the domain's name or is in its mmlu_categories
 *   (pkg/classification/category_classifier.go buildCategoryNameMappings /
 *   translateMMLUToGeneric, pkg/decision/engine.go matchesDomainCondition).
 *
 * Not modelled (wrp never emits them; a config using them is refused by the RouterModel):
 * explicit `method: regex|bm25|ngram` and fuzzy matching.
 */
import type { ChatMessage } from '../../../harness/types.ts';

/** The labels of the router's default domain classifier (MMLU-Pro categories). */
export const DOMAIN_CLASSIFIER_LABELS = [
  'math',
  'physics',
  'chemistry',
  'biology',
  'computer science',
  'history',
  'economics',
  'business',
  'law',
  'health',
  'psychology',
  'philosophy',
  'engineering',
  'other',
] as const;

/**
 * The texts of a request: `query`, the last non-empty user message (what the ML selectors
 * embed: extproc passes history.currentUserMessage as the selection query), and `signal`, what
 * every signal reads (the query, else the non-user messages joined; '' = no decision at all).
 */
export function requestTexts(messages: readonly ChatMessage[]): { query: string; signal: string } {
  let query = '';
  const nonUser: string[] = [];
  for (const m of messages) {
    if (m.role === 'user') {
      if (m.content !== '') query = m.content;
    } else if (m.role !== 'tool' && m.content !== '') nonUser.push(m.content);
  }
  return { query, signal: query !== '' ? query : nonUser.join(' ') };
}

export interface KeywordRuleSpec {
  name: string;
  operator: 'AND' | 'OR' | 'NOR';
  keywords: string[];
  case_sensitive?: boolean;
  method?: string;
  fuzzy_match?: boolean;
}

// Unicode-mode syntax characters only: `u` rejects needless escapes such as \- or \/.
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const WORD_CHAR = /[\p{L}\p{Nd}_]/u;
const HAN = /\p{Script=Han}/u;

/** The regular expression the router compiles for one literal keyword. */
export function keywordPattern(keyword: string, caseSensitive: boolean): RegExp {
  const quoted = escape(keyword);
  const bounded = WORD_CHAR.test(keyword) && !HAN.test(keyword);
  // Go's \b is ASCII; so is JS's outside a few case-folded letters (U+017F, U+212A) under `iu`.
  return new RegExp(bounded ? `\\b${quoted}\\b` : quoted, caseSensitive ? 'u' : 'iu');
}

export interface CompiledKeywordRule {
  name: string;
  matches(text: string): boolean;
}

// Every code unit below 0x80 (the character class spans the control characters on purpose).
// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;
/** The lower-cased text and whether it is ASCII, for the last text seen (rules are tried in a row). */
let last = { text: '', lower: '', ascii: true };
function prepared(text: string): typeof last {
  if (text !== last.text) last = { text, lower: text.toLowerCase(), ascii: ASCII.test(text) };
  return last;
}

export function compileKeywordRule(rule: KeywordRuleSpec): CompiledKeywordRule {
  if (rule.method !== undefined && rule.method !== '')
    throw new Error(`keyword rule "${rule.name}": method "${rule.method}" is not modelled (only literal keywords)`);
  if (rule.fuzzy_match) throw new Error(`keyword rule "${rule.name}": fuzzy_match is not modelled`);
  const cs = rule.case_sensitive ?? false;
  const keys = rule.keywords.map((k) => ({
    re: keywordPattern(k, cs),
    needle: cs ? k : k.toLowerCase(),
    ascii: ASCII.test(k),
  }));
  // A substring test first: for ASCII text and keyword, no occurrence means no match (case
  // folding keeps ASCII within ASCII), and most keywords are absent from most texts.
  const hit = (text: string) => {
    const t = prepared(text);
    return keys.map((k) => (k.ascii && t.ascii && !(cs ? text : t.lower).includes(k.needle) ? false : k.re.test(text)));
  };
  const matches = {
    AND: (text: string) => hit(text).every(Boolean),
    OR: (text: string) => hit(text).some(Boolean),
    NOR: (text: string) => !hit(text).some(Boolean),
  }[rule.operator];
  return { name: rule.name, matches };
}

/** Names of the matching rules, in declaration order. */
export function matchKeywords(rules: readonly CompiledKeywordRule[], text: string): string[] {
  return rules.filter((r) => r.matches(text)).map((r) => r.name);
}

export interface DomainSpec {
  name: string;
  mmlu_categories?: string[];
}

/** Classifier label (lower case) -> domain name; later domains overwrite earlier ones. */
export function domainTranslation(domains: readonly DomainSpec[]): Map<string, string> {
  const known = new Set<string>(DOMAIN_CLASSIFIER_LABELS);
  const out = new Map<string, string>();
  for (const d of domains) {
    if (d.mmlu_categories && d.mmlu_categories.length > 0)
      for (const label of d.mmlu_categories) out.set(label.toLowerCase(), d.name);
    else if (known.has(d.name.toLowerCase())) out.set(d.name.toLowerCase(), d.name);
  }
  return out;
}

/** The domain signal names a classifier label produces (top-1, as at low entropy). */
export function detectedDomains(label: string, translation: Map<string, string>): string[] {
  if (label === '') return [];
  return [translation.get(label.toLowerCase()) ?? label];
}

/** Does a `{type: domain, name}` condition match these detected domain names? */
export function domainConditionMatches(
  name: string,
  detected: readonly string[],
  domains: readonly DomainSpec[],
): boolean {
  if (detected.includes(name)) return true;
  const d = domains.find((x) => x.name === name);
  return d !== undefined && detected.some((x) => d.mmlu_categories?.includes(x) ?? false);
}
