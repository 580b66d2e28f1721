import { ConfigError } from '@tributary/streams';
import { compressionEnv, env, httpEnv, kafkaEnv, readConfig, registryEnv, type ConfigOf } from '@tributary/service';

/** Environment variables of the ingest service (see the README's config table). */
export const ingestEnv = {
  ...kafkaEnv,
  ...registryEnv,
  ...httpEnv,
  ...compressionEnv,
  /** The topic records are written to (it must exist: ingest never creates topics). */
  INGEST_TOPIC: env.string({ default: 'coldchain.readings' }),
  /** Top-level field of the record whose value is the Kafka key (a string, int or long field). */
  KEY_FIELD: env.string({ default: 'containerId' }),
  /** Schema subject; default `<INGEST_TOPIC>-value` (TopicNameStrategy). */
  SCHEMA_SUBJECT: env.string({ optional: true }),
  /** Registered version of the subject to write with. */
  SCHEMA_VERSION: env.string({ default: 'latest', pattern: /^(latest|[1-9]\d*)$/, expected: '"latest" or a version number' }),
  /** Write with this .avsc file's schema instead of a registry version; it must be registered under the subject. */
  SCHEMA_FILE: env.string({ optional: true }),
  /**
   * Where records refused for their content go (INVALID_RECORDS,
   * RECORD_TOO_LARGE, MALFORMED_BODY); it must exist. `none` writes no dead
   * letters. The default follows the streams runtime's `<applicationId>.dlq`.
   */
  DLQ_TOPIC: env.string({ default: 'coldchain-ingest.dlq', pattern: /^[A-Za-z0-9._-]{1,249}$/, expected: 'a Kafka topic name, or none' }),
  /** Largest dead-letter value (a refused record's JSON, or a malformed body); longer ones are cut. */
  DLQ_MAX_VALUE_BYTES: env.int({ default: 65_536, min: 1_024, max: 900_000 }),
  /** Drop fields the schema does not have instead of refusing the record. */
  ALLOW_UNKNOWN_FIELDS: env.boolean({ default: false }),
  /** When set, POST /records needs `Authorization: Bearer <INGEST_TOKEN>`. */
  INGEST_TOKEN: env.string({ optional: true, secret: true }),
  MAX_BODY_BYTES: env.int({ default: 10 * 1024 * 1024, min: 1 }),
  MAX_RECORDS: env.int({ default: 10_000, min: 1 }),
  /** Largest encoded record; keep it under the broker's message.max.bytes (1 MiB by default). */
  MAX_RECORD_BYTES: env.int({ default: 1_000_000, min: 16 }),
  /** Records accepted and not yet acknowledged by Kafka; above it requests get 429. */
  MAX_BUFFERED_RECORDS: env.int({ default: 50_000, min: 1 }),
  /** How long the first records of a batch wait for others when no send is in flight. */
  LINGER_MS: env.int({ default: 5, min: 0 }),
  BATCH_MAX_RECORDS: env.int({ default: 1_000, min: 1 }),
  BATCH_MAX_BYTES: env.int({ default: 512 * 1024, min: 1024 }),
  /** kafkajs retries of one send before the request gets 503 (an idempotent producer needs at least 1). */
  SEND_RETRIES: env.int({ default: 5, min: 1 }),
  /** How long the broker may take to acknowledge a produce request (acks=all). */
  ACK_TIMEOUT_MS: env.int({ default: 30_000, min: 1 }),
};

export type IngestConfig = ConfigOf<typeof ingestEnv>;

/** Reads and validates the configuration; a bad value throws a ConfigError naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): IngestConfig {
  const config = readConfig(ingestEnv, source);
  if (config.MAX_RECORDS > config.MAX_BUFFERED_RECORDS) {
    throw new ConfigError(
      `MAX_RECORDS=${config.MAX_RECORDS} is larger than MAX_BUFFERED_RECORDS=${config.MAX_BUFFERED_RECORDS}: a request that large could never be accepted; expected MAX_RECORDS ≤ MAX_BUFFERED_RECORDS`,
    );
  }
  if (config.DLQ_TOPIC === config.INGEST_TOPIC) {
    throw new ConfigError(`DLQ_TOPIC=${JSON.stringify(config.DLQ_TOPIC)} is the topic ingest writes to: expected another topic, or none`);
  }
  if (config.SCHEMA_FILE !== undefined && source['SCHEMA_VERSION'] !== undefined && source['SCHEMA_VERSION'].trim() !== '') {
    throw new ConfigError('SCHEMA_FILE and SCHEMA_VERSION are both set: expected one of them (the file names its own schema)');
  }
  return config;
}

/** DLQ_TOPIC, or undefined when it is `none` (no dead letters). */
export function deadLetterTopic(config: IngestConfig): string | undefined {
  return config.DLQ_TOPIC === 'none' ? undefined : config.DLQ_TOPIC;
}

/** SCHEMA_VERSION as the registry client takes it. */
export function schemaVersion(config: IngestConfig): number | 'latest' {
  return config.SCHEMA_VERSION === 'latest' ? 'latest' : Number(config.SCHEMA_VERSION);
}
