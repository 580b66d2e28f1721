/**
 * Shadow scoring: a candidate model scores the same batch as the live one,
 * in the same flush, so its RiskScores go out in the same transaction as the
 * live scores (to their own topic, `<SCORES_TOPIC>.shadow`, no alerts), and
 * each window's two risks can be compared. A shadow model that fails on a
 * batch never fails the live scoring: that batch has no shadow scores.
 */
import type { RiskScore, WindowAggregate } from '@tributary/schemas';
import type { ModelMetadata } from '../model/model-metadata.js';
import type { OptionalModelSource } from '../registry/model-holder.js';
import type { AlertPolicy } from '../scoring/alerts.js';
import { scoreBatch, type ScoredWindow } from '../scoring/score-batch.js';

/** The processor's child writing the shadow scores. */
export const SHADOW_CHILD = 'shadow-sink';

export interface ShadowObserver {
  /** One window scored by both: the committed live score and the shadow's. */
  shadowCompared?(live: RiskScore, shadow: RiskScore): void;
  shadowFailed?(error: unknown, model: ModelMetadata): void;
}

export interface ShadowWindow {
  readonly key: string;
  readonly timestamp: number;
  readonly aggregate: WindowAggregate;
}

/** Scores `windows` with the shadow model (if one is loaded) and forwards each score to SHADOW_CHILD; `live[i]` is window i's live result. */
export async function scoreShadow(
  source: OptionalModelSource,
  windows: readonly ShadowWindow[],
  live: readonly ScoredWindow[],
  policy: AlertPolicy,
  scoredAt: Date,
  forward: (record: { key: string; value: RiskScore; timestamp: number }) => void,
  observer: ShadowObserver,
): Promise<void> {
  const lease = source.tryAcquire();
  if (lease === undefined) return;
  try {
    let shadow: ScoredWindow[];
    try {
      const inputs = windows.map((w) => ({ aggregate: w.aggregate, features: lease.features.extract(w.aggregate) }));
      shadow = await scoreBatch(lease.scorer, inputs, policy, scoredAt);
    } catch (error) {
      observer.shadowFailed?.(error, lease.scorer.metadata);
      return;
    }
    shadow.forEach(({ score }, i) => {
      const { key, timestamp } = windows[i] as ShadowWindow;
      forward({ key, value: score, timestamp });
      const liveScore = live[i]?.score;
      if (liveScore !== undefined) observer.shadowCompared?.(liveScore, score);
    });
  } finally {
    lease.release();
  }
}
