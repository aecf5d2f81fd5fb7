/**
 * Deployed agreement: on held-out contexts, the model the router serves under the exported
 * files (router-model/, reading config.yaml and the ML artifacts back from disk) against the
 * policy's greedy choice, overall and per decision, with the causes of every disagreement.
 * A request the router decides by hash or tree order (tied kNN votes) counts 1/|tied| when
 * the policy's model is among the tied ones: the router's coin flip, never luck.
 *
 * Reachability is checked by construction too: every keyword decision must be reached by a
 * probe text made of its own keywords, and the catch-all by a text no route matches.
 *
 * ML selectors embed the query text: the router's embedding of each context is fetched from
 * the endpoint config.yaml names, with a client of its own (float32 as the router keeps it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { RoutingContext } from '../../harness/types.ts';
import { WrpError } from '../../core/errors.ts';
import { Rng } from '../../core/rng.ts';
import { EmbeddingClient } from '../features/embeddings.ts';
import { releaseLabel } from './router-model/release.ts';
import { RouterModel, type RouteResult } from './router-model/route.ts';
import { validateRouterConfig } from './sr-schema.ts';
import type { KnnJson } from './router-model/select-knn.ts';
import type { MlpJson } from './router-model/select-mlp.ts';
import type { DecisionPlan } from './decision-plan.ts';
import type { ExportModel } from './types.ts';

export const AGREEMENT_GOAL = 0.99;
/** An MLP winner this close to the runner-up may flip under candle's float32 summation order. */
const FRAGILE_MARGIN = 1e-5;

export interface DecisionRow {
  decision: string;
  category: string;
  contexts: number;
  agreement: number | null;
  reachable: boolean;
}

export interface DeployedReport {
  router: string;
  contexts: number;
  /** Expected share of contexts where the router serves the policy's greedy choice. */
  agreement: number;
  goal: number;
  decisions: DecisionRow[];
  /** Contexts the router serves with default_model without a decision (no text at all). */
  noDecision: number;
  unreachable: string[];
  /** Contexts whose model the router leaves to hash or tree order. */
  undetermined: number;
  /** MLP contexts whose winning logit is within 1e-5 of the runner-up. */
  fragile: number;
  /** Disagreements by cause (share of all contexts), largest first. */
  causes: { cause: string; share: number }[];
  /** With online adaptation: agreement of the router's posterior-mean choice (no sampling). */
  meanChoiceAgreement?: number;
  pass: boolean;
}

export interface DeployedOptions {
  dir: string;
  plans: DecisionPlan[];
  /** Router model name per action. */
  names: string[];
  /** Seed of the Beta draws standing in for routing_sampling's. */
  seed?: number;
}

/**
 * The router as the written files make it: config.yaml (re-validated), the ML artifacts its
 * pretrained_path names, and a client of the embedding endpoint it points the router at.
 */
function loadExport(dir: string): { router: RouterModel; client?: EmbeddingClient } {
  const file = join(dir, 'config.yaml');
  const config = validateRouterConfig(parseYaml(readFileSync(file, 'utf8')), file);
  const read = <T>(f: string): T => JSON.parse(readFileSync(join(dir, f), 'utf8')) as T;
  const ml = config.global?.router?.model_selection?.ml;
  const router = new RouterModel(config, {
    ...(ml?.mlp ? { mlp: read<MlpJson>(ml.mlp.pretrained_path) } : {}),
    ...(ml?.knn ? { knn: read<KnnJson>(ml.knn.pretrained_path) } : {}),
  });
  const e = config.global?.model_catalog?.embeddings.semantic.endpoint;
  if (!e) return { router };
  const apiKey = e.api_key_env ? process.env[e.api_key_env] : undefined;
  const client = new EmbeddingClient({
    url: e.base_url,
    model: e.model,
    normalize: false,
    batchSize: 128,
    cacheSize: 200_000,
    ...(apiKey ? { apiKey } : {}),
  });
  return { router, client };
}

/** A text that reaches a keyword plan's decision, if its own keywords can. */
function probes(plan: DecisionPlan): string[] {
  const k = plan.keyword;
  if (!k) return ['wrp reachability probe', 'zq', '0'];
  if (k.operator === 'AND') return [k.keywords.join(' ')];
  if (k.operator === 'NOR') return ['wrp reachability probe', 'zq', '0'];
  return k.keywords;
}

export async function deployedAgreement(
  model: ExportModel,
  ctxs: readonly RoutingContext[],
  o: DeployedOptions,
): Promise<DeployedReport> {
  const { router, client } = loadExport(o.dir);
  const policyName = (i: number) => o.names[i] ?? String(i);
  const online = router.config.global?.router?.learning?.adaptation?.enabled === true;
  const rng = new Rng(o.seed ?? 17);
  const draw = (a: number, b: number) => rng.beta(a, b);

  const queries = ctxs.map((c) => RouterModel.queryText(c.messages));
  try {
    if (client) await client.embedMany([...new Set(queries.filter((q) => q !== ''))]);
    await model.prepare([...ctxs]);
  } catch (e) {
    if (e instanceof WrpError) throw e;
    throw new WrpError(
      'WRP_POOL_UNREACHABLE',
      `the deployed-agreement check embeds ${ctxs.length} held-out queries with the endpoint the policy was trained on (and config.yaml points the router at): ${(e as Error).message}`,
      { cause: e },
    );
  }

  const perDecision = new Map<string, { n: number; agree: number }>();
  const causes = new Map<string, number>();
  let agree = 0;
  let meanAgree = 0;
  let noDecision = 0;
  let undetermined = 0;
  let fragile = 0;
  const planOf = new Map(o.plans.map((p) => [p.name, p]));
  ctxs.forEach((ctx, i) => {
    const embedding = client && queries[i] !== '' ? client.get(queries[i]!) : undefined;
    const req = { messages: ctx.messages, ...(embedding ? { embedding } : {}) };
    const r: RouteResult = online ? router.route(req, draw) : router.route(req);
    const want = policyName(model.greedy(ctx));
    let score: number;
    if (r.tied && r.tied.length > 1) {
      undetermined++;
      score = r.tied.includes(want) ? 1 / r.tied.length : 0;
    } else score = r.model === want ? 1 : 0;
    if (r.margin !== undefined && r.margin < FRAGILE_MARGIN) fragile++;
    agree += score;
    if (online) meanAgree += router.route(req).model === want ? 1 : 0;
    if (r.decision === null) noDecision++;
    const key = r.decision ?? '(default_model: no text)';
    const row = perDecision.get(key) ?? { n: 0, agree: 0 };
    row.n++;
    row.agree += score;
    perDecision.set(key, row);
    if (score < 1) {
      const plan = r.decision ? planOf.get(r.decision) : undefined;
      const seen = model.signals ? model.signals.categoryOf(ctx.messages) : ctx.labels.category;
      let cause: string;
      if (r.via === 'fallback')
        cause = `the ${r.fallback?.split(':')[0]} selector fell back to the first modelRef (${r.fallback?.split(': ').slice(1).join(': ')})`;
      else if (r.adapted)
        cause = "routing_sampling adaptation replaced the selector's model (online learning explores)";
      else if (r.tied)
        cause =
          r.tie === 'distance'
            ? "the k-th and (k+1)-th neighbours are equally far: the router's BallTree order decides"
            : 'equal kNN vote totals: the router picks by HashMap order (random)';
      else if (plan && plan.category !== '*' && plan.category !== seen)
        cause = `the router's keyword signals put the request in "${plan.category}", the policy decides on its category "${seen}"`;
      else if (r.decision === null) cause = 'the request has no text: the router serves default_model';
      else cause = `the ${r.via} selector picked another model than the policy`;
      causes.set(cause, (causes.get(cause) ?? 0) + (1 - score));
    }
  });

  const n = ctxs.length;
  const unreachable = o.plans
    .filter(
      (p) =>
        !probes(p).some((t) => router.decide({ messages: [{ role: 'user', content: t }] })?.decision.name === p.name),
    )
    .map((p) => p.name);
  const decisions: DecisionRow[] = o.plans.map((p) => {
    const row = perDecision.get(p.name);
    return {
      decision: p.name,
      category: p.category,
      contexts: row?.n ?? 0,
      agreement: row ? row.agree / row.n : null,
      reachable: !unreachable.includes(p.name),
    };
  });
  const agreement = n > 0 ? agree / n : 0;
  return {
    router: releaseLabel(),
    contexts: n,
    agreement,
    goal: AGREEMENT_GOAL,
    decisions,
    noDecision,
    unreachable,
    undetermined,
    fragile,
    causes: [...causes].map(([cause, c]) => ({ cause, share: c / Math.max(1, n) })).sort((a, b) => b.share - a.share),
    ...(online ? { meanChoiceAgreement: meanAgree / Math.max(1, n) } : {}),
    pass: n > 0 && agreement >= AGREEMENT_GOAL && unreachable.length === 0,
  };
}

/** One line per cause for a refusal or a warning. */
export function describeCauses(r: DeployedReport, top = 3): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const parts = r.causes.slice(0, top).map((c) => `${pct(c.share)}: ${c.cause}`);
  if (r.unreachable.length > 0) parts.push(`unreachable decisions: ${r.unreachable.join(', ')}`);
  return parts.join('; ') || 'no disagreement';
}
