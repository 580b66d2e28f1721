/**
 * The OpenAPI description of the ingest route: request formats and every
 * answer, as fastify route schemas (from which @fastify/swagger builds the
 * document and fast-json-stringify the response serializers). The record
 * itself is the shared schema `IngestRecord`, filled in from the topic's
 * Avro schema when the document is served.
 */
import type { FastifySchema } from 'fastify';
import { MEDIA_TYPES } from './request-body.js';
import type { JsonSchema } from './record-json-schema.js';

/** `$id` of the record's shared schema (a component of the document). */
export const RECORD_SCHEMA_ID = 'IngestRecord';

/** Placeholder until the topic's schema is loaded. */
export const PLACEHOLDER_RECORD_SCHEMA: JsonSchema = {
  $id: RECORD_SCHEMA_ID,
  type: 'object',
  description: "One record of the topic's Avro schema, as plain JSON (loaded from the schema registry at start).",
};

const fieldError = {
  type: 'object',
  properties: {
    path: { type: 'string', description: 'Field path: `gps.latitudeDeg`, `items[3].value`, `(root)`.' },
    expected: { type: 'string', description: 'The Avro type expected there, in words.' },
    received: { type: 'string', description: 'The JSON received there, or `missing`.' },
    message: { type: 'string' },
  },
  required: ['path', 'expected', 'received', 'message'],
} as const;

function refusal(description: string, extra: Record<string, unknown> = {}, headers?: Record<string, unknown>): Record<string, unknown> {
  return {
    description,
    type: 'object',
    properties: {
      error: { type: 'string', description: 'Stable error code.' },
      message: { type: 'string', description: 'What went wrong and what to do.' },
      ...extra,
    },
    required: ['error', 'message'],
    ...(headers === undefined ? {} : { headers }),
  };
}

const retryAfter = { 'Retry-After': { type: 'integer', description: 'Seconds to wait before retrying.' } };
const requestId = {
  'X-Request-Id': { type: 'string', description: "The request's id: the client's own `X-Request-Id` (printable ASCII, up to 128 characters), else a generated UUID. Dead letters carry it." },
};

export interface RecordsRouteDoc {
  readonly topic: string;
  readonly keyField: string;
  readonly maxRecords: number;
  readonly maxBodyBytes: number;
  readonly auth: boolean;
  /** Where refused records are written (none when absent). */
  readonly deadLetterTopic?: string | undefined;
}

/** The route schema of `POST /records`. */
export function recordsRouteSchema(doc: RecordsRouteDoc): FastifySchema {
  const record = { $ref: `${RECORD_SCHEMA_ID}#` };
  const dlq = doc.deadLetterTopic;
  const deadLettered =
    dlq === undefined ? '' : ` Before this answer, the refused records (or the malformed body) were written to the dead-letter topic \`${dlq}\`, with the request id.`;
  return {
    summary: `Write records to ${doc.topic}`,
    description: [
      `Validates every record against the topic's Avro schema and writes them to Kafka topic \`${doc.topic}\`, keyed by the \`${doc.keyField}\` field, with an idempotent producer (acks=all).`,
      'The answer comes only after Kafka acknowledged every record of the request: a 200 means they are stored.',
      'All or nothing for validation: if any record is invalid, none is written and the 400 lists the invalid records by index.',
      `At most ${doc.maxRecords} records and ${doc.maxBodyBytes} bytes per request.`,
      'A 503 or 500 means the records may be partly written: retrying can duplicate some of them.',
      ...(dlq === undefined
        ? []
        : [`Records refused for their content (400 MALFORMED_BODY and INVALID_RECORDS, 413 RECORD_TOO_LARGE) are written to the dead-letter topic \`${dlq}\` before the answer, one per refused record; the valid records of a refused request are written nowhere.`]),
    ].join(' '),
    ...(doc.auth ? { security: [{ bearer: [] }] } : {}),
    body: {
      content: {
        'application/json': {
          schema: {
            description: 'One record, or an array of records.',
            oneOf: [record, { type: 'array', items: record, minItems: 1, maxItems: doc.maxRecords }],
          },
        },
        [MEDIA_TYPES.ndjson[0] as string]: {
          schema: { description: 'NDJSON: one record (a JSON object of this schema) per line; blank lines are skipped.', allOf: [record] },
        },
      },
    },
    response: {
      200: {
        description: 'Every record was acknowledged by Kafka.',
        type: 'object',
        properties: { accepted: { type: 'integer', description: 'Records written.' } },
        required: ['accepted'],
        headers: requestId,
      },
      400: refusal(`MALFORMED_BODY (not JSON / NDJSON: \`line\`, \`column\`, \`offset\` say where), INVALID_RECORDS (\`records\` lists the invalid ones) or EMPTY_BODY. Nothing was written to the topic.${deadLettered}`, {
        line: { type: 'integer' },
        column: { type: 'integer' },
        offset: { type: 'integer' },
        invalid: { type: 'integer', description: 'How many records are invalid.' },
        total: { type: 'integer', description: 'How many records the request holds.' },
        records: {
          type: 'array',
          description: 'The first invalid records (up to 100), by 0-based index; `line` for NDJSON.',
          items: {
            type: 'object',
            properties: { index: { type: 'integer' }, line: { type: 'integer' }, errors: { type: 'array', items: fieldError } },
            required: ['index', 'errors'],
          },
        },
      }, requestId),
      ...(doc.auth
        ? {
            401: refusal('UNAUTHORIZED: no `Authorization: Bearer <token>` header.', {}, { 'WWW-Authenticate': { type: 'string' } }),
            403: refusal('FORBIDDEN: the bearer token is not the configured one.'),
          }
        : {}),
      413: refusal(
        `BODY_TOO_LARGE (over ${doc.maxBodyBytes} bytes), TOO_MANY_RECORDS (over ${doc.maxRecords}) or RECORD_TOO_LARGE (one record's encoding is over the limit). Nothing was written to the topic.${dlq === undefined ? '' : ` For RECORD_TOO_LARGE (only), the refused records were written to the dead-letter topic \`${dlq}\` first.`}`,
        {},
        requestId,
      ),
      415: refusal('UNSUPPORTED_MEDIA_TYPE: send application/json or application/x-ndjson.'),
      429: refusal('BUFFER_FULL: too many records are waiting for Kafka; nothing was written. Retry after Retry-After seconds.', {}, retryAfter),
      500: refusal('PRODUCE_FAILED: Kafka refused the records for a reason retrying will not fix; some may have been written.'),
      503: refusal(
        'BROKER_UNAVAILABLE (Kafka unreachable or did not acknowledge: some records may have been written; retry) or NOT_READY (schema not loaded, starting or shutting down; nothing was written).',
        {},
        retryAfter,
      ),
    },
  };
}
