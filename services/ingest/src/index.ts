export { ingestEnv, loadConfig, schemaVersion, deadLetterTopic, type IngestConfig } from './config.js';
export { Ingest, type IngestOptions } from './ingest.js';
export { ingestRoutes, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_RECORDS, type IngestRoutesOptions } from './routes.js';
export { ProduceBatcher, recordBytes, type ProduceBatcherOptions } from './produce-batcher.js';
export { RecordEncoder, type EncodedRecord, type OutgoingRecord, type RecordEncoderOptions } from './record-encoder.js';
export { DeadLetterWriter, type DeadLetterWriterOptions } from './dead-letter-writer.js';
export { deadLettersOf, INGEST_DLQ_HEADERS, type DeadLetter, type DeadLetterOptions, type RefusedRequest } from './dead-letters.js';
export { rawRecords } from './raw-records.js';
export { RecordProducer, type RecordProducerOptions, type IngestLog } from './record-producer.js';
export { loadTopicSchema, checkKeyField, type TopicSchema, type TopicSchemaOptions } from './topic-schema.js';
export { recordJsonSchema, type JsonSchema } from './record-json-schema.js';
export { parseBody, bodyFormat, MEDIA_TYPES, type BodyFormat, type ParsedBody } from './request-body.js';
export { parseJson, locateJsonError, type JsonSyntaxError, type JsonParse } from './json-syntax.js';
export { bearerAuth } from './bearer-auth.js';
export { ingestMetrics, type IngestMetrics } from './metrics.js';
export { kafkaLogCreator } from './kafka-log.js';
export {
  IngestError,
  MalformedBody,
  InvalidRecords,
  EmptyBody,
  Unauthorized,
  Forbidden,
  PayloadTooLarge,
  RecordTooLarge,
  UnsupportedMediaType,
  BufferFull,
  BrokerUnavailable,
  NotReady,
  ProduceFailed,
  IngestSetupError,
  type RecordErrors,
  type RefusedRecord,
  type RefusesRecords,
} from './errors.js';
