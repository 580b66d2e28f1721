/**
 * Binning and the population stability index (PSI), shared by training
 * (which records each feature's training distribution in model.json) and
 * the score operator (which compares its recent inputs with it): one
 * definition of "which bin", so the two sides count alike.
 */

/**
 * A feature's distribution over bins. `edges` are strictly increasing;
 * bin 0 is (−∞, edges[0]], bin i is (edges[i−1], edges[i]], the last bin is
 * (edges[last], +∞): the outer bins are open-ended, so a value outside the
 * training range still lands in a bin. `proportions` has one entry per bin
 * (edges.length + 1), each ≥ 0, summing to 1.
 */
export interface BinnedDistribution {
  readonly edges: readonly number[];
  readonly proportions: readonly number[];
}

/**
 * Floor for a proportion in the PSI: an empty bin (actual or expected)
 * counts as holding this share, so ln(a/e) stays finite. 1e-4 is below
 * one row in a window of a few thousand, so it only matters for bins that
 * really are empty; an empty bin that training filled at 10 % then adds
 * (0.1 − 1e-4)·ln(0.1 / 1e-4) ≈ 0.69 — drift by any threshold.
 */
export const PSI_EPSILON = 1e-4;

/** The bin of `value` (see BinnedDistribution): the number of edges strictly below it, by binary search. NaN goes to bin 0. */
export function binIndex(edges: readonly number[], value: number): number {
  let low = 0;
  let high = edges.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((edges[mid] as number) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Rounds to 6 significant digits: edges stay readable in model.json; training counts with the rounded edges, so nothing is lost. */
const round6 = (x: number): number => Number(x.toPrecision(6));

/**
 * The distribution of `values` over `quantiles`-quantile bins: inner edges
 * at the 1/q, 2/q, … quantiles of the values (rounded to 6 significant
 * digits, duplicates merged: a value that fills several quantiles — a
 * feature that is often exactly 0 — gives one edge), and the share of the
 * values in each bin. Deterministic for the same values.
 */
export function quantileBins(values: readonly number[], quantiles = 10): BinnedDistribution {
  if (values.length === 0) throw new RangeError('quantileBins needs at least one value');
  if (!Number.isInteger(quantiles) || quantiles < 2) throw new RangeError(`quantiles must be an integer ≥ 2, got ${quantiles}`);
  const sorted = Float64Array.from(values).sort();
  const edges: number[] = [];
  for (let k = 1; k < quantiles; k++) {
    const edge = round6(sorted[Math.min(sorted.length - 1, Math.floor((k * sorted.length) / quantiles))] as number);
    if (edges.length === 0 || edge > (edges[edges.length - 1] as number)) edges.push(edge);
  }
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const value of values) {
    const bin = binIndex(edges, value);
    counts[bin] = (counts[bin] as number) + 1;
  }
  // Six decimals, like the edges: readable, and far finer than any window's sampling noise.
  return { edges, proportions: counts.map((c) => Number((c / values.length).toFixed(6))) };
}

/**
 * PSI = Σ (a_i − e_i)·ln(a_i / e_i) over the bins, `actual` and `expected`
 * being proportions per bin; a proportion below `epsilon` counts as
 * `epsilon` (see PSI_EPSILON). 0 for identical distributions, growing with
 * the shift; usually read as < 0.1 stable, 0.1–0.25 moderate, > 0.25 a
 * significant change.
 */
export function populationStabilityIndex(actual: readonly number[], expected: readonly number[], epsilon = PSI_EPSILON): number {
  if (actual.length !== expected.length) throw new RangeError(`PSI over ${actual.length} actual against ${expected.length} expected bins`);
  let psi = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = Math.max(actual[i] as number, epsilon);
    const e = Math.max(expected[i] as number, epsilon);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}
