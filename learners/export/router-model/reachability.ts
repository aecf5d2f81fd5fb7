/**
 * Which decisions a config can reach at all through its domain signals: the domain
 * classifier emits one of DOMAIN_CLASSIFIER_LABELS per request, so a decision conditioned on
 * domains is reachable only if some label leads to it once labels are translated (the last
 * declared domain claims a label several list; unlisted labels keep their own name) and
 * priorities are applied. Keyword decisions are measured on contexts instead (verify).
 * This is the diagnosis behind "1 of 10 decisions reachable" for domain-per-category exports.
 */
import type { RouterModel } from './route.ts';
import { DOMAIN_CLASSIFIER_LABELS } from './signals.ts';

/** Classifier label -> the decision it lands on (null: none, the default model). */
export function domainLabelRoutes(model: RouterModel, probeText = 'a request'): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const label of DOMAIN_CLASSIFIER_LABELS)
    out.set(
      label,
      model.decide({ messages: [{ role: 'user', content: probeText }], domainLabel: label })?.decision.name ?? null,
    );
  return out;
}

/** Decisions no classifier label reaches (by name, in config order). */
export function unreachableByDomain(model: RouterModel): string[] {
  const reached = new Set(domainLabelRoutes(model).values());
  return model.config.routing.decisions.map((d) => d.name).filter((n) => !reached.has(n));
}
