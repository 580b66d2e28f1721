/**
 * The scoring logic, free of any runtime: feature rows of a batch → one
 * tensor → one model call → one ScoredRow per input (`scoreRows`), which an
 * output builder turns into records. `scoreBatch` is windows mode's whole
 * path: a RiskScore per window and an Alert for each window at or above the
 * threshold.
 */
import type { Alert, RiskScore, WindowAggregate } from '@tributary/schemas';
import type { BatchInfo, BatchScorer } from '../model/onnx-scorer.js';
import type { ScoredRow } from '../output/output-builder.js';
import { WINDOW_OUTPUT } from '../output/window-output.js';
import type { AlertPolicy } from './alerts.js';

/** One window to score: its aggregate and its feature vector, in the model's feature order. */
export interface ScoringInput {
  readonly aggregate: WindowAggregate;
  readonly features: readonly number[];
}

export interface ScoredWindow {
  readonly score: RiskScore;
  /** Present when risk ≥ the policy's threshold. */
  readonly alert: Alert | undefined;
}

/**
 * Scores feature rows (model order) with one call of `scorer` (nothing for
 * an empty batch). `scoredAt` is the wall-clock time of the batch. A row of
 * another width than the model's is a RangeError naming the row.
 */
export async function scoreRows(scorer: BatchScorer, features: readonly (readonly number[])[], scoredAt: Date, batch?: BatchInfo): Promise<ScoredRow[]> {
  if (features.length === 0) return [];
  const { metadata } = scorer;
  const width = metadata.features.length;
  const rows = new Float32Array(features.length * width);
  features.forEach((row, r) => {
    if (row.length !== width) throw new RangeError(`window ${r} has ${row.length} features; model ${metadata.name} takes ${width}`);
    rows.set(row, r * width);
  });
  const { risk, contributions } = await scorer.score(rows, features.length, batch);
  return features.map((row, r) => ({
    risk: risk[r] as number,
    model: metadata,
    features: row,
    contributions: contributions?.subarray(r * width, (r + 1) * width),
    scoredAt,
  }));
}

/** Scores `inputs` with one call of `scorer` (nothing for an empty batch). `scoredAt` is the wall-clock time of the batch. */
export async function scoreBatch(scorer: BatchScorer, inputs: readonly ScoringInput[], policy: AlertPolicy, scoredAt: Date, batch?: BatchInfo): Promise<ScoredWindow[]> {
  const rows = await scoreRows(
    scorer,
    inputs.map((i) => i.features),
    scoredAt,
    batch,
  );
  return inputs.map(({ aggregate }, r) => {
    const { value, alert } = WINDOW_OUTPUT.build(aggregate, rows[r] as ScoredRow, policy);
    return { score: value, alert };
  });
}
