/**
 * What differs between the score operator's modes: how one scored input
 * becomes output records. The processor (topology/score-processor.ts) is the
 * same for every mode — buffering, one model call per commit, hot reload,
 * shadow, drift — and hands each row's model result to an OutputBuilder:
 * windows mode builds a RiskScore and maybe an Alert
 * (output/window-output.ts), records mode a record shaped by the registered
 * output schema (records/record-output.ts).
 */
import type { Alert, Severity } from '@tributary/schemas';
import type { ModelMetadata } from '../model/model-metadata.js';
import type { AlertPolicy } from '../scoring/alerts.js';

/** The model's result for one input row: everything an output builder may need. */
export interface ScoredRow {
  /** The probability the model gives. */
  readonly risk: number;
  /** The model that scored the row (name, version, feature names, horizon). */
  readonly model: ModelMetadata;
  /** The feature values the model saw, in the model's feature order (after the null substitution). */
  readonly features: readonly number[];
  /** The row's contribution of each feature to the logit, when the model explains itself. */
  readonly contributions: ArrayLike<number> | undefined;
  /** Wall-clock time of the batch. */
  readonly scoredAt: Date;
}

/** What metrics and shadow comparison read of a score, whichever its record type. */
export interface ScoreSummary {
  readonly risk: number;
  readonly modelName: string;
  readonly modelVersion: string;
}

/** The records one scored input becomes. */
export interface BuiltOutput<Out> {
  /** The record for the scores topic. */
  readonly value: Out;
  /** For the observer (metrics, shadow comparison); windows mode passes the RiskScore itself. */
  readonly summary: ScoreSummary;
  /** A record for the alerts topic (windows mode only). */
  readonly alert?: Alert | undefined;
  /** Counted by `tributary_score_alerts_total`: set when the risk reaches the alert threshold. */
  readonly severity?: Severity | undefined;
}

/** Builds a mode's output records; pure, so a replayed batch builds the same records (scoredAt aside). */
export interface OutputBuilder<In, Out> {
  /** The output records' key, from the input record's key and value. */
  key(recordKey: string, input: In): string;
  /** The output of one scored input. */
  build(input: In, row: ScoredRow, policy: AlertPolicy): BuiltOutput<Out>;
}
