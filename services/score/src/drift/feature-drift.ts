/**
 * Drift of the model's inputs: the last N scored feature rows against the
 * training distribution recorded in model.json, as one PSI per feature.
 *
 * The window is a ring buffer of bin indices, one per row and feature, with
 * a count per bin kept alongside: a row costs a binary search over the
 * (about ten) edges per feature, and the row it pushes out is uncounted in
 * O(1). The PSI itself is computed on demand from the counts (O(features ×
 * bins)), which the operator does once per scored batch, not per record.
 */
import type { ModelMetadata } from '../model/model-metadata.js';
import { binIndex, populationStabilityIndex, type BinnedDistribution } from './psi.js';

export class FeatureDrift {
  readonly #names: readonly string[];
  readonly #bins: readonly BinnedDistribution[];
  readonly #capacity: number;
  /** #ring[f][slot]: the bin of feature f in the row at slot. */
  readonly #ring: Uint16Array[];
  /** #counts[f][bin]: rows of the window in that bin. */
  readonly #counts: Uint32Array[];
  #next = 0;
  #rows = 0;

  /** `names` and `bins` in the model's input order; `windowRows` ≥ 1. */
  constructor(names: readonly string[], bins: readonly BinnedDistribution[], windowRows: number) {
    if (names.length !== bins.length) throw new RangeError(`${names.length} features but ${bins.length} distributions`);
    if (!Number.isInteger(windowRows) || windowRows < 1) throw new RangeError(`windowRows must be a positive integer, got ${windowRows}`);
    for (const [i, b] of bins.entries()) {
      // Uint16 bin indices: far more bins than any quantile binning makes.
      if (b.edges.length + 1 > 0xffff) throw new RangeError(`feature ${names[i]}: too many bins (${b.edges.length + 1})`);
    }
    this.#names = names;
    this.#bins = bins;
    this.#capacity = windowRows;
    this.#ring = bins.map(() => new Uint16Array(windowRows));
    this.#counts = bins.map((b) => new Uint32Array(b.edges.length + 1));
  }

  /** The model's features, or undefined when its metadata records no training distribution. */
  static forModel(metadata: ModelMetadata, windowRows: number): FeatureDrift | undefined {
    const distribution = metadata.featureDistribution;
    if (distribution === undefined) return undefined;
    return new FeatureDrift(
      metadata.features,
      metadata.features.map((name) => distribution[name] as BinnedDistribution),
      windowRows,
    );
  }

  get features(): readonly string[] {
    return this.#names;
  }

  /** Rows in the window now (up to windowRows). */
  get rows(): number {
    return this.#rows;
  }

  get windowRows(): number {
    return this.#capacity;
  }

  /** Adds one feature row (model input order); the oldest row leaves a full window. */
  add(row: readonly number[]): void {
    const slot = this.#next;
    const full = this.#rows === this.#capacity;
    for (let f = 0; f < this.#bins.length; f++) {
      const ring = this.#ring[f] as Uint16Array;
      const counts = this.#counts[f] as Uint32Array;
      if (full) {
        const old = ring[slot] as number;
        counts[old] = (counts[old] as number) - 1;
      }
      const bin = binIndex((this.#bins[f] as BinnedDistribution).edges, row[f] as number);
      ring[slot] = bin;
      counts[bin] = (counts[bin] as number) + 1;
    }
    this.#next = slot + 1 === this.#capacity ? 0 : slot + 1;
    if (!full) this.#rows++;
  }

  /** The window's share of rows per bin, for feature index `f` (all 0 while the window is empty). */
  proportions(f: number): number[] {
    const counts = this.#counts[f];
    if (counts === undefined) throw new RangeError(`no feature ${f}`);
    return Array.from(counts, (c) => (this.#rows === 0 ? 0 : c / this.#rows));
  }

  /** PSI of each feature (input order) over the window; undefined while the window is empty. */
  psi(): number[] | undefined {
    if (this.#rows === 0) return undefined;
    return this.#bins.map((b, f) => populationStabilityIndex(this.proportions(f), b.proportions));
  }
}

/** The drift tracker for a model, or why it has none (for the one log line at start). */
export type DriftSetup = { readonly drift: FeatureDrift; readonly reason?: undefined } | { readonly drift: undefined; readonly reason: string };

/** Drift over `windowRows` (DRIFT_WINDOW_ROWS; 0 disables) for `metadata`: none without a recorded training distribution. */
export function driftFor(metadata: ModelMetadata, windowRows: number): DriftSetup {
  if (windowRows === 0) return { drift: undefined, reason: 'DRIFT_WINDOW_ROWS is 0' };
  const drift = FeatureDrift.forModel(metadata, windowRows);
  if (drift === undefined) return { drift, reason: `model.json of ${metadata.name} ${metadata.version} has no featureDistribution (the training distribution; retrain to record it)` };
  return { drift };
}
