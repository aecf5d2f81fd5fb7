/**
 * Export benchmarks (issue 10), `npm run bench -- --only export`:
 *
 * - deployed agreement: every exportable learner, trained on synthetic task texts the way
 *   `wrp train` would (table learners and the cascade with --signals builtin:synthetic, the
 *   linear, neural and knn learners on the router's layout over a stand-in embedding
 *   endpoint), exported; the router model's choice against the policy's greedy choice on
 *   10,000 held-out contexts, decisions reached / total, undetermined and near-tie requests,
 *   and the export's wall time (goal: agreement >= 99%, every decision reachable). A policy
 *   trained on workload labels is the reference row: what exports did before;
 * - router-model decision latency: p50/p99 of RouterModel.route() per request for a keyword
 *   (static) config, an mlp and a knn config, against the in-harness policy's own greedy
 *   decision on the same contexts in the same run (the ratio is the figure);
 * - the wall time of exporting a 10,000-point knn model.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadExperiment } from '../harness/runner/config.ts';
import type { RoutingContext } from '../harness/types.ts';
import { initTf } from '../learners/rl/backend.ts';
import type { PolicyFile } from '../learners/types.ts';
import { ExportError, exportPolicy, type ExportResult } from '../learners/export/export.ts';
import { modelFromFile } from '../learners/export/load-model.ts';
import { RouterModel } from '../learners/export/router-model/route.ts';
import { validateRouterConfig } from '../learners/export/sr-schema.ts';
import { EmbeddingClient } from '../learners/features/embeddings.ts';
import { contextSets } from '../learners/export/values.ts';
import {
  cascadePolicy,
  embeddingServer,
  knnPolicy,
  routerFeatures,
  tempDir,
  trainPolicy,
  writeExperiment,
  writePolicy,
} from '../learners/export/testing.ts';

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const q = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

export type AgreementRow = {
  learner: string;
  'deployed agreement': string;
  decisions: string;
  undetermined: number;
  'near-tie': number;
  'export s': string;
  goal: string;
};

async function agreementRow(
  label: string,
  file: PolicyFile,
  dir: string,
  experiment: string,
  extra: { allowLowFidelity?: boolean } = {},
): Promise<{ row: AgreementRow; result?: ExportResult }> {
  const out = join(dir, `out-${label.replace(/[^a-z0-9]+/gi, '-')}`);
  try {
    const r = await exportPolicy({
      policy: writePolicy(dir, file, label.replace(/[^a-z0-9]+/gi, '-')),
      experiment,
      out,
      ...extra,
    });
    const d = r.deployed;
    const reached = d.decisions.filter((x) => x.reachable && x.contexts > 0).length;
    return {
      row: {
        learner: label,
        'deployed agreement': pct(d.agreement),
        decisions: `${reached}/${d.decisions.length}`,
        undetermined: d.undetermined,
        'near-tie': d.fragile,
        'export s': r.seconds.toFixed(2),
        goal: d.pass ? 'met' : 'MISSED',
      },
      result: r,
    };
  } catch (e) {
    if (!(e instanceof ExportError)) throw e;
    const m = /deployed agreement ([\d.]+%)/.exec(e.message);
    return {
      row: {
        learner: label,
        'deployed agreement': m ? `${m[1]} (refused)` : 'refused',
        decisions: '-',
        undetermined: 0,
        'near-tie': 0,
        'export s': '-',
        goal: 'MISSED',
      },
    };
  }
}

type LatencyRow = {
  config: string;
  'router p50 us': string;
  'router p99 us': string;
  'policy p50 us': string;
  'policy p99 us': string;
  'router / policy (p50)': string;
};

/** Per-request time of fn over the contexts (3 rounds; the median round's percentiles). */
function time(ctxs: readonly RoutingContext[], fn: (c: RoutingContext) => unknown): { p50: number; p99: number } {
  for (const c of ctxs.slice(0, 500)) fn(c); // warm-up
  const rounds: { p50: number; p99: number }[] = [];
  for (let r = 0; r < 3; r++) {
    const us = ctxs.map((c) => {
      const t = process.hrtime.bigint();
      fn(c);
      return Number(process.hrtime.bigint() - t) / 1000;
    });
    us.sort((a, b) => a - b);
    rounds.push({ p50: q(us, 50), p99: q(us, 99) });
  }
  rounds.sort((a, b) => a.p50 - b.p50);
  return rounds[1]!;
}

async function latencyRow(
  name: string,
  r: ExportResult,
  file: PolicyFile,
  ctxs: RoutingContext[],
): Promise<LatencyRow> {
  const config = validateRouterConfig(parseYaml(readFileSync(join(r.out, 'config.yaml'), 'utf8')));
  const read = (f: string) => JSON.parse(readFileSync(join(r.out, f), 'utf8')) as never;
  const router = new RouterModel(config, {
    ...(r.files.includes('mlp_model.json') ? { mlp: read('mlp_model.json') } : {}),
    ...(r.files.includes('knn_model.json') ? { knn: read('knn_model.json') } : {}),
  });
  const endpoint = config.global?.model_catalog?.embeddings.semantic.endpoint;
  const client = endpoint
    ? new EmbeddingClient({ url: endpoint.base_url, model: endpoint.model, normalize: false })
    : undefined;
  const queries = ctxs.map((c) => RouterModel.queryText(c.messages));
  if (client) await client.embedMany([...new Set(queries.filter((x) => x !== ''))]);
  const requests = ctxs.map((c, i) => {
    const e = client && queries[i] !== '' ? client.get(queries[i]!) : undefined;
    return { messages: c.messages, ...(e ? { embedding: e } : {}) };
  });
  const model = await modelFromFile(file, name, []);
  await model.prepare(ctxs);
  let i = 0;
  const rt = time(ctxs, () => router.route(requests[i++ % requests.length]!));
  const pt = time(ctxs, (c) => model.greedy(c));
  model.dispose();
  return {
    config: name,
    'router p50 us': rt.p50.toFixed(1),
    'router p99 us': rt.p99.toFixed(1),
    'policy p50 us': pt.p50.toFixed(1),
    'policy p99 us': pt.p99.toFixed(1),
    'router / policy (p50)': (rt.p50 / pt.p50).toFixed(2),
  };
}

export async function exportBench(): Promise<{
  agreement: AgreementRow[];
  latency: LatencyRow[];
  knnExport: Record<string, unknown>[];
}> {
  await initTf({ log: () => {} });
  const dir = tempDir('wrp-bench-export-');
  const server = await embeddingServer(64);
  try {
    const experiment = writeExperiment(dir);
    const router = routerFeatures(server.url, 64);
    const signals = { signals: 'builtin:synthetic' };
    const learners: [string, () => Promise<PolicyFile>][] = [
      [
        'static',
        async () => ({
          ...(
            await trainPolicy(
              'static',
              { map: { math: 'medium', code: 'large' }, default: 'small' },
              { steps: 10, ...signals },
            )
          ).save(),
        }),
      ],
      ['beta_thompson', async () => (await trainPolicy('beta_thompson', {}, signals)).save()],
      ['ucb1', async () => (await trainPolicy('ucb1', {}, signals)).save()],
      ['epsilon_greedy', async () => (await trainPolicy('epsilon_greedy', {}, signals)).save()],
      ['best_single', async () => (await trainPolicy('best_single')).save()],
      ['linucb (router layout, 64-d)', async () => (await trainPolicy('linucb', { features: router })).save()],
      [
        'lin_thompson (router layout, 64-d)',
        async () => (await trainPolicy('lin_thompson', { features: router })).save(),
      ],
      [
        'neural 32 hidden (router layout)',
        async () => (await trainPolicy('neural', { hidden_sizes: [32], features: router }, { steps: 800 })).save(),
      ],
      ['knn k=7 (router layout)', async () => (await knnPolicy({ k: 7, features: router }, 1500)).save()],
      ['cascade (3 levels)', async () => cascadePolicy()],
    ];
    const agreement: AgreementRow[] = [];
    const exported = new Map<string, { r: ExportResult; file: PolicyFile }>();
    for (const [label, make] of learners) {
      const file = await make();
      const { row, result } = await agreementRow(label, file, dir, experiment);
      agreement.push(row);
      if (result) exported.set(label, { r: result, file });
    }
    // Reference: trained on workload labels, the routes recover them only on first turns.
    agreement.push(
      (
        await agreementRow(
          'beta_thompson on workload labels (reference)',
          (await trainPolicy('beta_thompson')).save(),
          dir,
          experiment,
        )
      ).row,
    );

    const e = loadExperiment(experiment);
    const sets = contextSets(e, experiment, ['math', 'code', 'chitchat', 'summarize'], [], 10_000, 99, () => {}, false);
    const ctxs = [...sets.workload, ...sets.generic];
    const latency: LatencyRow[] = [];
    for (const [label, name] of [
      ['beta_thompson', 'static (keyword routes)'],
      ['linucb (router layout, 64-d)', 'mlp (linear, 64-d embedding)'],
      ['knn k=7 (router layout)', 'knn (k=7)'],
    ] as const) {
      const x = exported.get(label);
      if (x) latency.push(await latencyRow(name, x.r, x.file, ctxs));
    }

    const knnExport: Record<string, unknown>[] = [];
    const file = (await knnPolicy({ k: 10, features: router, max_points: 10_000 }, 30_000)).save();
    const out = join(dir, 'out-knn10k');
    const r = await exportPolicy({ policy: writePolicy(dir, file, 'knn10k'), experiment, out, allowLowFidelity: true });
    knnExport.push({
      points: (file.parameters as { points: unknown[] }).points.length,
      'feature dim': file.features.dim,
      'export s (incl. the 10,000-context check)': r.seconds.toFixed(2),
      'deployed agreement': pct(r.deployed.agreement),
    });
    return { agreement, latency, knnExport };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
