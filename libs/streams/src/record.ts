/** Header values as Kafka carries them. */
export type Headers = Record<string, Buffer | string | undefined>;

/**
 * A record flowing through a topology: key, value, event timestamp (ms since
 * the epoch) and headers. Processors receive and forward these.
 */
export interface StreamRecord<K, V> {
  readonly key: K;
  readonly value: V;
  readonly timestamp: number;
  readonly headers?: Headers;
}

/** Where the record being processed came from. */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}
