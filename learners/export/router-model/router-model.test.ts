/**
 * The router model against the semantics of the router's source (router-model/release.ts):
 * each case is a behaviour read off the Go/Rust code cited in the module it tests, including
 * the quirks that made earlier exports unfaithful (the `other` collapse, first-candidate
 * static selection, last-max MLP ties, raw-L2 kNN votes, cold-start sampling).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng.ts';
import { routingSampling } from './adaptation.ts';
import { bestDecision, matchingDecisions } from './decisions.ts';
import { unreachableByDomain } from './reachability.ts';
import { RouterModel, type ModelledConfig } from './route.ts';
import { escalationOrder, parseParamSize } from './select-confidence.ts';
import { RouterKnn } from './select-knn.ts';
import { RouterMlp } from './select-mlp.ts';
import { selectStatic } from './select-static.ts';
import { compileKeywordRule, detectedDomains, domainTranslation, requestTexts } from './signals.ts';

const user = (content: string) => ({ role: 'user' as const, content });

describe('signals', () => {
  it('reads the last non-empty user message, else the non-user messages', () => {
    expect(requestTexts([user('first'), { role: 'assistant', content: 'a' }, user('second'), user('')])).toEqual({
      query: 'second',
      signal: 'second',
    });
    expect(requestTexts([{ role: 'system', content: 'sys' }, { role: 'assistant', content: 'ans' }, user('')])).toEqual(
      {
        query: '',
        signal: 'sys ans',
      },
    );
  });

  it('keywords: literal, word-bounded, case-insensitive by default; AND / OR / NOR', () => {
    const or = compileKeywordRule({ name: 'm', operator: 'OR', keywords: ['math', 'sum(x)'] });
    expect(or.matches('Some MATH here')).toBe(true);
    expect(or.matches('mathematics')).toBe(false); // \bmath\b
    expect(or.matches('sum(x)y')).toBe(true); // quoted, not a regex group
    // \b...\b also wraps keywords that end in punctuation: after ")" a word character must follow.
    expect(or.matches('compute sum(x) now')).toBe(false);
    const cs = compileKeywordRule({ name: 'c', operator: 'OR', keywords: ['SQL'], case_sensitive: true });
    expect(cs.matches('write sql')).toBe(false);
    expect(cs.matches('write SQL')).toBe(true);
    const and = compileKeywordRule({ name: 'a', operator: 'AND', keywords: ['write', 'function'] });
    expect(and.matches('Write a function')).toBe(true);
    expect(and.matches('Write a poem')).toBe(false);
    const nor = compileKeywordRule({ name: 'n', operator: 'NOR', keywords: ['code'] });
    expect(nor.matches('hello')).toBe(true);
    expect(nor.matches('some code')).toBe(false);
    // No \b around keywords without word characters, nor around Han text.
    expect(compileKeywordRule({ name: 'p', operator: 'OR', keywords: ['?!'] }).matches('what?!')).toBe(true);
    expect(compileKeywordRule({ name: 'h', operator: 'OR', keywords: ['数学'] }).matches('学数学题')).toBe(true);
    expect(() => compileKeywordRule({ name: 'x', operator: 'OR', keywords: ['a'], method: 'bm25' })).toThrow(
      /not modelled/,
    );
  });

  it('domain labels: the last domain listing a label claims it; unlisted labels keep their name', () => {
    const domains = [
      { name: 'chitchat', mmlu_categories: ['other'] },
      { name: 'code', mmlu_categories: ['computer science'] },
      { name: 'summarize', mmlu_categories: ['other'] },
    ];
    const t = domainTranslation(domains);
    expect(detectedDomains('other', t)).toEqual(['summarize']);
    expect(detectedDomains('computer science', t)).toEqual(['code']);
    expect(detectedDomains('physics', t)).toEqual(['physics']);
  });
});

const cfg = (
  decisions: ModelledConfig['routing']['decisions'],
  extra: Partial<ModelledConfig['routing']> = {},
): ModelledConfig => ({
  providers: {
    defaults: { default_model: 'small' },
    models: [
      { name: 'small', pricing: { prompt_per_1m: 0.1, completion_per_1m: 0.1 } },
      { name: 'large', pricing: { prompt_per_1m: 1, completion_per_1m: 1 } },
    ],
  },
  routing: { decisions, ...extra },
});

describe('decisions', () => {
  it('priority, then confidence, then name; a decision without rules matches everything at confidence 0', () => {
    const ds = [
      { name: 'b', priority: 5, rules: { operator: 'OR', conditions: [{ type: 'keyword', name: 'k' }] } },
      { name: 'a', priority: 5, rules: { operator: 'OR', conditions: [{ type: 'keyword', name: 'k' }] } },
      { name: 'all', priority: 0 },
    ];
    const m = matchingDecisions(ds, { keywords: ['k'], domains: [] });
    expect(m.map((x) => x.decision.name)).toEqual(['b', 'a', 'all']);
    expect(bestDecision(m)!.decision.name).toBe('a');
    expect(bestDecision(m, 'confidence')!.decision.name).toBe('a');
    expect(bestDecision(matchingDecisions(ds, { keywords: [], domains: [] }))!.decision.name).toBe('all');
  });

  it('AND averages confidences; NOT needs exactly one child', () => {
    const and = {
      name: 'x',
      rules: {
        operator: 'AND',
        conditions: [
          { type: 'keyword', name: 'a' },
          { type: 'keyword', name: 'b' },
        ],
      },
    };
    const not = { name: 'y', rules: { operator: 'NOT', conditions: [{ type: 'keyword', name: 'a' }] } };
    const bad = {
      name: 'z',
      rules: {
        operator: 'NOT',
        conditions: [
          { type: 'keyword', name: 'a' },
          { type: 'keyword', name: 'b' },
        ],
      },
    };
    const s = { keywords: ['a'], domains: [] };
    expect(matchingDecisions([and, not, bad], s).map((x) => x.decision.name)).toEqual([]);
    expect(matchingDecisions([and, not, bad], { keywords: [], domains: [] }).map((x) => x.decision.name)).toEqual([
      'y',
    ]);
  });

  it('a domain-per-category export: only the last decision claiming "other" is reachable', () => {
    const cats = ['chitchat', 'summarize', 'extraction', 'classification'];
    const config = cfg(
      cats.map((c, i) => ({
        name: `route-${c}`,
        priority: 100 - i,
        rules: { operator: 'OR', conditions: [{ type: 'domain', name: c }] },
        modelRefs: [{ model: 'small' }],
      })),
      { signals: { domains: cats.map((c) => ({ name: c, mmlu_categories: ['other'] })) } },
    );
    expect(unreachableByDomain(new RouterModel(config))).toEqual([
      'route-chitchat',
      'route-summarize',
      'route-extraction',
    ]);
  });
});

describe('selectors', () => {
  it('static: the first candidate unless a domain named like the decision scores another higher, and never when the best is 1.0', () => {
    expect(selectStatic('d', ['a', 'b'], [])).toBe('a');
    expect(
      selectStatic(
        'd',
        ['a', 'b'],
        [
          {
            name: 'd',
            model_scores: [
              { model: 'a', score: 0.5 },
              { model: 'b', score: 0.9 },
            ],
          },
        ],
      ),
    ).toBe('b');
    expect(
      selectStatic(
        'd',
        ['a', 'b'],
        [
          {
            name: 'd',
            model_scores: [
              { model: 'a', score: 0.5 },
              { model: 'b', score: 1 },
            ],
          },
        ],
      ),
    ).toBe('a');
  });

  it('mlp: float32 forward pass, equal logits go to the last index, a width mismatch is an error', () => {
    const m = new RouterMlp({
      algorithm: 'mlp',
      trained: true,
      model_names: ['a', 'b', 'c'],
      feature_dim: 2,
      layers: [
        {
          type: 'linear',
          in_features: 2,
          out_features: 2,
          weight: [
            [1, 0],
            [0, 1],
          ],
          bias: [0, 0],
        },
        { type: 'relu' },
        { type: 'dropout', p: 0.1 },
        {
          type: 'linear',
          in_features: 2,
          out_features: 3,
          weight: [
            [1, 0],
            [1, 0],
            [0, 1],
          ],
          bias: [0, 0, 0],
        },
      ],
    });
    expect(m.predict([2, 1]).model).toBe('b'); // logits [2, 2, 1]: the last maximum
    expect(m.predict([-1, 3]).model).toBe('c');
    expect(m.predict([1, 2, 3]).error).toMatch(/Feature dimension mismatch/);
  });

  it('knn: raw L2 (no normalisation), quality-and-latency votes, hash-order ties reported', () => {
    const json = {
      trained: true,
      k: 1,
      embeddings: [
        [10, 0],
        [0.5, 0.5],
      ],
      labels: ['far-but-aligned', 'near'],
      qualities: [0.9, 0.2],
      latencies: [100, 200],
    };
    // Cosine would pick [10, 0] for the query [1, 0.1]; raw L2 picks the nearer [0.5, 0.5].
    expect(new RouterKnn(json).predict([1, 0.1]).model).toBe('near');
    const tie = new RouterKnn({
      trained: true,
      k: 2,
      embeddings: [[0], [0]],
      labels: ['a', 'b'],
      qualities: [0.5, 0.5],
      latencies: [7, 7],
    });
    expect(tie.predict([1]).tied).toEqual(['a', 'b']);
    // 0.9 * max(q, 0.01) + 0.1 * (1 - normalised latency): a slow high-quality vote beats a fast poor one.
    const v = new RouterKnn({
      trained: true,
      k: 2,
      embeddings: [[0], [0.1]],
      labels: ['fast', 'good'],
      qualities: [0.3, 0.5],
      latencies: [0, 1000],
    });
    expect(v.predict([0]).model).toBe('good'); // 0.27 + 0.1 = 0.37 vs 0.45 + 0 = 0.45
    // A boundary tie only matters when the tied points disagree.
    const b = new RouterKnn({
      trained: true,
      k: 1,
      embeddings: [[1], [-1]],
      labels: ['x', 'y'],
      qualities: [0.5, 0.5],
      latencies: [0, 0],
    });
    expect(b.predict([0]).tied).toEqual(['x', 'y']);
  });

  it('confidence: escalation by parameter size (unknown = 0, stable), declared keeps the order', () => {
    expect(parseParamSize('70B')).toBe(70_000);
    expect(parseParamSize('500m')).toBe(500);
    expect(parseParamSize('huge')).toBe(0);
    const cards = new Map([
      ['big', { param_size: '70B' }],
      ['mid', { param_size: '8B' }],
    ]);
    expect(escalationOrder(['big', 'mid', 'unknown'], 'small_to_large', cards)).toEqual(['unknown', 'mid', 'big']);
    expect(escalationOrder(['big', 'mid'], 'declared', cards)).toEqual(['big', 'mid']);
  });
});

describe('routing_sampling adaptation (fresh router)', () => {
  const cands = [
    { model: 'small', price: 0.2, qualityScore: 0.6 },
    { model: 'large', price: 2, qualityScore: 0.9 },
  ];
  it('posterior means with margins keep the base unless another candidate beats it after its cost', () => {
    // means: small (2*0.6+1)/4 = 0.55 - 0.004; large 0.7 - 0.04: large wins by more than its extra cost.
    expect(routingSampling('small', cands, { mode: 'apply', candidateSet: 'decision' }, undefined).model).toBe('large');
    expect(routingSampling('small', cands, { mode: 'observe', candidateSet: 'decision' }, undefined).model).toBe(
      'small',
    );
    expect(routingSampling('small', cands, { mode: 'bypass', candidateSet: 'decision' }, undefined).model).toBe(
      'small',
    );
  });

  it('sampling: every model is cold, the top sampled score wins, so the base often loses', () => {
    const rng = new Rng(3);
    let kept = 0;
    for (let i = 0; i < 2000; i++)
      if (
        routingSampling('small', cands, { mode: 'apply', candidateSet: 'decision' }, (a, b) => rng.beta(a, b)).model ===
        'small'
      )
        kept++;
    expect(kept / 2000).toBeGreaterThan(0.2);
    expect(kept / 2000).toBeLessThan(0.45);
  });

  it('RouterModel: no text or no match serves the default; learning off leaves the selector alone', () => {
    const config = cfg(
      [
        {
          name: 'k',
          priority: 1,
          rules: { operator: 'OR', conditions: [{ type: 'keyword', name: 'kw' }] },
          modelRefs: [{ model: 'large' }, { model: 'small' }],
        },
      ],
      { signals: { keywords: [{ name: 'kw', operator: 'OR', keywords: ['code'] }] } },
    );
    const m = new RouterModel(config);
    expect(m.route({ messages: [user('')] })).toMatchObject({ decision: null, model: 'small', via: 'default' });
    expect(m.route({ messages: [user('a poem')] })).toMatchObject({ decision: null, model: 'small' });
    expect(m.route({ messages: [user('some code')] })).toMatchObject({ decision: 'k', model: 'large', via: 'static' });
    // With adaptation on and no quality scores, both priors are Beta(2, 2): the cheaper model wins.
    const online = new RouterModel({
      ...config,
      global: { router: { learning: { enabled: true, adaptation: { enabled: true } } } },
    });
    expect(online.route({ messages: [user('some code')] })).toMatchObject({ model: 'small', adapted: true });
  });
});
