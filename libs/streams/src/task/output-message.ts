import type { Headers } from '../record.js';

/** A record a task will produce when it commits (output, changelog or dead letter). */
export interface OutputMessage {
  readonly topic: string;
  /** Explicit partition (changelogs); otherwise the producer's key partitioner decides. */
  readonly partition?: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers?: Headers;
}

/** Offsets a commit records: the next offset to read, per consumed partition. */
export interface ConsumedOffset {
  readonly topic: string;
  readonly partition: number;
  /** Offset of the last processed record + 1. */
  readonly offset: bigint;
}

/** A raw consumed record, as kafkajs delivers it. */
export interface ConsumedMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: string;
  readonly offset: string;
  readonly headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}
