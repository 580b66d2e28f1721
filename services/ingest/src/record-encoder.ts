/**
 * JSON documents → Kafka messages: each document is validated against the
 * topic's schema (field path, expected type and value received for every
 * error), its key taken from the key field, and its value encoded in the
 * Confluent wire format with the registered schema id. All or nothing: if
 * one document is invalid, no message is returned.
 */
import { avroType, JsonValidator, withHeader, type JsonFieldError } from '@tributary/avro';
import { InvalidRecords, PayloadTooLarge, type RecordErrors } from './errors.js';
import { checkKeyField, type TopicSchema } from './topic-schema.js';

/** A record ready for the producer. */
export interface EncodedRecord {
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
   * Encodes every document, or throws `InvalidRecords` (listing the first
   * invalid ones by index, and NDJSON line when `lines` is given) or
   * `PayloadTooLarge` (`RECORD_TOO_LARGE`).
   */
  encode(documents: readonly unknown[], lines?: readonly number[]): EncodedRecord[] {
    const records: EncodedRecord[] = [];
    const invalid: RecordErrors[] = [];
    let invalidCount = 0;
    for (let index = 0; index < documents.length; index++) {
      const errors = this.encodeOne(documents[index], index, records);
      if (errors === undefined) continue;
      invalidCount++;
      if (invalid.length < this.maxReported) {
        const line = lines?.[index];
        invalid.push(line === undefined ? { index, errors } : { index, line, errors });
      }
    }
    if (invalidCount > 0) throw new InvalidRecords(invalid, invalidCount, documents.length);
    return records;
  }

  /** Appends the encoded record to `out`, or returns its errors. */
  private encodeOne(document: unknown, index: number, out: EncodedRecord[]): readonly JsonFieldError[] | undefined {
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
    if (body.length + 5 > this.options.maxRecordBytes) {
      throw new PayloadTooLarge(
        'RECORD_TOO_LARGE',
        `record ${index} encodes to ${body.length + 5} bytes, above MAX_RECORD_BYTES (${this.options.maxRecordBytes}); nothing was written`,
      );
    }
    out.push({ key: String(result.value[this.options.keyField]), value: withHeader(this.schema.id, body) });
    return undefined;
  }
}
