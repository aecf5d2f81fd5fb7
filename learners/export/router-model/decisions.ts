/**
 * Decision matching (src/semantic-router/pkg/decision/engine.go): every decision's rule tree
 * is evaluated against the matched signals; among the matches the winner is, with tiers in
 * use (any decision tier > 0), the lowest tier, then the highest confidence, the highest
 * priority, the smallest name; under `strategy: priority` (the default) the highest priority,
 * then confidence, then name; under `strategy: confidence` confidence, priority, name. No
 * match: no decision (the router then serves providers.defaults.default_model).
 *
 * Rule trees: a decision without rules matches everything with confidence 0; a leaf matches
 * when its signal is present (confidence: the signal's, 1.0 for keywords); AND = all children,
 * confidence their mean; OR = any child, the first best confidence; NOT = exactly one child,
 * negated (confidence 1.0). Leaf types other than keyword and domain are unsupported here
 * and never match (the engine does the same for types it does not know).
 */
import { domainConditionMatches, type DomainSpec } from './signals.ts';

export interface RuleNode {
  type?: string;
  name?: string;
  operator?: string;
  conditions?: RuleNode[];
}

export interface DecisionSpec {
  name: string;
  priority?: number;
  tier?: number;
  rules?: RuleNode;
}

export interface SignalMatches {
  keywords: readonly string[];
  domains: readonly string[];
  /** "type:name" -> confidence (missing = 1.0). */
  confidences?: ReadonlyMap<string, number>;
}

interface Eval {
  matched: boolean;
  confidence: number;
  rules: string[];
}
const NO: Eval = { matched: false, confidence: 0, rules: [] };

const isEmpty = (n: RuleNode | undefined) =>
  n === undefined || (!n.type && !n.name && !n.operator && (n.conditions?.length ?? 0) === 0);

function leaf(node: RuleNode, s: SignalMatches, domains: readonly DomainSpec[]): Eval {
  const type = (node.type ?? '').trim().toLowerCase();
  const name = node.name ?? '';
  let matched: boolean;
  if (type === 'keyword') matched = s.keywords.includes(name);
  else if (type === 'domain') matched = domainConditionMatches(name, s.domains, domains);
  else return NO;
  if (!matched) return NO;
  return { matched, confidence: s.confidences?.get(`${type}:${name}`) ?? 1, rules: [`${node.type}:${name}`] };
}

function evalNode(node: RuleNode, s: SignalMatches, domains: readonly DomainSpec[]): Eval {
  if (node.type) return leaf(node, s, domains);
  const kids = node.conditions ?? [];
  switch ((node.operator ?? '').toUpperCase()) {
    case 'AND': {
      if (kids.length === 0) return { matched: true, confidence: 0, rules: [] };
      let total = 0;
      const rules: string[] = [];
      for (const k of kids) {
        const e = evalNode(k, s, domains);
        if (!e.matched) return NO;
        total += e.confidence;
        rules.push(...e.rules);
      }
      return { matched: true, confidence: total / kids.length, rules };
    }
    case 'NOT': {
      if (kids.length !== 1) return NO;
      return evalNode(kids[0]!, s, domains).matched ? NO : { matched: true, confidence: 1, rules: [] };
    }
    default: {
      let best: Eval = NO;
      for (const k of kids) {
        const e = evalNode(k, s, domains);
        if (e.matched && (!best.matched || e.confidence > best.confidence)) best = e;
      }
      return best;
    }
  }
}

export interface DecisionMatch<D extends DecisionSpec> {
  decision: D;
  confidence: number;
  /** "type:name" of the leaves that decided (extproc reads the first `domain:` as the category). */
  rules: string[];
}

/** Every decision that matches, in declaration order. */
export function matchingDecisions<D extends DecisionSpec>(
  decisions: readonly D[],
  s: SignalMatches,
  domains: readonly DomainSpec[] = [],
): DecisionMatch<D>[] {
  const out: DecisionMatch<D>[] = [];
  for (const d of decisions) {
    const e = isEmpty(d.rules) ? { matched: true, confidence: 0, rules: [] } : evalNode(d.rules!, s, domains);
    if (e.matched) out.push({ decision: d, confidence: e.confidence, rules: e.rules });
  }
  return out;
}

export function bestDecision<D extends DecisionSpec>(
  matches: readonly DecisionMatch<D>[],
  strategy: 'priority' | 'confidence' = 'priority',
): DecisionMatch<D> | undefined {
  if (matches.length <= 1) return matches[0];
  const tiered = matches.some((m) => (m.decision.tier ?? 0) > 0);
  const prio = (m: DecisionMatch<D>) => m.decision.priority ?? 0;
  const byName = (a: DecisionMatch<D>, b: DecisionMatch<D>) =>
    a.decision.name < b.decision.name ? -1 : a.decision.name > b.decision.name ? 1 : 0;
  const cmp = (a: DecisionMatch<D>, b: DecisionMatch<D>): number => {
    if (tiered) {
      const ta = a.decision.tier ?? 0;
      const tb = b.decision.tier ?? 0;
      if (ta !== tb) return ta - tb;
      return b.confidence - a.confidence || prio(b) - prio(a) || byName(a, b);
    }
    if (strategy === 'confidence') return b.confidence - a.confidence || prio(b) - prio(a) || byName(a, b);
    return prio(b) - prio(a) || b.confidence - a.confidence || byName(a, b);
  };
  return [...matches].sort(cmp)[0];
}

/** The category extproc hands to the selectors: the first matched `domain:` leaf, else "". */
export function decisionCategory(rules: readonly string[]): string {
  const r = rules.find((x) => x.startsWith('domain:'));
  return r === undefined ? '' : r.slice('domain:'.length);
}
