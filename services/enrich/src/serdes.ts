import { avroSerde, type AvroSerde, type RegistryClient } from '@tributary/avro';
import { ContainerReferenceSchema, EnrichedReadingSchema, SensorReadingSchema, type ContainerReference, type EnrichedReading, type SensorReading } from '@tributary/schemas';
import type { EnrichSerdes } from './topology.js';

/** The Avro serdes of the enrich topics, over one registry client (Confluent wire format, TopicNameStrategy). */
export interface AvroEnrichSerdes extends EnrichSerdes {
  readonly reading: AvroSerde<SensorReading>;
  readonly reference: AvroSerde<ContainerReference>;
  readonly enriched: AvroSerde<EnrichedReading>;
}

/** `autoRegister: false` makes the output serde only look its schema up (production: schemas are registered by `npm run schemas -- register`). */
export function avroEnrichSerdes(registry: RegistryClient, options: { autoRegister?: boolean } = {}): AvroEnrichSerdes {
  const serdeOptions = { registry, autoRegister: options.autoRegister ?? true };
  return {
    reading: avroSerde(SensorReadingSchema, serdeOptions),
    reference: avroSerde(ContainerReferenceSchema, serdeOptions),
    enriched: avroSerde(EnrichedReadingSchema, serdeOptions),
  };
}
