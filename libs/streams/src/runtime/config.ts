import type { KafkaConfig } from 'kafkajs';
import { ConfigError } from '../errors.js';
import type { ErrorPolicy } from '../task/stream-task.js';
import type { StreamsInstrumentation } from './instrumentation.js';

export type ProcessingGuarantee = 'exactly_once' | 'at_least_once';

/**
 * Codec of the record batches the app writes (outputs, changelogs, DLQ).
 * `gzip` is the one kafkajs carries; the broker stores batches as sent, so
 * every consumer reads them as they are. Compressed sends go through
 * kafkajs' own encoder, not the runtime's one-pass one, and cost CPU on
 * both sides: `npm run bench -- compare --compression=gzip` measures it.
 */
export type Compression = 'none' | 'gzip';
export const COMPRESSIONS: readonly Compression[] = ['none', 'gzip'];
/** kafkajs' `CompressionTypes` code of each: what a `send` takes as `compression`. */
export const COMPRESSION_TYPES: Readonly<Record<Compression, number>> = { none: 0, gzip: 1 };

/** Settings of a `StreamsApp`. */
export interface StreamsConfig {
  /** Consumer group id, prefix of internal topics and of transactional ids. Stable across restarts. */
  readonly applicationId: string;
  /** kafkajs client settings (brokers, ssl, sasl, clientId…). */
  readonly kafka: KafkaConfig;
  /** Default `exactly_once`. */
  readonly processingGuarantee?: ProcessingGuarantee;
  /** Commit at least this often (ms); default 100. */
  readonly commitIntervalMs?: number;
  /** …or after this many records in a task, whichever comes first; default 10,000. */
  readonly commitEveryRecords?: number;
  /** Batch compression of everything the app writes; default `none`. */
  readonly compression?: Compression;
  /** Undecodable records and processing errors: `dlq` (default) or `fail`. */
  readonly errorPolicy?: ErrorPolicy;
  /** Replication factor of topics the app creates; default 1. */
  readonly replicationFactor?: number;
  /** Partitions of the dead-letter topic when created; default 1. */
  readonly dlqPartitions?: number;
  /** Consumer session timeout (ms); default 10,000. */
  readonly sessionTimeoutMs?: number;
  /** Transaction timeout (ms); default 30,000. */
  readonly transactionTimeoutMs?: number;
  /** Give up a task after this many consecutive retriable failures; default: never (keep retrying with backoff). */
  readonly maxTaskRetries?: number;
  readonly instrumentation?: StreamsInstrumentation;
  /** Log lines (JSON-able objects); default: none. */
  readonly log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export interface ResolvedStreamsConfig extends Required<Omit<StreamsConfig, 'maxTaskRetries' | 'instrumentation' | 'log'>> {
  readonly maxTaskRetries: number;
  readonly instrumentation: StreamsInstrumentation;
  readonly log: NonNullable<StreamsConfig['log']>;
}

const positiveInt = (name: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name}=${String(value)} is invalid: expected a positive integer`);
  return value;
};

/** Fills defaults and checks every setting, naming the one that is wrong. */
export function resolveConfig(config: StreamsConfig): ResolvedStreamsConfig {
  if (typeof config.applicationId !== 'string' || !/^[a-zA-Z0-9._-]+$/.test(config.applicationId)) {
    throw new ConfigError(
      `applicationId=${JSON.stringify(config.applicationId)} is invalid: expected letters, digits, '.', '_' or '-' (it prefixes topic names)`,
    );
  }
  const guarantee = config.processingGuarantee ?? 'exactly_once';
  if (guarantee !== 'exactly_once' && guarantee !== 'at_least_once') {
    throw new ConfigError(`processingGuarantee=${JSON.stringify(guarantee)} is invalid: expected "exactly_once" or "at_least_once"`);
  }
  const compression = config.compression ?? 'none';
  if (!COMPRESSIONS.includes(compression)) {
    throw new ConfigError(`compression=${JSON.stringify(compression)} is invalid: expected ${COMPRESSIONS.map((c) => `"${c}"`).join(' or ')}`);
  }
  const policy = config.errorPolicy ?? 'dlq';
  if (policy !== 'dlq' && policy !== 'fail') throw new ConfigError(`errorPolicy=${JSON.stringify(policy)} is invalid: expected "dlq" or "fail"`);
  if (!Array.isArray(config.kafka?.brokers) || config.kafka.brokers.length === 0) {
    throw new ConfigError('kafka.brokers is empty: expected at least one "host:port"');
  }
  return {
    applicationId: config.applicationId,
    kafka: config.kafka,
    processingGuarantee: guarantee,
    commitIntervalMs: positiveInt('commitIntervalMs', config.commitIntervalMs, 100),
    commitEveryRecords: positiveInt('commitEveryRecords', config.commitEveryRecords, 10_000),
    compression,
    errorPolicy: policy,
    replicationFactor: positiveInt('replicationFactor', config.replicationFactor, 1),
    dlqPartitions: positiveInt('dlqPartitions', config.dlqPartitions, 1),
    sessionTimeoutMs: positiveInt('sessionTimeoutMs', config.sessionTimeoutMs, 10_000),
    transactionTimeoutMs: positiveInt('transactionTimeoutMs', config.transactionTimeoutMs, 30_000),
    maxTaskRetries: config.maxTaskRetries ?? Number.POSITIVE_INFINITY,
    instrumentation: config.instrumentation ?? {},
    log: config.log ?? (() => undefined),
  };
}
