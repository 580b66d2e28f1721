/**
 * Records mode's output builder (SCORE_MODE=records, any pipeline): the
 * output record is shaped by the registered output schema, as checked at
 * start (records/schema-check.ts) — computed fields from the model's result,
 * every other field copied from the input record — and keyed by the input
 * record's key. There is no alerts topic: the `decision` field carries what
 * an alert would (REVIEW, DECLINE), `reasons` its reasons.
 */
import { reasonsOf } from '../scoring/alerts.js';
import type { OutputBuilder, ScoredRow } from '../output/output-builder.js';
import type { AlertPolicy } from '../scoring/alerts.js';
import { decisionFor, severityOf } from './decision.js';
import type { OutputField, RecordOutputPlan } from './schema-check.js';

/** Records are Avro records decoded to plain objects (field name → value). */
export type GenericRecord = Readonly<Record<string, unknown>>;

function computed(field: Exclude<OutputField, { source: 'copy' }>, row: ScoredRow, decision: string, policy: AlertPolicy): unknown {
  switch (field.name) {
    case 'risk':
      return row.risk;
    case 'decision':
      return decision;
    case 'modelName':
      return row.model.name;
    case 'modelVersion':
      return row.model.version;
    case 'features':
      return Object.fromEntries(row.model.features.map((name, i) => [name, row.features[i] as number]));
    case 'scoredAt':
      return field.asDate ? row.scoredAt : row.scoredAt.getTime();
    case 'horizonMinutes':
      return row.model.horizonMinutes;
    case 'reasons':
      // As an alert's reasons: only for a risk at or above the threshold, else none.
      return row.risk >= policy.threshold ? reasonsOf(row.model.features, row.features, row.contributions, policy.maxReasons) : [];
  }
}

/** The builder for a checked plan (see `planRecordOutput`). */
export function recordOutput(plan: RecordOutputPlan): OutputBuilder<GenericRecord, GenericRecord> {
  return {
    key: (recordKey) => recordKey,
    build(input, row, policy) {
      const decision = decisionFor(row.risk, policy);
      const value: Record<string, unknown> = {};
      for (const field of plan.fields) value[field.name] = field.source === 'copy' ? input[field.name] : computed(field, row, decision, policy);
      return { value, summary: { risk: row.risk, modelName: row.model.name, modelVersion: row.model.version }, severity: severityOf(decision) };
    },
  };
}
