/**
 * The card-fraud pipeline's configuration: the same five operators as the
 * cold chain, in their generic modes (enrich `join`, aggregate `lookback`,
 * score `records`), with the fraud topics, registered schemas and model.
 * Only configuration differs: no operator code is specific to fraud.
 */
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import { avroSerde, type RegistryClient } from '@tributary/avro';
import { CardholderSchema, type Cardholder } from '@tributary/schemas';
import { DECLINE_THRESHOLD, REVIEW_THRESHOLD } from '../fraud/thresholds.js';
import type { OperatorName } from './local-pipeline.js';
import { FRAUD_TOPICS } from './topics.js';

/** The look-back features aggregate computes per payment (the fields of PaymentFeatures after the enriched payment's). */
export const FRAUD_LOOKBACK_FEATURES =
  'count10m=count:10m,amountSum10m=sum(amount):10m,count24h=count:24h,amountSum24h=sum(amount):24h,merchants24h=distinct(merchantId):24h,kmFromLast=distance(lat,lon):last';

/** The cardholder fields enrich copies into each payment. */
export const FRAUD_JOIN_FIELDS = 'homeLat,homeLon,creditLimit,riskSegment';

/** The committed fraud model (models/fraud-risk), from this file's place in the repository or the image (src/ or dist/). */
export const FRAUD_MODEL_PATH = path.resolve(import.meta.dirname, '../../../models/fraud-risk/model.onnx');

/** The sink's mapping: one row per decision, keyed by payment and model (a shadow or a new model version writes its own rows). */
export const FRAUD_SINK_TOPICS = `${FRAUD_TOPICS.decisions}:decisions:paymentId+modelName`;

export interface FraudEnvOptions {
  /** PostgreSQL schema of the decisions table (default `fraud`). */
  readonly databaseSchema?: string;
  /** The model the score operator loads (default FRAUD_MODEL_PATH). */
  readonly modelPath?: string;
}

/** Each operator's environment for the fraud pipeline (on top of brokers, registry, database, HTTP). */
export function fraudOperatorEnv(options: FraudEnvOptions = {}): Record<OperatorName, Record<string, string>> {
  return {
    ingest: { INGEST_TOPIC: FRAUD_TOPICS.payments, KEY_FIELD: 'cardId', DLQ_TOPIC: FRAUD_TOPICS.ingestDlq },
    enrich: {
      ENRICH_MODE: 'join',
      APPLICATION_ID: 'fraud-enrich',
      INPUT_TOPIC: FRAUD_TOPICS.payments,
      REFERENCE_TOPIC: FRAUD_TOPICS.cardholders,
      OUTPUT_TOPIC: FRAUD_TOPICS.enriched,
      JOIN_KEY_FIELD: 'cardId',
      JOIN_FIELDS: FRAUD_JOIN_FIELDS,
      UNMATCHED: 'pass',
    },
    aggregate: {
      AGGREGATE_MODE: 'lookback',
      APPLICATION_ID: 'fraud-aggregate',
      INPUT_TOPIC: FRAUD_TOPICS.enriched,
      OUTPUT_TOPIC: FRAUD_TOPICS.features,
      EVENT_TIME_FIELD: 'eventTime',
      LOOKBACK_KEY_FIELD: 'cardId',
      LOOKBACK_FEATURES: FRAUD_LOOKBACK_FEATURES,
    },
    score: {
      SCORE_MODE: 'records',
      APPLICATION_ID: 'fraud-score',
      INPUT_TOPIC: FRAUD_TOPICS.features,
      SCORES_TOPIC: FRAUD_TOPICS.decisions,
      MODEL_PATH: options.modelPath ?? FRAUD_MODEL_PATH,
      ALERT_THRESHOLD: String(REVIEW_THRESHOLD),
      CRITICAL_THRESHOLD: String(DECLINE_THRESHOLD),
    },
    sink: { GROUP_ID: 'fraud-sink', SINK_TOPICS: FRAUD_SINK_TOPICS, DATABASE_SCHEMA: options.databaseSchema ?? 'fraud' },
  };
}

/** Publishes Cardholder records (Avro, keyed by cardId) to the compacted fraud.cardholders, in batches. */
export async function publishCardholders(kafka: Kafka, registry: RegistryClient, cardholders: readonly Cardholder[], topic: string = FRAUD_TOPICS.cardholders): Promise<void> {
  const serde = avroSerde(CardholderSchema, { registry });
  await serde.prepare(topic);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < cardholders.length; i += 1000) {
      await producer.send({
        topic,
        acks: -1,
        messages: await Promise.all(cardholders.slice(i, i + 1000).map(async (holder) => ({ key: holder.cardId, value: await serde.serialize(holder, { topic, isKey: false }) }))),
      });
    }
  } finally {
    await producer.disconnect();
  }
}
