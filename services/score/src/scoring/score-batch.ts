/**
 * The scoring logic, free of any runtime: feature rows of a batch of
 * windows → one tensor → one model call → a RiskScore per window and an
 * Alert for each window at or above the threshold.
 */
import type { Alert, RiskScore, WindowAggregate } from '@tributary/schemas';
import type { BatchInfo, BatchScorer } from '../model/onnx-scorer.js';
import { alertFor, reasonsOf, type AlertPolicy } from './alerts.js';

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

/** Scores `inputs` with one call of `scorer` (nothing for an empty batch). `scoredAt` is the wall-clock time of the batch. */
export async function scoreBatch(scorer: BatchScorer, inputs: readonly ScoringInput[], policy: AlertPolicy, scoredAt: Date, batch?: BatchInfo): Promise<ScoredWindow[]> {
  if (inputs.length === 0) return [];
  const { metadata } = scorer;
  const names = metadata.features;
  const width = names.length;
  const rows = new Float32Array(inputs.length * width);
  inputs.forEach((input, r) => {
    if (input.features.length !== width) throw new RangeError(`window ${r} has ${input.features.length} features; model ${metadata.name} takes ${width}`);
    rows.set(input.features, r * width);
  });
  const { risk, contributions } = await scorer.score(rows, inputs.length, batch);
  return inputs.map(({ aggregate, features }, r): ScoredWindow => {
    const score: RiskScore = {
      containerId: aggregate.containerId,
      windowStart: aggregate.windowStart,
      windowEnd: aggregate.windowEnd,
      risk: risk[r] as number,
      horizonMinutes: metadata.horizonMinutes,
      modelName: metadata.name,
      modelVersion: metadata.version,
      features: Object.fromEntries(names.map((name, i) => [name, features[i] as number])),
      scoredAt,
    };
    const row = contributions?.subarray(r * width, (r + 1) * width);
    const alert = alertFor(score, score.risk >= policy.threshold ? reasonsOf(names, features, row, policy.maxReasons) : [], policy);
    return { score, alert };
  });
}
