import { avroSerde, type AvroSerde, type RegistryClient } from '@tributary/avro';
import { AlertSchema, RiskScoreSchema, WindowAggregateSchema, type Alert, type RiskScore, type WindowAggregate } from '@tributary/schemas';
import type { ScoreSerdes } from './topology.js';

/** The Avro serdes of the score topics, over one registry client (Confluent wire format, TopicNameStrategy). */
export interface AvroScoreSerdes extends ScoreSerdes {
  readonly aggregate: AvroSerde<WindowAggregate>;
  readonly score: AvroSerde<RiskScore>;
  readonly alert: AvroSerde<Alert>;
}

/** `autoRegister: false` makes the output serdes only look their schemas up (production: schemas are registered by `npm run schemas -- register`). */
export function avroScoreSerdes(registry: RegistryClient, options: { autoRegister?: boolean } = {}): AvroScoreSerdes {
  const serdeOptions = { registry, autoRegister: options.autoRegister ?? true };
  return {
    aggregate: avroSerde(WindowAggregateSchema, serdeOptions),
    score: avroSerde(RiskScoreSchema, serdeOptions),
    alert: avroSerde(AlertSchema, serdeOptions),
  };
}
