/**
 * RouterBench (data via WRP_DATA_DIR): ARC + Winogrande, gpt-4 vs mixtral, APGR and
 * CPT(50%) for the pre-generation learners and for the response-aware cascade (which also
 * pays the weak call); 11 models: AIQ vs the zero router.
 */
import type { DatasetRow } from '../datasets/types.ts';
import { loadDataset, poolNameOf } from '../learners/train/data-source.ts';
import { evaluateOnDataset } from '../learners/train/evaluate.ts';
import { qualityCostReward, trainOnRows, type DatasetTask } from '../learners/train/offline.ts';
import { ResponseCascadePolicy, type CascadeFeedback } from '../learners/rl/response-cascade.ts';
import { replayResponseCascade, twoLevelCurve, type TwoLevelCurve } from '../learners/rl/response-cascade-sim.ts';
import { mulberry32 } from '../core/rng.ts';
import { build, categoriesOf, DATASET_LEARNERS, label, mean } from './learners.ts';

export function routerBenchPairBench(): Record<string, unknown>[] {
  const models = ['gpt-4-1106-preview', 'mistralai/mixtral-8x7b-chat'];
  const files = ['arc_challenge', 'winograde'];
  const train = loadDataset({ kind: 'dataset', name: 'routerbench', split: 'train', files, models });
  const test = loadDataset({ kind: 'dataset', name: 'routerbench', split: 'test', files, models });
  const task: DatasetTask = {
    actionModel: Object.fromEntries(models.map((m) => [poolNameOf(m), m])),
    reward: qualityCostReward(0),
  };
  const out: Record<string, unknown>[] = [];
  for (const [name, spec] of DATASET_LEARNERS.filter(([n]) => n !== 'random' && n !== 'best_single')) {
    const learner = build(name, spec, models, categoriesOf(train.rows));
    trainOnRows(learner, train.rows, task);
    const e = evaluateOnDataset(learner, test.rows, task, models.map(poolNameOf));
    out.push({
      learner: label(name, spec),
      test: e.n,
      APGR: e.twoModel?.apgr.toFixed(4),
      'CPT(50%)': e.twoModel?.cpt50?.toFixed(3) ?? '-',
      'CPT(80%)': e.twoModel?.cpt80?.toFixed(3) ?? '-',
      'cost-APGR': e.twoModel?.costApgr?.toFixed(4) ?? '-',
      'USD/req @PGR 50%': e.twoModel?.costAt50?.toExponential(3) ?? '-',
    });
  }
  return out;
}

/** Mean cost of a model over rows (the price a cascade level is planned with). */
const meanCostOf = (rows: DatasetRow[], model: string) => mean(rows.map((r) => r.costs![model]!));

function shuffledRows(rows: DatasetRow[], seed: number): DatasetRow[] {
  const rand = mulberry32(seed);
  const a = [...rows];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * Response-aware cascade mixtral -> gpt-4 on the same split: one pass over the train rows
 * with quality feedback as the feedback mode allows (exploring), then the frozen policy on
 * the test rows. x = share of requests escalated to gpt-4; every request also pays
 * mixtral's call (and the peer's), which cost-APGR and USD/req count. The peer is picked on
 * the train split alone (fit on 70%, APGR on the other 30%) among models costing at most
 * twice mixtral. Five seeds (training order and exploration): mean APGR and its range.
 */
export function routerBenchCascadeBench(seeds = [1, 2, 3, 4, 5]): Record<string, unknown>[] {
  const [strong, weak] = ['gpt-4-1106-preview', 'mistralai/mixtral-8x7b-chat'];
  const files = ['arc_challenge', 'winograde'];
  const train = loadDataset({ kind: 'dataset', name: 'routerbench', split: 'train', files, responses: true }).rows;
  const test = loadDataset({ kind: 'dataset', name: 'routerbench', split: 'test', files, responses: true }).rows;
  const categories = categoriesOf(train);
  const level = (m: string) => ({ pool: poolNameOf(m), model: m, costPerCall: meanCostOf(train, m) });
  const make = (feedback: CascadeFeedback, peers: string[], seed: number) =>
    new ResponseCascadePolicy({
      levels: [level(weak), level(strong)],
      peers: peers.map(level),
      categories,
      feedback,
      seed,
    });
  const fitEval = (
    fit: DatasetRow[],
    evalRows: DatasetRow[],
    feedback: CascadeFeedback,
    peers: string[],
    seed: number,
  ): TwoLevelCurve => {
    const p = make(feedback, peers, seed);
    replayResponseCascade(shuffledRows(fit, seed), p, { train: true });
    return twoLevelCurve(evalRows, p.frozen());
  };

  // Peer choice on the train split only.
  const split = shuffledRows(train, 7);
  const cut = Math.floor(split.length * 0.7);
  const weakCost = meanCostOf(train, weak);
  const candidates = Object.keys(train[0]!.scores!).filter(
    (m) => m !== strong && m !== weak && meanCostOf(train, m) <= 2 * weakCost,
  );
  const validation = candidates.map((m) => ({
    m,
    apgr: fitEval(split.slice(0, cut), split.slice(cut), 'inferred', [m], 1).apgr,
  }));
  const peer = validation.sort((a, b) => b.apgr - a.apgr)[0]!.m;

  const variants: [string, CascadeFeedback, string[]][] = [
    ['served: mixtral answer only', 'served', []],
    ['inferred: mixtral answer only', 'inferred', []],
    ['called: mixtral answer only', 'called', []],
    [`inferred + peer ${peer} (picked on train)`, 'inferred', [peer]],
  ];
  return variants.map(([name, feedback, peers]) => {
    const runs = seeds.map((seed) => fitEval(train, test, feedback, peers, seed));
    const apgrs = runs.map((r) => r.apgr);
    const m = (f: (r: TwoLevelCurve) => number | undefined) => {
      const v = runs.map(f);
      return v.every((x) => x !== undefined) ? mean(v as number[]) : undefined;
    };
    return {
      cascade: name,
      feedback,
      test: test.length,
      seeds: seeds.length,
      APGR: mean(apgrs).toFixed(4),
      'APGR min..max': `${Math.min(...apgrs).toFixed(3)}..${Math.max(...apgrs).toFixed(3)}`,
      'CPT(50%)': m((r) => r.cpt50)?.toFixed(3) ?? '-',
      'CPT(80%)': m((r) => r.cpt80)?.toFixed(3) ?? '-',
      'cost-APGR': m((r) => r.costApgr)!.toFixed(4),
      'USD/req @PGR 50%': m((r) => r.costAt50)?.toExponential(3) ?? '-',
      'paid on every request (USD/req)': (
        mean(test.map((r) => r.costs![weak]!)) + peers.reduce((a, p) => a + mean(test.map((r) => r.costs![p]!)), 0)
      ).toExponential(3),
      'gpt-4 alone (USD/req)': runs[0]!.strongOnly.toExponential(3),
    };
  });
}

export function routerBenchAiqBench(): Record<string, unknown>[] {
  const train = loadDataset({ kind: 'dataset', name: 'routerbench', split: 'train' });
  const test = loadDataset({ kind: 'dataset', name: 'routerbench', split: 'test' });
  const task: DatasetTask = {
    actionModel: Object.fromEntries(train.models.map((m) => [poolNameOf(m), m])),
    reward: qualityCostReward(0),
  };
  const out: Record<string, unknown>[] = [];
  for (const [name, spec] of DATASET_LEARNERS.filter(([n]) => !['random', 'best_single', 'ucb1'].includes(n))) {
    const learner = build(name, spec, train.models, categoriesOf(train.rows));
    trainOnRows(learner, train.rows, task);
    const e = evaluateOnDataset(learner, test.rows, task, train.models.map(poolNameOf));
    out.push({
      learner: label(name, spec),
      test: e.n,
      AIQ: e.manyModels?.aiq.toFixed(4),
      'zero router AIQ': e.manyModels?.zeroRouterAiq.toFixed(4),
      quality: e.quality.estimate.toFixed(4),
    });
  }
  return out;
}
