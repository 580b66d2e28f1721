/**
 * Errors raised by the Avro serde, the registry client and the schema tools.
 * Every class carries a stable `code` and a `retriable` flag (default false:
 * only a registry that could not be reached, or answered 5xx, is worth trying
 * again). The runtime's dead-letter policy puts `name`, `code` and `message`
 * in the DLQ record's headers, so messages say what to do.
 */
export class AvroError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** Base of the errors a payload can cause while it is decoded: never retriable, route them to the DLQ. */
export class DecodeError extends AvroError {}

/** The first byte is not the Confluent wire format's magic byte 0 (not Avro from a registry serializer). */
export class UnknownMagicByte extends DecodeError {
  readonly magicByte: number;
  constructor(magicByte: number) {
    super('UNKNOWN_MAGIC_BYTE', `payload starts with byte ${magicByte}, expected magic byte 0 (Confluent wire format); was it written by a registry-aware serializer?`);
    this.magicByte = magicByte;
  }
}

/** The payload is shorter than the format allows (header, or Avro body ends early). */
export class TruncatedPayload extends DecodeError {
  constructor(message: string) {
    super('TRUNCATED_PAYLOAD', message);
  }
}

/** The schema id in the header is not known to the registry (404). */
export class UnknownSchemaId extends DecodeError {
  readonly schemaId: number;
  constructor(schemaId: number, registryUrl: string) {
    super('UNKNOWN_SCHEMA_ID', `schema id ${schemaId} is not registered in ${registryUrl}; the record was written against another registry, or the schema was deleted`);
    this.schemaId = schemaId;
  }
}

/**
 * The writer's schema cannot be read with the reader's schema (Avro schema
 * resolution fails), or a schema was refused by the registry's compatibility rule.
 */
export class IncompatibleSchema extends DecodeError {
  constructor(message: string, cause?: unknown) {
    super('INCOMPATIBLE_SCHEMA', message, { cause });
  }
}

/** The bytes do not decode under the writer's schema (bad varint, invalid union index, bytes left over…). */
export class CorruptPayload extends DecodeError {
  constructor(message: string, cause?: unknown) {
    super('CORRUPT_PAYLOAD', message, { cause });
  }
}

/** The registry could not be reached, timed out or answered 5xx: try again later, the record is fine. */
export class RegistryUnavailable extends AvroError {
  readonly status: number | undefined;
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super('REGISTRY_UNAVAILABLE', message, { retriable: true, cause: options.cause });
    this.status = options.status;
  }
}

/** The registry answered with an error that retrying will not fix (4xx other than those above). */
export class RegistryError extends AvroError {
  readonly status: number | undefined;
  constructor(message: string, status?: number, cause?: unknown) {
    super('REGISTRY_ERROR', message, { cause });
    this.status = status;
  }
}

/** The registry refused to register a schema because it breaks the subject's compatibility rule (HTTP 409). */
export class SchemaRejected extends AvroError {
  readonly subject: string;
  constructor(subject: string, message: string, cause?: unknown) {
    super('SCHEMA_REJECTED', message, { cause });
    this.subject = subject;
  }
}

/** The serializer's schema is not registered under the subject and auto-registration is off. */
export class SchemaNotRegistered extends AvroError {
  readonly subject: string;
  constructor(subject: string, registryUrl: string) {
    super('SCHEMA_NOT_REGISTERED', `the schema is not registered under subject "${subject}" in ${registryUrl}; run \`npm run schemas -- register\` (or enable autoRegister)`);
    this.subject = subject;
  }
}

/** A value does not fit the schema it is serialized with. */
export class InvalidValue extends AvroError {
  readonly paths: readonly string[];
  constructor(message: string, paths: readonly string[]) {
    super('INVALID_VALUE', message);
    this.paths = paths;
  }
}

/** A `.avsc` file cannot be read or parsed, or its name does not map to a subject. */
export class SchemaFileError extends AvroError {
  readonly file: string;
  constructor(file: string, message: string, cause?: unknown) {
    super('SCHEMA_FILE', `${file}: ${message}`, { cause });
    this.file = file;
  }
}
