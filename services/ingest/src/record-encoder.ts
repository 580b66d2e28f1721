/**
 * JSON documents → Kafka messages: each document is validated against the
 * topic's schema (field path, expected type and value received for every
 * error), its key taken from the key field, and its value encoded in the
 * Confluent wire format with the registered schema id. All or nothing: if
 * one document is invalid (or too large), no message is returned, and the
 * refusal names every refused document for the dead-letter topic.
 */
import { avroType, JsonValidator, withHeader, type JsonFieldError } from '@tributary/avro';
import { InvalidRecords, RecordTooLarge, type RecordErrors, type RefusedRecord } from './errors.js';
import { checkKeyField, type TopicSchema } from './topic-schema.js';

/** A message for a producer: the main topic's records and dead letters alike. */
export interface OutgoingRecord {
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A record ready for the producer. */
export interface EncodedRecord extends OutgoingRecord {
  readonly key: string;
  /** Magic byte, schema id, Avro body. */
  readonly value: Buffer;
}

export interface RecordEncoderOptions {
  /** Top-level field whose value is the record key. */
  readonly keyField: string;
  /** Largest encoded value accepted (the broker refuses batches over `message.max.bytes`, 1 MiB by default). */
  readonly maxRecordBytes: number;
  /** Drop fields the schema does not have instead of refusing the record (default false). */
  readonly allowUnknownFields?: boolean;
  /** How many invalid records a refusal lists (default 100; the count covers all). */
  readonly maxReportedRecords?: number;
}

export class RecordEncoder {
  private readonly validator: JsonValidator<Record<string, unknown>>;
  private readonly type: { toBuffer(value: unknown): Buffer };
  private readonly maxReported: number;

  constructor(
    readonly schema: TopicSchema,
    private readonly options: RecordEncoderOptions,
  ) {
    checkKeyField(schema.schema, options.keyField);
    this.validator = new JsonValidator<Record<string, unknown>>(schema.schema, {
      allowUnknownFields: options.allowUnknownFields ?? false,
      maxErrors: 10,
    });
    this.type = avroType(schema.schema);
    this.maxReported = options.maxReportedRecords ?? 100;
  }

  /**
   * Encodes every document, or throws: `RecordTooLarge` (413) when any
   * record encodes to more than `maxRecordBytes`, else `InvalidRecords`
   * (listing the first invalid ones by index, and NDJSON line when `lines`
   * is given) when any record does not fit the schema. Either names every
   * refused record in `refused`, for the dead-letter topic.
   */
  encode(documents: readonly unknown[], lines?: readonly number[]): EncodedRecord[] {
    const records: EncodedRecord[] = [];
    const invalid: RecordErrors[] = [];
    const refused: RefusedRecord[] = [];
    const tooLarge: RefusedRecord[] = [];
    let invalidCount = 0;
    for (let index = 0; index < documents.length; index++) {
      const line = lines?.[index];
      const at = line === undefined ? { index } : { index, line };
      const outcome = this.encodeOne(documents[index], records);
      if (outcome === undefined) continue;
      if (typeof outcome === 'number') {
        const message = `record ${index}${line === undefined ? '' : ` (line ${line})`} encodes to ${outcome} bytes, above MAX_RECORD_BYTES (${this.options.maxRecordBytes})`;
        tooLarge.push({ ...at, code: 'RECORD_TOO_LARGE', message, errors: [] });
        continue;
      }
      invalidCount++;
      if (invalid.length < this.maxReported) invalid.push({ ...at, errors: outcome });
      refused.push({ ...at, code: 'INVALID_RECORDS', message: outcome.map((e) => e.message).join('; '), errors: outcome });
    }
    const firstTooLarge = tooLarge[0];
    if (firstTooLarge !== undefined) {
      // Too large wins over invalid (as when it was checked first): the refusal is 413, and every refused record is dead-lettered.
      const others = tooLarge.length > 1 ? ` (${tooLarge.length} records are too large)` : '';
      throw new RecordTooLarge(`${firstTooLarge.message}${others}; nothing was written`, [...refused, ...tooLarge].sort((a, b) => a.index - b.index));
    }
    if (invalidCount > 0) throw new InvalidRecords(invalid, invalidCount, documents.length, refused);
    return records;
  }

  /** Appends the encoded record to `out`; else returns its errors, or its encoded size when that is too large. */
  private encodeOne(document: unknown, out: EncodedRecord[]): readonly JsonFieldError[] | number | undefined {
    const result = this.validator.validate(document);
    if (!result.ok) return result.errors;
    let body: Buffer;
    try {
      body = this.type.toBuffer(result.value);
    } catch (error) {
      // The validator and the encoder disagree: report it as the record's error rather than failing the request blindly.
      const message = error instanceof Error ? error.message : String(error);
      return [{ path: '(root)', expected: 'a value the Avro encoder accepts', received: message, message: `(root): cannot be encoded: ${message}` }];
    }
    if (body.length + 5 > this.options.maxRecordBytes) return body.length + 5;
    out.push({ key: String(result.value[this.options.keyField]), value: withHeader(this.schema.id, body) });
    return undefined;
  }
}
