/** Builds `avsc` types the way every part of Tributary reads and writes Avro. */
import avro from 'avsc';
import { LOGICAL_TYPES } from './logical-types.js';

/** An Avro schema as parsed JSON (record, enum, primitive name…). */
export type AvroSchema = avro.Schema;

/**
 * A schema that carries the TypeScript type of its values. Generated code
 * (`@tributary/schemas`) exports one per record, so serdes infer `T`.
 */
export interface TypedSchema<T> {
  readonly schema: AvroSchema;
  /** Phantom: never set, only carries `T`. */
  readonly __type?: T;
}

export type SchemaInput<T> = TypedSchema<T> | AvroSchema | string;

/** The parsed schema of any accepted input (a TypedSchema, a schema object, or its JSON text). */
export function schemaOf(input: SchemaInput<unknown>): AvroSchema {
  if (typeof input === 'string') return JSON.parse(input) as AvroSchema;
  if (typeof input === 'object' && input !== null && 'schema' in input && !('type' in input)) return (input as TypedSchema<unknown>).schema;
  return input;
}

/**
 * `avsc` type with Tributary's logical types; unions are never wrapped
 * (`["null","double"]` reads as `number | null`).
 */
export function avroType(schema: AvroSchema): avro.Type {
  return avro.Type.forSchema(schema, { logicalTypes: LOGICAL_TYPES, wrapUnions: 'never' });
}
