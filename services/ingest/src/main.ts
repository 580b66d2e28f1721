/**
 * The ingest service: HTTP JSON / NDJSON in, Avro records on one Kafka topic,
 * answered only after Kafka acknowledged them. Runs in the service shell
 * (`/healthz`, `/readyz`, `/metrics`) beside `POST /records` and
 * `GET /openapi.json`.
 *
 *   node --import tsx --conditions=source services/ingest/src/main.ts
 */
import { kafkajs } from '@tributary/streams';
import { kafkaConfig, registryClient, runService } from '@tributary/service';
import { deadLetterTopic, loadConfig, schemaVersion } from './config.js';
import { Ingest } from './ingest.js';
import { kafkaLogCreator } from './kafka-log.js';
import { ingestRoutes } from './routes.js';

const config = loadConfig();
const dlqTopic = deadLetterTopic(config);
const { Kafka, logLevel } = kafkajs();
let ingest: Ingest | undefined;

await runService({
  name: 'ingest',
  http: config,
  build: (ctx) => {
    ingest = new Ingest({
      kafka: new Kafka({ ...kafkaConfig(config, ctx.clientId), logLevel: logLevel.WARN, logCreator: kafkaLogCreator(ctx.log) }),
      registry: registryClient(config),
      topic: config.INGEST_TOPIC,
      keyField: config.KEY_FIELD,
      ...(config.SCHEMA_SUBJECT === undefined ? {} : { subject: config.SCHEMA_SUBJECT }),
      ...(config.SCHEMA_FILE === undefined ? { schemaVersion: schemaVersion(config) } : { schemaFile: config.SCHEMA_FILE }),
      allowUnknownFields: config.ALLOW_UNKNOWN_FIELDS,
      ...(dlqTopic === undefined ? {} : { deadLetterTopic: dlqTopic, maxDeadLetterBytes: config.DLQ_MAX_VALUE_BYTES }),
      maxRecordBytes: config.MAX_RECORD_BYTES,
      lingerMs: config.LINGER_MS,
      maxBatchRecords: config.BATCH_MAX_RECORDS,
      maxBatchBytes: config.BATCH_MAX_BYTES,
      maxBufferedRecords: config.MAX_BUFFERED_RECORDS,
      sendRetries: config.SEND_RETRIES,
      ackTimeoutMs: config.ACK_TIMEOUT_MS,
      compression: config.KAFKA_COMPRESSION,
      log: ctx.log,
      metricsRegistry: ctx.registry,
    });
    ctx.log.info(
      { topic: config.INGEST_TOPIC, deadLetterTopic: dlqTopic ?? 'none', keyField: config.KEY_FIELD, auth: config.INGEST_TOKEN !== undefined, maxRecords: config.MAX_RECORDS, maxBodyBytes: config.MAX_BODY_BYTES },
      'ingest',
    );
    return ingest;
  },
  routes: async (app) => {
    if (ingest === undefined) throw new Error('routes before build');
    await app.register(
      ingestRoutes({
        ingest,
        keyField: config.KEY_FIELD,
        maxBodyBytes: config.MAX_BODY_BYTES,
        maxRecords: config.MAX_RECORDS,
        token: config.INGEST_TOKEN,
      }),
    );
  },
});
