/**
 * `--verify`: policy.onnx (wrp's portable scoring graph; no router component reads it) is run
 * in onnxruntime-node on held-out contexts and compared with the policy's scores(): the argmax
 * must agree everywhere, both taken over float32 values with ties to the lower index (the
 * graph outputs float32, and the cascade decides on float32-rounded values too), and the
 * largest difference must stay within 1e-5; config.yaml is re-parsed and re-validated. What
 * the router does with the export is checked separately, always (deployed.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { parse as parseYaml } from 'yaml';
import type { RoutingContext } from '../../harness/types.ts';
import { argmaxFirst } from '../bandits/base.ts';
import { routerConfigProblems } from './sr-schema.ts';
import type { Batch, ExportModel } from './types.ts';

export const MAX_ABS_DIFF = 1e-5;

export interface Comparison {
  contexts: number;
  argmaxAgreement: number;
  maxAbsDiff: number;
  pass: boolean;
}

export interface VerificationReport {
  contexts: number;
  onnx: Comparison;
  config: { problems: string[]; pass: boolean };
  pass: boolean;
}

/** |a - b| with equal infinities (an untried UCB arm) counting as no difference. */
const diff = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b));

class Tally {
  n = 0;
  agree = 0;
  max = 0;
  add(got: ArrayLike<number>, want: number[]): void {
    this.n++;
    if (argmaxFirst(got) === argmaxFirst(want.map(Math.fround))) this.agree++;
    for (let i = 0; i < want.length; i++) {
      const d = diff(got[i]!, want[i]!);
      this.max = Math.max(this.max, Number.isNaN(d) ? Infinity : d);
    }
  }
  result(): Comparison {
    const agreement = this.n ? this.agree / this.n : 0;
    return {
      contexts: this.n,
      argmaxAgreement: agreement,
      maxAbsDiff: this.max,
      pass: this.n > 0 && agreement === 1 && this.max <= MAX_ABS_DIFF,
    };
  }
}

export function toOrtFeeds(batch: Batch): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(batch)) {
    feeds[name] =
      t.data instanceof BigInt64Array
        ? new ort.Tensor('int64', t.data, t.dims)
        : t.data instanceof Float64Array
          ? new ort.Tensor('float64', t.data, t.dims)
          : new ort.Tensor('float32', t.data, t.dims);
  }
  return feeds;
}

export async function verifyExport(
  dir: string,
  model: ExportModel,
  ctxs: RoutingContext[],
  batchSize = 1000,
): Promise<VerificationReport> {
  await model.prepare(ctxs);
  const session = await ort.InferenceSession.create(join(dir, 'policy.onnx'));
  const onnx = new Tally();
  const k = model.actions.length;
  try {
    for (let start = 0; start < ctxs.length; start += batchSize) {
      const chunk = ctxs.slice(start, start + batchSize);
      const out = await session.run(toOrtFeeds(model.encode(chunk)));
      const scores = out['scores']!.data as Float32Array;
      chunk.forEach((ctx, j) => onnx.add(scores.subarray(j * k, (j + 1) * k), model.reference(ctx)));
    }
  } finally {
    await session.release();
  }
  const problems = routerConfigProblems(parseYaml(readFileSync(join(dir, 'config.yaml'), 'utf8')));
  const report: VerificationReport = {
    contexts: ctxs.length,
    onnx: onnx.result(),
    config: { problems, pass: problems.length === 0 },
    pass: false,
  };
  report.pass = report.onnx.pass && report.config.pass;
  return report;
}
