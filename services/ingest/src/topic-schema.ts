/**
 * The schema ingest writes with: the version registered under the topic's
 * value subject (`<topic>-value`; the latest by default, or a pinned one), or
 * a local `.avsc` file that must already be registered under that subject.
 * The registry is the source of truth either way: records carry the
 * registered id, and a schema the registry does not hold is never written
 * (ingest does not register schemas; `npm run schemas -- register` does).
 *
 * The schema is read once, at start: a new version reaches ingest on its
 * next (rolling) restart, after the topic's consumers were upgraded — the
 * order BACKWARD compatibility asks for.
 */
import { avroType, loadSchemaFile, type AvroSchema, type RegistryClient } from '@tributary/avro';
import { IngestSetupError } from './errors.js';

export interface TopicSchema {
  readonly subject: string;
  /** The registry's id of the schema: the wire-format header of every record. */
  readonly id: number;
  readonly schema: AvroSchema;
  /** Where it came from, for logs: `registry coldchain.readings-value version 3 (id 7)`. */
  readonly source: string;
}

export interface TopicSchemaOptions {
  readonly subject: string;
  /** A version number, or `latest` (default). Ignored with `file`. */
  readonly version?: number | 'latest';
  /** A local `.avsc` file to write with; it must be registered under `subject`. */
  readonly file?: string;
}

/**
 * Loads the schema. A subject with no version, a file that is not
 * registered, or a file that is not a schema are `IngestSetupError`s; an
 * unreachable registry is the registry client's `RegistryUnavailable`
 * (retriable: the caller tries again).
 */
export async function loadTopicSchema(registry: RegistryClient, options: TopicSchemaOptions): Promise<TopicSchema> {
  const { subject } = options;
  if (options.file !== undefined) {
    const file = loadSchemaFile(options.file);
    const id = await registry.lookup(subject, file.text);
    if (id === undefined) {
      throw new IngestSetupError(
        `the schema in ${options.file} is not registered under subject "${subject}" at ${registry.url}: register it first (npm run schemas -- check, then register)`,
      );
    }
    return { subject, id, schema: file.schema, source: `file ${options.file}, registered under ${subject} (id ${id})` };
  }
  const version = options.version ?? 'latest';
  const found = await registry.version(subject, version);
  if (found === undefined) {
    throw new IngestSetupError(
      `subject "${subject}" has ${version === 'latest' ? 'no registered version' : `no version ${version}`} at ${registry.url}: register the topic's schema first (npm run schemas -- register)`,
    );
  }
  let schema: AvroSchema;
  try {
    schema = JSON.parse(found.schema) as AvroSchema;
  } catch (error) {
    throw new IngestSetupError(`subject "${subject}" version ${found.version} is not JSON (not an Avro schema?): ${String(error)}`, error);
  }
  return { subject, id: found.id, schema, source: `registry ${subject} version ${found.version} (id ${found.id})` };
}

interface FieldTypeView {
  readonly typeName: string;
  readonly underlyingType?: FieldTypeView;
}
interface RecordTypeView {
  readonly typeName: string;
  readonly name?: string;
  field(name: string): { readonly type: FieldTypeView } | undefined;
}

const KEY_TYPES = ['string', 'int', 'long'];

/**
 * Checks that `keyField` is a top-level field the record key can be taken
 * from: a string, int or long (not nullable — every record needs its key).
 */
export function checkKeyField(schema: AvroSchema, keyField: string): void {
  const type = avroType(schema) as unknown as RecordTypeView;
  if (type.typeName !== 'record') throw new IngestSetupError(`the topic's schema is a ${type.typeName}, not a record: ingest writes records`);
  const field = type.field(keyField);
  if (field === undefined) {
    throw new IngestSetupError(`KEY_FIELD "${keyField}" is not a field of ${type.name ?? 'the record'}: set KEY_FIELD to the top-level field that holds the record key`);
  }
  const fieldType = field.type.typeName.startsWith('logical:') ? field.type.underlyingType : field.type;
  if (fieldType === undefined || !KEY_TYPES.includes(fieldType.typeName)) {
    throw new IngestSetupError(`KEY_FIELD "${keyField}" is a ${field.type.typeName}; the key field must be a string, int or long (not nullable)`);
  }
}
