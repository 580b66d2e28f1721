/**
 * Shadow scoring: a candidate model scores the same batch as the live one,
 * in the same flush, so its scores go out in the same transaction as the
 * live scores (to their own topic, `<SCORES_TOPIC>.shadow`, same record type
 * and output builder, no alerts), and each input's two risks can be
 * compared. A shadow model that fails on a batch never fails the live
 * scoring: that batch has no shadow scores.
 */
import type { ModelMetadata } from '../model/model-metadata.js';
import type { BuiltOutput, OutputBuilder, ScoreSummary } from '../output/output-builder.js';
import type { OptionalModelSource } from '../registry/model-holder.js';
import type { AlertPolicy } from '../scoring/alerts.js';
import { scoreRows } from '../scoring/score-batch.js';

/** The processor's child writing the shadow scores. */
export const SHADOW_CHILD = 'shadow-sink';

export interface ShadowObserver {
  /** One input scored by both: the committed live score and the shadow's. */
  shadowCompared?(live: ScoreSummary, shadow: ScoreSummary): void;
  shadowFailed?(error: unknown, model: ModelMetadata): void;
}

/** One buffered input: its output key, its timestamp and its value. */
export interface ShadowWindow<In = unknown> {
  readonly key: string;
  readonly timestamp: number;
  readonly input: In;
}

/**
 * Scores `inputs` with the shadow model (if one is loaded) and forwards each
 * score, built by `output` like the live one, to SHADOW_CHILD; `live[i]` is
 * input i's live output.
 */
export async function scoreShadow<In, Out>(
  source: OptionalModelSource,
  inputs: readonly ShadowWindow<In>[],
  live: readonly BuiltOutput<Out>[],
  output: OutputBuilder<In, Out>,
  policy: AlertPolicy,
  scoredAt: Date,
  forward: (record: { key: string; value: Out; timestamp: number }) => void,
  observer: ShadowObserver,
): Promise<void> {
  const lease = source.tryAcquire();
  if (lease === undefined) return;
  try {
    let shadow: BuiltOutput<Out>[];
    try {
      const rows = await scoreRows(
        lease.scorer,
        inputs.map((w) => lease.features.extract(w.input)),
        scoredAt,
      );
      shadow = inputs.map((w, i) => output.build(w.input, rows[i] as (typeof rows)[number], policy));
    } catch (error) {
      observer.shadowFailed?.(error, lease.scorer.metadata);
      return;
    }
    shadow.forEach(({ value, summary }, i) => {
      const { key, timestamp } = inputs[i] as ShadowWindow<In>;
      forward({ key, value, timestamp });
      const liveScore = live[i]?.summary;
      if (liveScore !== undefined) observer.shadowCompared?.(liveScore, summary);
    });
  } finally {
    lease.release();
  }
}
