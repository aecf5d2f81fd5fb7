/**
 * RouterModel: what vLLM Semantic Router (release.ts) does with one request under a given
 * config.yaml and ML artifacts, following src/semantic-router/pkg/extproc
 * (req_filter_classification.go performDecisionEvaluation, req_filter_classification_runtime.go
 * runDecisionEngine / selectDecisionRuntimeModel, req_filter_classification_selector.go
 * selectModelFromCandidates, processor_req_body.go handleAutoRouting):
 *
 * 1. no signal text, or no decision matches: providers.defaults.default_model;
 * 2. the best matching decision (decisions.ts); a looper algorithm (confidence) calls its
 *    models in escalation order: the first one is the decision's choice;
 * 3. one candidate is served as is; otherwise the decision's selector (static, mlp, knn)
 *    picks, and any selector failure (no embedding, a width mismatch, a model outside the
 *    candidates) serves the first modelRef;
 * 4. Router Learning adaptation may replace the model (adaptation.ts).
 *
 * Protection (session stickiness) needs the x-session-id / x-conversation-id identity headers;
 * requests without them, which is what this model describes, pass through it unchanged.
 * Signal and selector kinds wrp never emits are refused when the model is built, so a result
 * is never a guess.
 */
import type { ChatMessage } from '../../../harness/types.ts';
import { routingSampling, type AdaptationSettings } from './adaptation.ts';
import { bestDecision, decisionCategory, matchingDecisions, type DecisionSpec } from './decisions.ts';
import { routerFeatureVector } from './features.ts';
import { escalationOrder, type CardInfo } from './select-confidence.ts';
import { RouterKnn, type KnnJson } from './select-knn.ts';
import { RouterMlp, type MlpJson } from './select-mlp.ts';
import { selectStatic, type ScoredDomain } from './select-static.ts';
import {
  compileKeywordRule,
  detectedDomains,
  domainTranslation,
  matchKeywords,
  requestTexts,
  type CompiledKeywordRule,
  type DomainSpec,
  type KeywordRuleSpec,
} from './signals.ts';

type Mode = 'apply' | 'observe' | 'bypass';

export interface ModelledDecision extends DecisionSpec {
  modelRefs: { model: string }[];
  algorithm?: { type: string; confidence?: { escalation_order?: string; cost_quality_tradeoff?: number } };
  adaptations?: { mode?: Mode; adaptation?: { mode?: Mode; candidate_set?: 'decision' | 'tier' | 'global' } };
}

/** The parts of config.yaml the router's decision path reads (a validated RouterConfig fits). */
export interface ModelledConfig {
  providers: {
    defaults: { default_model: string };
    models: { name: string; pricing?: { prompt_per_1m: number; completion_per_1m: number } }[];
  };
  routing: {
    strategy?: 'priority' | 'confidence';
    modelCards?: { name: string; quality_score?: number; param_size?: string }[];
    signals?: { keywords?: KeywordRuleSpec[]; domains?: (DomainSpec & ScoredDomain)[] };
    decisions: ModelledDecision[];
  };
  global?: {
    router?: {
      model_selection?: { ml?: { knn?: { k: number } } };
      learning?: {
        enabled: boolean;
        adaptation?: { enabled: boolean; candidate_set?: 'decision' | 'tier' | 'global' };
      };
    };
  };
}

export interface RouterRequest {
  messages: readonly ChatMessage[];
  /** What the configured embedding backend returns for the query text (ML selectors). */
  embedding?: ArrayLike<number>;
  /** The label the domain classifier would give the signal text (unknown offline). */
  domainLabel?: string;
}

export interface RouteResult {
  decision: string | null;
  model: string;
  via: 'default' | 'single' | 'static' | 'mlp' | 'knn' | 'confidence' | 'fallback';
  /** Set when adaptation replaced the selector's model. */
  adapted?: boolean;
  /** The router picks among these by hash or tree order: no determined model. */
  tied?: string[];
  tie?: 'votes' | 'distance';
  /** MLP: winning logit minus the runner-up. */
  margin?: number;
  /** Why a selector fell back to the first modelRef. */
  fallback?: string;
}

const MODELLED_ALGORITHMS = ['static', 'mlp', 'knn', 'confidence'];

export class RouterModel {
  private readonly keywords: CompiledKeywordRule[];
  private readonly domains: (DomainSpec & ScoredDomain)[];
  private readonly translation: Map<string, string>;
  private readonly cards = new Map<string, CardInfo>();
  private readonly prices = new Map<string, number>();
  private readonly mlp?: RouterMlp;
  private readonly knn?: RouterKnn;

  constructor(
    readonly config: ModelledConfig,
    artifacts: { mlp?: MlpJson; knn?: KnnJson } = {},
  ) {
    this.keywords = (config.routing.signals?.keywords ?? []).map(compileKeywordRule);
    this.domains = config.routing.signals?.domains ?? [];
    this.translation = domainTranslation(this.domains);
    for (const d of config.routing.decisions) {
      const t = d.algorithm?.type ?? 'static';
      if (!MODELLED_ALGORITHMS.includes(t)) throw new Error(`decision "${d.name}": algorithm "${t}" is not modelled`);
    }
    for (const m of config.providers.models) {
      const p = m.pricing;
      this.prices.set(m.name, p ? p.prompt_per_1m + p.completion_per_1m : 0);
    }
    for (const c of config.routing.modelCards ?? [])
      this.cards.set(c.name, {
        ...(c.param_size !== undefined ? { param_size: c.param_size } : {}),
        ...(c.quality_score !== undefined ? { quality_score: c.quality_score } : {}),
        prompt_per_1m: config.providers.models.find((m) => m.name === c.name)?.pricing?.prompt_per_1m ?? 0,
      });
    if (artifacts.mlp) this.mlp = new RouterMlp(artifacts.mlp);
    if (artifacts.knn) this.knn = new RouterKnn(artifacts.knn, config.global?.router?.model_selection?.ml?.knn?.k ?? 0);
  }

  get defaultModel(): string {
    return this.config.providers.defaults.default_model;
  }

  /** The query text the ML selectors embed ('' = none: they fall back). */
  static queryText(messages: readonly ChatMessage[]): string {
    return requestTexts(messages).query;
  }

  /** The decision a request matches (null: none, the default model serves it). */
  decide(req: RouterRequest): { decision: ModelledDecision; rules: string[] } | null {
    const { signal } = requestTexts(req.messages);
    if (signal === '') return null;
    const matches = matchingDecisions(
      this.config.routing.decisions,
      {
        keywords: matchKeywords(this.keywords, signal),
        domains: req.domainLabel === undefined ? [] : detectedDomains(req.domainLabel, this.translation),
      },
      this.domains,
    );
    const best = bestDecision(matches, this.config.routing.strategy ?? 'priority');
    return best ? { decision: best.decision, rules: best.rules } : null;
  }

  /** The model the router serves. `betaDraw` samples Beta(a, b) for routing_sampling (omit: posterior means). */
  route(req: RouterRequest, betaDraw?: (a: number, b: number) => number): RouteResult {
    const hit = this.decide(req);
    if (!hit) return { decision: null, model: this.defaultModel, via: 'default' };
    const d = hit.decision;
    const refs = d.modelRefs.map((r) => r.model);
    if (refs.length === 0) return { decision: d.name, model: this.defaultModel, via: 'default' };
    const type = d.algorithm?.type ?? 'static';
    if (type === 'confidence') {
      const first = escalationOrder(refs, d.algorithm?.confidence?.escalation_order, this.cards)[0]!;
      return { decision: d.name, model: first, via: 'confidence' };
    }
    const base = this.select(d, refs, hit.rules, req);
    return this.adapt(d, refs, base, betaDraw);
  }

  private select(d: ModelledDecision, refs: string[], rules: string[], req: RouterRequest): RouteResult {
    const fallback = (why: string): RouteResult => ({
      decision: d.name,
      model: refs[0]!,
      via: 'fallback',
      fallback: why,
    });
    if (refs.length === 1) return { decision: d.name, model: refs[0]!, via: 'single' };
    const type = d.algorithm?.type ?? 'static';
    if (type === 'static') return { decision: d.name, model: selectStatic(d.name, refs, this.domains), via: 'static' };
    const selector = type === 'mlp' ? this.mlp : this.knn;
    if (!selector) return fallback(`${type}: no pretrained model loaded`);
    const query = RouterModel.queryText(req.messages);
    if (query === '' || !req.embedding || req.embedding.length === 0) return fallback(`${type}: no query embedding`);
    const x = routerFeatureVector(req.embedding, decisionCategory(rules));
    const p = selector.predict(x);
    if (p.error !== undefined || p.model === undefined) return fallback(`${type}: ${p.error}`);
    if (!refs.includes(p.model)) return fallback(`${type}: selected ${p.model}, not a candidate`);
    const out: RouteResult = { decision: d.name, model: p.model, via: type as 'mlp' | 'knn' };
    if ('margin' in p) out.margin = p.margin;
    if ('tied' in p && p.tied) {
      out.tied = p.tied.filter((m) => refs.includes(m));
      if (p.tie) out.tie = p.tie;
    }
    return out;
  }

  private adapt(
    d: ModelledDecision,
    refs: string[],
    base: RouteResult,
    betaDraw?: (a: number, b: number) => number,
  ): RouteResult {
    const learning = this.config.global?.router?.learning;
    if (!learning?.enabled || learning.adaptation?.enabled === false) return base;
    const decisionMode = d.adaptations?.mode ?? 'apply';
    const inner = d.adaptations?.adaptation?.mode;
    const mode: Mode =
      decisionMode === 'bypass' || inner === undefined
        ? decisionMode
        : decisionMode === 'observe' && inner === 'apply'
          ? 'observe'
          : inner;
    const settings: AdaptationSettings = {
      mode,
      candidateSet: d.adaptations?.adaptation?.candidate_set ?? learning.adaptation?.candidate_set ?? 'decision',
    };
    if (settings.candidateSet !== 'decision')
      throw new Error(`decision "${d.name}": candidate_set "${settings.candidateSet}" is not modelled`);
    const candidates = refs.map((m) => ({
      model: m,
      price: this.prices.get(m) ?? 0,
      ...(this.cards.get(m)?.quality_score !== undefined ? { qualityScore: this.cards.get(m)!.quality_score! } : {}),
    }));
    const a = routingSampling(base.model, candidates, settings, betaDraw);
    return a.changed ? { ...base, model: a.model, adapted: true, tied: undefined } : base;
  }
}
