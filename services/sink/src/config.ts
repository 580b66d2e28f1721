import { env, httpEnv, kafkaEnv, postgresEnv, readConfig, registryEnv, type ConfigOf } from '@tributary/service';
import { ConfigError } from '@tributary/streams';

/** One topic the sink writes into one table, upserting by the key fields. */
export interface SinkTopicSpec {
  readonly topic: string;
  readonly table: string;
  /** Avro field names of the primary key, in order. */
  readonly keyFields: readonly string[];
}

/** The cold-chain pipeline's tables: risk scores by container, window and model; alerts by id. */
export const DEFAULT_SINK_TOPICS = ['coldchain.scores:risk_scores:containerId+windowStart+modelName', 'coldchain.alerts:alerts:alertId'];

const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
/** Unquoted-style lower-case identifiers only, so names mean the same in psql as in the sink. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The sink's environment: Kafka, registry, HTTP shell, PostgreSQL, and its own variables. */
export const sinkEnv = {
  ...kafkaEnv,
  ...registryEnv,
  ...httpEnv,
  ...postgresEnv,
  /** Consumer group, the `consumer_group` of its rows in `sink_offsets`, and the prefix of `<group>.dlq`. */
  GROUP_ID: env.string({ default: 'coldchain-sink', pattern: /^[a-zA-Z0-9._-]+$/, expected: "letters, digits, '.', '_' or '-'" }),
  /** `topic:table:key1+key2`, comma-separated. */
  SINK_TOPICS: env.list({ default: DEFAULT_SINK_TOPICS }),
  /** PostgreSQL schema of every table the sink creates and writes (created if missing). */
  DATABASE_SCHEMA: env.string({ default: 'public', pattern: IDENTIFIER, expected: 'a lower-case identifier ([a-z_][a-z0-9_]*, at most 63 characters)' }),
  /** Consumer session timeout: how long a silent sink keeps its partitions. */
  SESSION_TIMEOUT_MS: env.int({ default: 10_000, min: 6_000 }),
  /** Replication factor of `<group>.dlq` when the sink creates it. */
  DLQ_REPLICATION_FACTOR: env.int({ default: 1, min: 1 }),
};

export type SinkEnv = ConfigOf<typeof sinkEnv>;
export type SinkConfig = SinkEnv & { readonly topics: readonly SinkTopicSpec[] };

/**
 * Parses `SINK_TOPICS` items (`topic:table:key1+key2`). Each topic and each
 * table appears once: a table has exactly one source topic and schema.
 */
export function parseSinkTopics(items: readonly string[]): SinkTopicSpec[] {
  const specs: SinkTopicSpec[] = [];
  for (const item of items) {
    const parts = item.split(':').map((p) => p.trim());
    const [topic = '', table = '', keys = ''] = parts;
    const keyFields = keys.split('+').map((k) => k.trim());
    const problem =
      parts.length !== 3
        ? 'expected topic:table:key1+key2'
        : !TOPIC.test(topic)
          ? `topic ${JSON.stringify(topic)} is not a Kafka topic name`
          : !IDENTIFIER.test(table)
            ? `table ${JSON.stringify(table)} is not a lower-case identifier ([a-z_][a-z0-9_]*, at most 63 characters)`
            : keyFields.some((k) => !FIELD.test(k))
              ? `key fields ${JSON.stringify(keys)} are not field names joined by "+"`
              : undefined;
    if (problem !== undefined) throw new ConfigError(`SINK_TOPICS item ${JSON.stringify(item)} is invalid: ${problem}`);
    if (specs.some((s) => s.topic === topic)) throw new ConfigError(`SINK_TOPICS lists topic ${topic} twice: expected one table per topic`);
    if (specs.some((s) => s.table === table)) throw new ConfigError(`SINK_TOPICS maps two topics to table ${table}: expected one topic per table`);
    specs.push({ topic, table, keyFields });
  }
  return specs;
}

/** Reads and validates the sink's configuration; errors name the variable, its value and what is expected. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): SinkConfig {
  const config = readConfig(sinkEnv, source);
  return { ...config, topics: parseSinkTopics(config.SINK_TOPICS) };
}
