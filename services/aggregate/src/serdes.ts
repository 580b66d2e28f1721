import { avroSerde, type AvroSerde, type RegistryClient } from '@tributary/avro';
import { EnrichedReadingSchema, WindowAggregateSchema, type EnrichedReading, type WindowAggregate } from '@tributary/schemas';
import type { AggregateSerdes } from './topology.js';

/** The Avro serdes of the aggregate topics, over one registry client (Confluent wire format, TopicNameStrategy). */
export interface AvroAggregateSerdes extends AggregateSerdes {
  readonly reading: AvroSerde<EnrichedReading>;
  readonly aggregate: AvroSerde<WindowAggregate>;
}

/** `autoRegister: false` makes the output serde only look its schema up (production: schemas are registered by `npm run schemas -- register`). */
export function avroAggregateSerdes(registry: RegistryClient, options: { autoRegister?: boolean } = {}): AvroAggregateSerdes {
  const serdeOptions = { registry, autoRegister: options.autoRegister ?? true };
  return {
    reading: avroSerde(EnrichedReadingSchema, serdeOptions),
    aggregate: avroSerde(WindowAggregateSchema, serdeOptions),
  };
}
