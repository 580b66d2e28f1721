import { avroType, type TypedSchema } from '@tributary/avro';
import type { Serde } from '@tributary/streams';

/**
 * Plain Avro binary with Tributary's logical types and no registry (no
 * Confluent header): the topology runs in the driver against the real
 * schemas, so a value that does not fit its schema fails here as it would in
 * production, and timestamps round-trip as Dates.
 */
export function avroBinarySerde<T>(schema: TypedSchema<T>): Serde<T> {
  const type = avroType(schema.schema);
  return {
    serialize: (value) => type.toBuffer(value),
    deserialize: (data) => type.fromBuffer(data) as T,
  };
}
