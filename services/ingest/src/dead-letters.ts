/**
 * The dead letters of a refused request: what ingest writes to the
 * dead-letter topic when it refuses records for their content, so a client
 * that got the 400 / 413 (and whoever runs the pipeline) can see exactly
 * what was refused and why.
 *
 * - `INVALID_RECORDS` and `RECORD_TOO_LARGE`: one dead letter per refused
 *   record (the valid records of the request are not written anywhere: the
 *   request is refused whole);
 * - `MALFORMED_BODY`: one dead letter holding the body (it has no records).
 *
 * Other refusals (auth, body too large, too many records, media type,
 * buffer full, not ready) are not about a record's content and write
 * nothing: a body too large must not be copied.
 *
 * Value: the record's JSON as sent (see raw-records.ts), cut at
 * `maxValueBytes`. Key: the key field's value when it is a string (or an
 * integer, as decimal text, like the topic's keys), else none. Headers: the
 * streams runtime's `tributary.dlq.error.*` names (DLQ_HEADERS) plus the
 * HTTP source's own, below.
 */
import { DLQ_HEADERS } from '@tributary/streams';
import { InvalidRecords, MalformedBody, RecordTooLarge, type RefusedRecord } from './errors.js';
import { rawRecords } from './raw-records.js';
import type { OutgoingRecord } from './record-encoder.js';
import type { BodyFormat } from './request-body.js';

/** Header names on ingest's dead letters. */
export const INGEST_DLQ_HEADERS = {
  /** `InvalidRecords`, `RecordTooLarge`, `MalformedBody` (the error class of the record's code). */
  errorClass: DLQ_HEADERS.errorClass,
  /** Why this record was refused: `INVALID_RECORDS`, `RECORD_TOO_LARGE`, `MALFORMED_BODY` (a request answered 413 RECORD_TOO_LARGE may also have INVALID_RECORDS records). */
  errorCode: DLQ_HEADERS.errorCode,
  /** The record's errors in words (at most 4 000 characters). */
  errorMessage: DLQ_HEADERS.errorMessage,
  /** `INVALID_RECORDS`: the field errors as JSON, `[{path, expected, received, message}]`. */
  errorDetails: 'tributary.dlq.error.details',
  /** When the request was received, ms since the epoch. */
  timestamp: DLQ_HEADERS.timestamp,
  /** Always `http`. */
  source: 'tributary.dlq.source',
  /** The request id (the client's `X-Request-Id`, else generated; answered in `X-Request-Id`). */
  requestId: 'tributary.dlq.source.request',
  /** `json` or `ndjson`: how the body was sent. */
  format: 'tributary.dlq.source.format',
  /** 0-based index of the record in the request (absent for MALFORMED_BODY). */
  index: 'tributary.dlq.source.index',
  /** 1-based NDJSON line of the record, or of the syntax error for MALFORMED_BODY. */
  line: 'tributary.dlq.source.line',
  /** The topic the record was meant for (INGEST_TOPIC). */
  targetTopic: 'tributary.dlq.target.topic',
  /** Present when the value was cut: the original size in bytes. */
  truncatedFrom: 'tributary.dlq.value.truncated-from',
} as const;

/** A refused request, as the dead letters need it. */
export interface RefusedRequest {
  readonly requestId: string;
  /** When it was received, ms since the epoch. */
  readonly receivedAt: number;
  readonly body: string;
  readonly format: BodyFormat;
  /** The parsed documents (absent when the body did not parse). */
  readonly documents?: readonly unknown[];
}

export interface DeadLetterOptions {
  readonly keyField: string;
  /** The topic the records were meant for. */
  readonly targetTopic: string;
  /** Largest dead-letter value; longer ones are cut (their headers say so). */
  readonly maxValueBytes: number;
}

/** A dead letter ready for the producer, with the code it is counted by. */
export interface DeadLetter extends OutgoingRecord {
  readonly code: DeadLetterCode;
}

const MAX_MESSAGE_CHARS = 4_000;
const MAX_DETAILS_CHARS = 16_000;

/** The dead letters `error` calls for, or none when it is not a refusal for content. */
export function deadLettersOf(error: unknown, request: RefusedRequest, options: DeadLetterOptions): DeadLetter[] {
  if (error instanceof MalformedBody) {
    const headers = { ...common('MALFORMED_BODY', request, options), [INGEST_DLQ_HEADERS.line]: String(error.position.line) };
    return [letter('MALFORMED_BODY', null, request.body, headers, error.message, options)];
  }
  if (!(error instanceof InvalidRecords || error instanceof RecordTooLarge)) return [];
  const texts = rawRecords(request.body, request.format);
  return error.refused.map((refused) => {
    const text = texts[refused.index] ?? JSON.stringify(request.documents?.[refused.index] ?? null);
    return letter(refused.code, keyOf(request.documents?.[refused.index], options.keyField), text, recordHeaders(refused, request, options), refused.message, options);
  });
}

type DeadLetterCode = RefusedRecord['code'] | 'MALFORMED_BODY';

/** The error class each code is raised as (for `tributary.dlq.error.class`, as the streams runtime writes it). */
const ERROR_CLASSES: Readonly<Record<DeadLetterCode, string>> = {
  INVALID_RECORDS: InvalidRecords.name,
  RECORD_TOO_LARGE: RecordTooLarge.name,
  MALFORMED_BODY: MalformedBody.name,
};

function common(code: DeadLetterCode, request: RefusedRequest, options: DeadLetterOptions): Record<string, string> {
  return {
    [INGEST_DLQ_HEADERS.errorClass]: ERROR_CLASSES[code],
    [INGEST_DLQ_HEADERS.errorCode]: code,
    [INGEST_DLQ_HEADERS.timestamp]: String(request.receivedAt),
    [INGEST_DLQ_HEADERS.source]: 'http',
    [INGEST_DLQ_HEADERS.requestId]: request.requestId,
    [INGEST_DLQ_HEADERS.format]: request.format,
    [INGEST_DLQ_HEADERS.targetTopic]: options.targetTopic,
  };
}

function recordHeaders(refused: RefusedRecord, request: RefusedRequest, options: DeadLetterOptions): Record<string, string> {
  const headers: Record<string, string> = { ...common(refused.code, request, options), [INGEST_DLQ_HEADERS.index]: String(refused.index) };
  if (refused.line !== undefined) headers[INGEST_DLQ_HEADERS.line] = String(refused.line);
  if (refused.errors.length > 0) headers[INGEST_DLQ_HEADERS.errorDetails] = errorDetails(refused);
  return headers;
}

/** The field errors as JSON, dropping trailing errors rather than cutting the JSON. */
function errorDetails(refused: RefusedRecord): string {
  for (let count = refused.errors.length; count > 0; count--) {
    const json = JSON.stringify(refused.errors.slice(0, count));
    if (json.length <= MAX_DETAILS_CHARS) return json;
  }
  return '[]';
}

function letter(code: DeadLetterCode, key: string | null, text: string, headers: Record<string, string>, message: string, options: DeadLetterOptions): DeadLetter {
  let value = Buffer.from(text, 'utf8');
  if (value.length > options.maxValueBytes) {
    headers[INGEST_DLQ_HEADERS.truncatedFrom] = String(value.length);
    value = value.subarray(0, options.maxValueBytes);
  }
  headers[INGEST_DLQ_HEADERS.errorMessage] = message.slice(0, MAX_MESSAGE_CHARS);
  return { key, value, headers, code };
}

/** The key field's value when it can be a key: a string, or an integer as decimal text. */
function keyOf(document: unknown, keyField: string): string | null {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return null;
  const value = (document as Record<string, unknown>)[keyField];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return null;
}
