/**
 * Every way an ingest request can be refused, made in one place: each error
 * has a stable `code`, the HTTP status it answers with, and `retriable`
 * (whether sending the same request again may succeed). The routes turn any
 * of them into `{ error: code, message, ... }` with that status.
 */
import { TributaryError } from '@tributary/streams';
import type { JsonFieldError } from '@tributary/avro';

export abstract class IngestError extends TributaryError {
  abstract readonly status: number;
  /** Response headers that belong to the refusal (`Retry-After`, `WWW-Authenticate`). */
  readonly headers: Readonly<Record<string, string>> = {};

  /** The response body; subclasses add their details. */
  body(): Record<string, unknown> {
    return { error: this.code, message: this.message };
  }
}

/** The body is not valid JSON / NDJSON; names the position (and the line, for NDJSON). */
export class MalformedBody extends IngestError {
  readonly status = 400;
  constructor(
    message: string,
    readonly position: { readonly line: number; readonly column: number; readonly offset: number },
  ) {
    super('MALFORMED_BODY', message);
  }
  override body(): Record<string, unknown> {
    return { ...super.body(), ...this.position };
  }
}

/** The errors of one record of a request, by its index in the array or NDJSON stream. */
export interface RecordErrors {
  /** 0-based index of the record in the request (array index, or n-th non-empty NDJSON line). */
  readonly index: number;
  /** 1-based line of the record, for NDJSON bodies. */
  readonly line?: number;
  readonly errors: readonly JsonFieldError[];
}

/**
 * One record of a request refused for its content, with why: what the
 * dead-letter topic gets (one dead letter per refused record).
 */
export interface RefusedRecord {
  /** 0-based index of the record in the request. */
  readonly index: number;
  /** 1-based line of the record, for NDJSON bodies. */
  readonly line?: number;
  readonly code: 'INVALID_RECORDS' | 'RECORD_TOO_LARGE';
  /** Why this record was refused: its field errors, or its encoded size. */
  readonly message: string;
  /** The schema validation errors (empty for RECORD_TOO_LARGE). */
  readonly errors: readonly JsonFieldError[];
}

/** A refusal that names the records it refused for their content (they are dead-lettered). */
export interface RefusesRecords {
  /** Every refused record of the request (not only the ones the answer lists). */
  readonly refused: readonly RefusedRecord[];
}

/** At least one record does not fit the topic's schema: the whole request is refused, nothing is produced. */
export class InvalidRecords extends IngestError implements RefusesRecords {
  readonly status = 400;
  /**
   * @param records the invalid records reported (the first ones, up to a cap)
   * @param invalid how many records of the request are invalid
   * @param total how many records the request holds
   * @param refused every invalid record, for the dead-letter topic
   */
  constructor(
    readonly records: readonly RecordErrors[],
    readonly invalid: number,
    readonly total: number,
    readonly refused: readonly RefusedRecord[] = [],
  ) {
    const first = records[0];
    super(
      'INVALID_RECORDS',
      `${invalid} of ${total} record(s) do not match the schema, so none was written; the first: record ${first?.index ?? '?'}: ${first?.errors[0]?.message ?? ''}`,
    );
  }
  override body(): Record<string, unknown> {
    return { ...super.body(), invalid: this.invalid, total: this.total, records: this.records };
  }
}

/** The body holds no record (an empty array, an empty NDJSON stream). */
export class EmptyBody extends IngestError {
  readonly status = 400;
  constructor() {
    super('EMPTY_BODY', 'the request holds no record: send a JSON object, a JSON array of objects, or NDJSON lines');
  }
}

/** Missing `Authorization: Bearer …` while a token is configured. */
export class Unauthorized extends IngestError {
  readonly status = 401;
  override readonly headers = { 'www-authenticate': 'Bearer realm="ingest"' };
  constructor() {
    super('UNAUTHORIZED', 'this endpoint needs an "Authorization: Bearer <token>" header');
  }
}

/** A bearer token that is not the configured one. */
export class Forbidden extends IngestError {
  readonly status = 403;
  constructor() {
    super('FORBIDDEN', 'the bearer token is not valid for this endpoint');
  }
}

/** Body over MAX_BODY_BYTES, more than MAX_RECORDS records, or a record over MAX_RECORD_BYTES once encoded. */
export class PayloadTooLarge extends IngestError {
  readonly status = 413;
  constructor(code: 'BODY_TOO_LARGE' | 'TOO_MANY_RECORDS' | 'RECORD_TOO_LARGE', message: string) {
    super(code, message);
  }
}

/** Records whose encoding is over MAX_RECORD_BYTES: the whole request is refused (413), those records are dead-lettered. */
export class RecordTooLarge extends PayloadTooLarge implements RefusesRecords {
  constructor(
    message: string,
    readonly refused: readonly RefusedRecord[],
  ) {
    super('RECORD_TOO_LARGE', message);
  }
}

/** A content type other than application/json or application/x-ndjson. */
export class UnsupportedMediaType extends IngestError {
  readonly status = 415;
  constructor(received: string | undefined) {
    super(
      'UNSUPPORTED_MEDIA_TYPE',
      `content type ${received === undefined || received === '' ? '(none)' : JSON.stringify(received)} is not accepted: send application/json or application/x-ndjson`,
    );
  }
}

/** The in-flight buffer cannot take the request's records now: back off and retry. */
export class BufferFull extends IngestError {
  readonly status = 429;
  override readonly headers: Readonly<Record<string, string>>;
  constructor(buffered: number, requested: number, capacity: number, retryAfterSeconds: number) {
    super(
      'BUFFER_FULL',
      `the ingest buffer holds ${buffered} of ${capacity} records and cannot take ${requested} more; nothing was written: retry after ${retryAfterSeconds} s`,
      { retriable: true },
    );
    this.headers = { 'retry-after': String(retryAfterSeconds) };
  }
}

/** Kafka is unreachable or did not acknowledge the records; the request may be retried. */
export class BrokerUnavailable extends IngestError {
  readonly status = 503;
  override readonly headers = { 'retry-after': '5' };
  constructor(message: string, cause?: unknown) {
    super('BROKER_UNAVAILABLE', message, { retriable: true, cause });
  }
}

/** The service cannot accept records yet (schema not loaded, producer not connected) or any more (shutting down). */
export class NotReady extends IngestError {
  readonly status = 503;
  override readonly headers = { 'retry-after': '1' };
  constructor(message: string) {
    super('NOT_READY', message, { retriable: true });
  }
}

/** Kafka refused the records for a reason retrying will not fix (authorization, a topic that vanished…). */
export class ProduceFailed extends IngestError {
  readonly status = 500;
  constructor(message: string, cause?: unknown) {
    super('PRODUCE_FAILED', message, { cause });
  }
}

/** A setting or the topic's schema makes the service unable to run (raised at start). */
export class IngestSetupError extends TributaryError {
  constructor(message: string, cause?: unknown) {
    super('INGEST_SETUP', message, { cause });
  }
}
