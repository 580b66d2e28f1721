import { COMPRESSIONS, type StreamsConfig } from '@tributary/streams';
import { env } from './env-field.js';
import type { ConfigOf } from './read-config.js';

/** Batch compression of what a service writes to Kafka (kafkajs carries gzip). */
export const compressionEnv = {
  KAFKA_COMPRESSION: env.oneOf(COMPRESSIONS, { default: 'none' }),
};

/** How a stream operator commits and writes: the same three settings in every operator. */
export const streamsEnv = {
  PROCESSING_GUARANTEE: env.oneOf(['exactly_once', 'at_least_once'], { default: 'exactly_once' }),
  /** Commit (transaction) interval; the latency floor of each hop. */
  COMMIT_INTERVAL_MS: env.int({ default: 100, min: 1 }),
  /** Of outputs, changelogs and dead letters. */
  ...compressionEnv,
};

export type StreamsEnv = ConfigOf<typeof streamsEnv>;

/** The `StreamsConfig` settings `streamsEnv` holds. */
export function streamsSettings(config: StreamsEnv): Pick<StreamsConfig, 'processingGuarantee' | 'commitIntervalMs' | 'compression'> {
  return {
    processingGuarantee: config.PROCESSING_GUARANTEE,
    commitIntervalMs: config.COMMIT_INTERVAL_MS,
    compression: config.KAFKA_COMPRESSION,
  };
}
