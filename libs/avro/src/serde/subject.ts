/** How a topic's key or value maps to a registry subject. */
import type { AvroSchema } from '../schema/types.js';

export interface SerdeContext {
  readonly topic: string;
  readonly isKey: boolean;
}

/**
 * - `topic` (TopicNameStrategy, the default): `<topic>-value` / `<topic>-key`;
 *   one record type per topic, evolved under that subject's rule.
 * - `record` (RecordNameStrategy): the record's full name; one subject per
 *   record type, shared by every topic that carries it.
 * - `topic-record` (TopicRecordNameStrategy): `<topic>-<full name>`.
 * - or a function of your own.
 */
export type SubjectNameStrategy = 'topic' | 'record' | 'topic-record' | ((context: SerdeContext, schema: AvroSchema) => string);

export function subjectName(strategy: SubjectNameStrategy, context: SerdeContext, schema: AvroSchema): string {
  if (typeof strategy === 'function') return strategy(context, schema);
  switch (strategy) {
    case 'topic':
      return `${context.topic}-${context.isKey ? 'key' : 'value'}`;
    case 'record':
      return recordFullName(schema);
    case 'topic-record':
      return `${context.topic}-${recordFullName(schema)}`;
  }
}

/** `namespace.name` of a named schema (record, enum, fixed). */
export function recordFullName(schema: AvroSchema): string {
  const named = schema as { name?: unknown; namespace?: unknown };
  if (typeof named.name !== 'string') throw new TypeError('RecordNameStrategy needs a named schema (record, enum or fixed)');
  if (named.name.includes('.') || typeof named.namespace !== 'string' || named.namespace === '') return named.name;
  return `${named.namespace}.${named.name}`;
}
