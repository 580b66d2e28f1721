/**
 * The ingest HTTP API as a fastify plugin: `POST /records` and
 * `GET /openapi.json`. Mount it on the service shell's app (beside
 * /healthz, /readyz, /metrics) or on a bare fastify instance in tests:
 *
 * ```ts
 * await app.register(ingestRoutes({ ingest, maxBodyBytes: 10 * 1024 * 1024, maxRecords: 10_000 }));
 * ```
 *
 * A request goes through: bearer token (when configured) → body size and
 * content type → ready and buffer not full → JSON/NDJSON parsing → record
 * count → validation and encoding of every record → produce, answered once
 * Kafka acknowledged all of them. The first refusal answers; its status and
 * body come from the `IngestError` raised (see errors.ts). Records refused
 * for their content (a body that is not JSON, invalid or too large records)
 * are written to the dead-letter topic before that answer goes out.
 *
 * Every answer carries `X-Request-Id`: the client's own when it sent a
 * usable one, else a generated UUID. Dead letters carry it too.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import { bearerAuth } from './bearer-auth.js';
import { IngestError, PayloadTooLarge, UnsupportedMediaType } from './errors.js';
import type { Ingest } from './ingest.js';
import { PLACEHOLDER_RECORD_SCHEMA, RECORD_SCHEMA_ID, recordsRouteSchema } from './openapi.js';
import { recordJsonSchema } from './record-json-schema.js';
import { bodyFormat, MEDIA_TYPES, parseBody, type ParsedBody } from './request-body.js';

export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_RECORDS = 10_000;

export interface IngestRoutesOptions {
  readonly ingest: Ingest;
  /** The record key's field, for the documentation. */
  readonly keyField: string;
  /** Largest body accepted (413 above); default 10 MiB. */
  readonly maxBodyBytes?: number;
  /** Most records per request (413 above); default 10 000. */
  readonly maxRecords?: number;
  /** When set, POST /records needs `Authorization: Bearer <token>`. */
  readonly token?: string | undefined;
  /** Document title and version in /openapi.json. */
  readonly apiInfo?: { readonly title: string; readonly version: string };
}

/** A client's `X-Request-Id` is kept when it is short printable ASCII (it goes into logs and Kafka headers). */
const USABLE_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

function requestIdOf(request: FastifyRequest): string {
  const sent = request.headers['x-request-id'];
  return typeof sent === 'string' && USABLE_REQUEST_ID.test(sent) ? sent : randomUUID();
}

/** Status, headers and body of any error raised while handling a request. */
function refusalOf(error: FastifyError | Error, request: FastifyRequest, maxBodyBytes: number): { status: number; headers: Record<string, string>; body: Record<string, unknown> } {
  let known: IngestError | undefined = error instanceof IngestError ? error : undefined;
  const code = (error as Partial<FastifyError>).code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    known = new PayloadTooLarge('BODY_TOO_LARGE', `the body is larger than MAX_BODY_BYTES (${maxBodyBytes} bytes); nothing was written: split it into smaller requests`);
  } else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    known = new UnsupportedMediaType(request.headers['content-type']);
  }
  if (known !== undefined) return { status: known.status, headers: { ...known.headers }, body: known.body() };
  // fastify's own 4xx (a content length that does not match the body, an aborted upload…)
  const status = (error as Partial<FastifyError>).statusCode;
  if (status !== undefined && status >= 400 && status < 500) return { status, headers: {}, body: { error: code ?? 'BAD_REQUEST', message: error.message } };
  return { status: 500, headers: {}, body: { error: 'INTERNAL', message: `ingest failed unexpectedly: ${error.message}` } };
}

export function ingestRoutes(options: IngestRoutesOptions): FastifyPluginAsync {
  const { ingest } = options;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
  if (maxRecords > ingest.capacity) {
    throw new RangeError(`maxRecords (${maxRecords}) exceeds the ingest buffer (${ingest.capacity} records): such a request could never be accepted`);
  }
  const checkToken = options.token === undefined || options.token === '' ? undefined : bearerAuth(options.token);
  const metrics = ingest.metrics;

  return async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: options.apiInfo ?? { title: `Tributary ingest (${ingest.topic})`, version: '1' },
        ...(checkToken === undefined ? {} : { components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } }),
      },
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    });
    app.addSchema(PLACEHOLDER_RECORD_SCHEMA);

    // The body is read as text and parsed here, to report syntax errors by position and read NDJSON.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser([...MEDIA_TYPES.json, ...MEDIA_TYPES.ndjson], { parseAs: 'string' }, (_request, body, done) => done(null, body));

    app.setErrorHandler((error: FastifyError, request, reply) => {
      const { status, headers, body } = refusalOf(error, request, maxBodyBytes);
      if (status >= 500) request.log.warn({ status, error: body['error'], message: body['message'] }, 'ingest request failed');
      else request.log.debug({ status, error: body['error'] }, 'ingest request refused');
      return reply.code(status).headers(headers).send(body);
    });

    app.post(
      '/records',
      {
        bodyLimit: maxBodyBytes,
        schema: recordsRouteSchema({ topic: ingest.topic, keyField: options.keyField, maxRecords, maxBodyBytes, auth: checkToken !== undefined, deadLetterTopic: ingest.deadLetterTopic }),
        // The JSON schema documents the body; the topic's Avro schema validates it, in the handler.
        validatorCompiler: () => () => true,
        ...(checkToken === undefined ? {} : { onRequest: async (request: FastifyRequest) => checkToken(request.headers.authorization) }),
        ...(metrics === undefined
          ? {}
          : {
              onResponse: async (_request: FastifyRequest, reply: FastifyReply) => {
                metrics.requests.inc({ status: String(reply.statusCode) });
                metrics.requestSeconds.observe(reply.elapsedTime / 1000);
              },
            }),
      },
      async (request, reply) => {
        const receivedAt = Date.now();
        const requestId = requestIdOf(request);
        reply.header('x-request-id', requestId);
        const format = bodyFormat(request.headers['content-type']);
        const body = request.body;
        if (format === undefined || typeof body !== 'string') throw new UnsupportedMediaType(request.headers['content-type']);
        ingest.admit();
        let parsed: ParsedBody;
        try {
          parsed = parseBody(body, format, maxRecords);
        } catch (error) {
          await ingest.deadLetter(error, { requestId, receivedAt, body, format });
          throw error;
        }
        const { documents, lines } = parsed;
        try {
          let records;
          try {
            records = ingest.encoder().encode(documents, lines);
          } catch (error) {
            await ingest.deadLetter(error, { requestId, receivedAt, body, format, documents });
            throw error;
          }
          await ingest.produce(records);
        } catch (error) {
          metrics?.records.inc({ outcome: 'rejected' }, documents.length);
          throw error;
        }
        metrics?.records.inc({ outcome: 'accepted' }, documents.length);
        return reply.code(200).send({ accepted: documents.length });
      },
    );

    app.get('/openapi.json', { schema: { hide: true } }, async () => {
      const document = structuredClone(app.swagger()) as { components?: { schemas?: Record<string, unknown> } };
      const schema = ingest.schema;
      if (schema !== undefined && document.components?.schemas !== undefined) {
        document.components.schemas[RECORD_SCHEMA_ID] = recordJsonSchema(schema.schema, ingest.allowsUnknownFields);
      }
      return document;
    });
  };
}
