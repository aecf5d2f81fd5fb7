/**
 * The kNN selector (ml-binding/src/knn.rs KNNSelector, loaded by
 * src/semantic-router/pkg/modelselection/selector.go KNNSelector.LoadFromJSON):
 *
 * - the stored embeddings are used as they are (no normalisation); the k nearest by Euclidean
 *   distance (linfa's BallTree with L2Dist), k from knn_model.json when > 0, capped at the
 *   number of points;
 * - each neighbour votes for its label with 0.9 * max(quality, 0.01) + 0.1 * (1 - (latency -
 *   min) / max(max - min, 1)), min and max over every stored latency (quality 0.5 and the
 *   mid latency when the arrays are shorter than the points);
 * - the model with the largest total wins; equal totals are decided by the iteration order
 *   of a Rust HashMap, which is random per process: such a request has no determined model,
 *   and neither has one whose k-th and (k+1)-th neighbours are equally far (BallTree order).
 *   Both come back as `tied` (the candidates the router may pick) so callers count them as
 *   the router's coin flip, never as agreement by luck.
 */
export interface KnnJson {
  algorithm?: string;
  trained: boolean;
  k: number;
  embeddings: number[][];
  labels: string[];
  qualities?: number[];
  latencies?: number[];
}

export interface KnnPrediction {
  model?: string;
  error?: string;
  /** Set when the router's pick among these is decided by hash or tree order. */
  tied?: string[];
  /** Which: equal vote totals (hash order) or equally distant k-th neighbours (tree order). */
  tie?: 'votes' | 'distance';
}

export class RouterKnn {
  readonly k: number;
  private readonly dim: number;
  private readonly points: Float64Array;
  private readonly n: number;
  private readonly votes: Float64Array;

  constructor(
    readonly json: KnnJson,
    configK = 0,
  ) {
    this.n = json.embeddings.length;
    this.dim = this.n > 0 ? json.embeddings[0]!.length : 0;
    this.k = json.k > 0 ? json.k : configK > 0 ? configK : 3;
    this.points = new Float64Array(this.n * this.dim);
    json.embeddings.forEach((e, i) => {
      if (e.length !== this.dim)
        throw new Error(`knn_model.json: embeddings[${i}] has ${e.length} values, expected ${this.dim}`);
      this.points.set(e, i * this.dim);
    });
    const lat = json.latencies ?? [];
    const max = lat.length ? Math.max(...lat) : 1;
    const min = lat.length ? Math.min(...lat) : 1;
    const range = Math.max(max - min, 1);
    this.votes = Float64Array.from({ length: this.n }, (_, i) => {
      const q = json.qualities && i < json.qualities.length ? Math.max(json.qualities[i]!, 0.01) : 0.5;
      const l = i < lat.length ? lat[i]! : (min + max) / 2;
      return 0.9 * q + 0.1 * (1 - (l - min) / range);
    });
  }

  /** Squared distances of the nearest points (pruned scan), ascending, with every point tied at the boundary. */
  private nearest(q: ArrayLike<number>): { idx: number[]; d: number[] } {
    const k = Math.min(this.k, this.n);
    const idx: number[] = [];
    const dist: number[] = [];
    const dim = this.dim;
    for (let p = 0; p < this.n; p++) {
      const base = p * dim;
      const bound = idx.length >= k ? dist[k - 1]! : Infinity;
      let s = 0;
      let j = 0;
      for (; j < dim; j++) {
        const t = this.points[base + j]! - q[j]!;
        s += t * t;
        if ((j & 31) === 31 && s > bound) break;
      }
      if (j < dim || s > bound) continue;
      let at = idx.length;
      while (at > 0 && dist[at - 1]! > s) at--;
      idx.splice(at, 0, p);
      dist.splice(at, 0, s);
      // Keep the k best plus everything tied with the k-th.
      while (idx.length > k && dist[idx.length - 1]! > dist[k - 1]!) {
        idx.pop();
        dist.pop();
      }
    }
    return { idx, d: dist };
  }

  private totals(neighbours: readonly number[]): Map<string, number> {
    const t = new Map<string, number>();
    for (const i of neighbours) {
      const label = this.json.labels[i]!;
      t.set(label, (t.get(label) ?? 0) + this.votes[i]!);
    }
    return t;
  }

  private static winners(t: Map<string, number>): string[] {
    let best = -Infinity;
    let out: string[] = [];
    for (const [m, v] of t) {
      if (v > best) {
        best = v;
        out = [m];
      } else if (v === best) out.push(m);
    }
    return out;
  }

  predict(x: ArrayLike<number>): KnnPrediction {
    if (!this.json.trained || this.n === 0) return { error: 'Model not trained' };
    if (x.length !== this.dim) return { error: `query has ${x.length} values, the stored points ${this.dim}` };
    const { idx, d } = this.nearest(x);
    const k = Math.min(this.k, this.n);
    const kth = d[k - 1]!;
    const sure = idx.filter((_, i) => d[i]! < kth);
    const boundary = idx.filter((_, i) => d[i]! === kth);
    const need = k - sure.length;
    if (boundary.length > need) {
      // Which `need` of the boundary points the tree returns is its own business: every subset
      // that changes the winner makes the request undetermined.
      const options = new Set<string>();
      for (const pick of subsets(boundary, need, 64))
        for (const w of RouterKnn.winners(this.totals([...sure, ...pick]))) options.add(w);
      const tied = [...options].sort();
      return tied.length === 1 ? { model: tied[0]! } : { model: tied[0]!, tied, tie: 'distance' };
    }
    const w = RouterKnn.winners(this.totals(idx.slice(0, k)));
    return w.length === 1 ? { model: w[0]! } : { model: [...w].sort()[0]!, tied: [...w].sort(), tie: 'votes' };
  }
}

/** Up to `limit` subsets of size r of xs (enough to see whether the winner can change). */
function subsets<T>(xs: readonly T[], r: number, limit: number): T[][] {
  const out: T[][] = [];
  const pick: T[] = [];
  const walk = (from: number) => {
    if (out.length >= limit) return;
    if (pick.length === r) return void out.push([...pick]);
    for (let i = from; i <= xs.length - (r - pick.length); i++) {
      pick.push(xs[i]!);
      walk(i + 1);
      pick.pop();
    }
  };
  walk(0);
  return out;
}
