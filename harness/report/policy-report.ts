/**
 * The report of a policy folder: how training went (policy.json's training block and
 * learning curve) and how the policy did on held-out or logged data (eval.json):
 * quality / cost / reward per category with intervals, the cost-quality plane against
 * every single model, the oracle and the policy's own lambda sweep, the PGR curve for two
 * models, and off-policy estimates for logged runs.
 */
import type { Chart } from './charts/chart.ts';
import { costQualityPlane, pgrCurveChart, type PlanePoint } from './charts/frontier.ts';
import { learningCurves, trafficShare } from './charts/learning.ts';
import { categoryIntervals, type IntervalRow } from './charts/quality.ts';
import type { ReportPage, Section } from './page.ts';
import { readEvalJson, readPolicyJson, type EvalFile, type IntervalJson, type PolicyJson } from './policy-files.ts';
import { InputFileError } from '../../core/errors.ts';

function scalars(o: Record<string, unknown>): Record<string, unknown>[] {
  return Object.entries(o)
    .filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
    .map(([field, value]) => ({ field, value }));
}

function trainingSection(p: PolicyJson): Section {
  const curve = p.training.curve;
  const charts: Chart[] = [];
  if (curve && curve.points.length) {
    const hasRegret = curve.points.some((x) => x.regret !== undefined);
    charts.push(
      learningCurves(
        curve.points.map((x) => ({ requests: x.steps, series: p.learner, reward: x.reward, regret: x.regret ?? null })),
        hasRegret ? "vs the best action on each row (every action's reward is known in the data), summed" : undefined,
      ),
    );
    if (p.actions.length > 1 && curve.share.length)
      charts.push(
        trafficShare(
          curve.share.map((s) => ({
            x: s.steps - curve.window,
            category: s.category,
            facet: p.learner,
            pool: s.action,
            count: s.count,
          })),
          'training steps',
        ),
      );
  }
  return {
    heading: 'Training',
    text: [
      `${p.learner} over ${p.actions.map((a) => `${a.pool} (${a.model})`).join(', ')}.`,
      ...(curve ? [] : ['No learning curve in policy.json (logged-run replays and cascades do not record one).']),
    ],
    tables: [{ title: 'training', rows: scalars(p.training) }],
    charts,
  };
}

const ci = (i: IntervalJson | undefined) =>
  i ? `${i.estimate.toFixed(4)} [${i.lower.toFixed(4)}, ${i.upper.toFixed(4)}]` : undefined;

function datasetEval(e: EvalFile): Section {
  const ref = e.references;
  const rows: Record<string, unknown>[] = [
    {
      router: `${e.learner} (this policy)`,
      quality: ci(e.quality),
      mean_cost: e.meanCost,
      reward: e.reward,
      regret: e.regret,
    },
  ];
  if (ref) {
    rows.push({
      router: `best single model (${ref.bestSingle.model})`,
      quality: ref.bestSingle.quality,
      mean_cost: ref.bestSingle.cost,
    });
    rows.push({
      router: 'best model per category (in-sample)',
      quality: ref.bestPerCategory.quality,
      mean_cost: ref.bestPerCategory.cost,
    });
    rows.push({ router: 'oracle', quality: ref.oracle.quality, mean_cost: ref.oracle.cost });
  }
  const charts: Chart[] = [];
  if (e.byCategory?.length) {
    const rowsCi: IntervalRow[] = e.byCategory.flatMap((c) => {
      const one = (metric: string, i: IntervalJson | undefined): IntervalRow[] =>
        i
          ? [
              {
                category: c.category,
                group: c.action,
                metric,
                mean: i.estimate,
                lower: i.lower,
                upper: i.upper,
                n: c.n,
              },
            ]
          : [];
      return [...one('quality', c.quality), ...one('cost per request (USD)', c.cost), ...one('reward', c.reward)];
    });
    charts.push(
      categoryIntervals(
        rowsCi,
        'action',
        'Per category and the action the policy chose: mean with its 95% t interval over those rows.',
      ),
    );
  }
  const plane: PlanePoint[] = [];
  if (e.quality && e.meanCost !== undefined)
    plane.push({ label: e.learner, kind: 'policy', cost: e.meanCost, quality: e.quality.estimate });
  for (const m of ref?.singleModels ?? [])
    if (m.cost !== undefined) plane.push({ label: m.model, kind: 'single model', cost: m.cost, quality: m.quality });
  if (ref?.oracle.cost !== undefined)
    plane.push({ label: 'oracle', kind: 'oracle', cost: ref.oracle.cost, quality: ref.oracle.quality });
  for (const p of e.manyModels?.points ?? [])
    plane.push({ label: p.label ?? '', kind: 'lambda sweep', cost: p.cost, quality: p.quality });
  if (plane.length >= 2)
    charts.push(
      costQualityPlane(
        plane,
        'mean cost per request (USD)',
        `On ${e.data}: the policy, every single model and the oracle${e.manyModels ? `, and the policy's scores traded against price for a sweep of lambda (AIQ ${e.manyModels.aiq.toFixed(4)} vs the zero router's ${e.manyModels.zeroRouterAiq.toFixed(4)})` : ''}.`,
      ),
    );
  const t = e.twoModel;
  if (t?.curve?.length)
    charts.push(
      pgrCurveChart(
        t.curve.map((p) => ({ ...p, series: e.learner })),
        t.strong,
        `Thresholding the policy's ${t.strong}-minus-${t.weak} score: APGR ${t.apgr.toFixed(4)}${t.cpt50 !== undefined ? `, CPT(50%) ${t.cpt50.toFixed(3)}` : ''}${t.cpt80 !== undefined ? `, CPT(80%) ${t.cpt80.toFixed(3)}` : ''}.`,
      ),
    );
  return {
    heading: 'Evaluation',
    text: [
      `${e.learner}${e.kind === 'cascade' ? ' (cascade)' : ''} on ${e.data}: ${e.n} prompts, full information (every model's score known).`,
    ],
    tables: [
      { title: 'against the references', rows },
      ...(e.actionCounts ? [{ title: 'actions', rows: [e.actionCounts] }] : []),
    ],
    charts,
  };
}

function loggedEval(e: EvalFile): Section {
  const estimates: IntervalRow[] = [];
  const add = (name: string, i: IntervalJson | undefined) => {
    if (i)
      estimates.push({
        category: name,
        group: e.learner,
        metric: 'reward',
        mean: i.estimate,
        lower: i.lower,
        upper: i.upper,
        n: e.n,
      });
  };
  add('IPS', e.ips);
  add('DR', e.dr);
  if (e.loggedReward !== undefined)
    estimates.push({
      category: 'logged policy',
      group: 'logged',
      metric: 'reward',
      mean: e.loggedReward,
      lower: null,
      upper: null,
      n: e.n,
    });
  return {
    heading: 'Evaluation (off-policy, logged run)',
    text: [
      `${e.learner} on ${e.data}: ${e.n} logged records with rewards, ${e.matched ?? '?'} where the policy agrees with the log; effective sample size ${e.ess?.toFixed(1) ?? '?'}, SNIPS ${e.snips?.toFixed(4) ?? '?'}.`,
    ],
    tables: [{ rows: [{ ips: ci(e.ips), snips: e.snips, dr: ci(e.dr), logged_reward: e.loggedReward, ess: e.ess }] }],
    charts: estimates.length
      ? [
          categoryIntervals(
            estimates,
            'policy',
            "The policy's estimated reward (bootstrap 95% intervals) next to the logged policy's.",
            { title: 'Off-policy estimates of reward', xTitle: 'estimator' },
          ),
        ]
      : [],
  };
}

export function policyReport(dir: string): ReportPage {
  const policy = readPolicyJson(dir);
  const evaluation = readEvalJson(dir);
  if (!policy && !evaluation) throw new InputFileError(dir, 'expected policy.json (wrp train) or eval.json (wrp eval)');
  const sections: Section[] = [];
  if (policy) sections.push(trainingSection(policy));
  if (evaluation) sections.push(evaluation.kind === 'logged' ? loggedEval(evaluation) : datasetEval(evaluation));
  const learner = policy?.learner ?? evaluation?.learner ?? '';
  return { title: `${learner} policy`, subtitle: dir, sections };
}
