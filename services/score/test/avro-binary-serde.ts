import { avroType, type TypedSchema } from '@tributary/avro';
import type { Serde } from '@tributary/streams';

/** Avro binary without the registry header: the real record encoding, for driver tests that have no registry. */
export function avroBinarySerde<T>(schema: TypedSchema<T>): Serde<T> {
  const type = avroType(schema.schema);
  return {
    serialize: (value) => type.toBuffer(value),
    deserialize: (data) => type.fromBuffer(data) as T,
  };
}
