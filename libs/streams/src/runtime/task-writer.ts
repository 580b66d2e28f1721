import type { Kafka, Message, Producer } from 'kafkajs';
import type { CommitBatch } from '../task/stream-task.js';
import type { OutputMessage } from '../task/output-message.js';
import { COMPRESSION_TYPES, type Compression } from './config.js';

/** Writes a task's commit batches: atomically (exactly-once) or outputs-then-offsets (at-least-once). */
export interface TaskWriter {
  /** Connects; for exactly-once this fences any older producer of the task. */
  open(): Promise<void>;
  write(batch: CommitBatch): Promise<void>;
  /** Drops the producer and makes a fresh one (after a failed commit or abort). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

function topicMessages(messages: readonly OutputMessage[]): { topic: string; messages: Message[] }[] {
  const byTopic = new Map<string, Message[]>();
  for (const m of messages) {
    let list = byTopic.get(m.topic);
    if (list === undefined) {
      list = [];
      byTopic.set(m.topic, list);
    }
    const message: Message = { key: m.key, value: m.value, timestamp: String(m.timestamp) };
    if (m.partition !== undefined) message.partition = m.partition;
    if (m.headers !== undefined) message.headers = m.headers;
    list.push(message);
  }
  return [...byTopic].map(([topic, list]) => ({ topic, messages: list }));
}

/**
 * kafkajs sends all of one call's messages for a partition as one record
 * batch, and the broker rejects a batch over `message.max.bytes` (1 MB by
 * default) with a non-retriable MESSAGE_TOO_LARGE. A commit can easily hold
 * more than that for one partition (a pipe that keeps its keys writes a whole
 * input partition's worth to one output partition), so a batch is sent in
 * consecutive chunks of at most this many estimated bytes — all in the same
 * transaction, in order.
 */
const MAX_CHUNK_BYTES = 512 * 1024;
/**
 * …and of at most this many messages. This was 1,000 while kafkajs grouped a
 * call's messages per partition in quadratic time; the runtime's kafkajs copy
 * now groups them in one pass (../kafka/kafkajs.ts), so fewer, larger calls
 * save the sequential round trips of a commit's chunks.
 */
const MAX_CHUNK_MESSAGES = 10_000;

function sizeOf(m: OutputMessage): number {
  let size = 24 + (m.key?.length ?? 0) + (m.value?.length ?? 0);
  if (m.headers !== undefined) for (const [name, value] of Object.entries(m.headers)) size += 8 + name.length + (value?.length ?? 0);
  return size;
}

/** Splits `messages` (in order) into runs of at most `maxBytes` estimated bytes and `maxMessages` messages. */
export function chunkMessages(messages: readonly OutputMessage[], maxBytes = MAX_CHUNK_BYTES, maxMessages = MAX_CHUNK_MESSAGES): OutputMessage[][] {
  const chunks: OutputMessage[][] = [];
  let chunk: OutputMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = sizeOf(m);
    if (chunk.length > 0 && (bytes + size > maxBytes || chunk.length >= maxMessages)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(m);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

function offsetTopics(batch: CommitBatch): { topic: string; partitions: { partition: number; offset: string }[] }[] {
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const o of batch.offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partition: o.partition, offset: o.offset.toString() }]);
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

/**
 * One transactional producer per task, `transactionalId = <applicationId>-<taskId>`,
 * stable across instances. Opening it (InitProducerId) bumps the epoch: the
 * previous owner of the task is fenced and its open transaction aborted, so a
 * zombie can never commit after the new owner read the committed offsets.
 * Each commit is one short transaction: outputs, changelog records, dead
 * letters, then the consumed offsets, then commit.
 */
export class TransactionalTaskWriter implements TaskWriter {
  #producer: Producer | undefined;

  constructor(
    private readonly kafka: Kafka,
    readonly transactionalId: string,
    private readonly groupId: string,
    private readonly transactionTimeoutMs: number,
    private readonly compression: Compression = 'none',
  ) {}

  async open(): Promise<void> {
    if (this.#producer !== undefined) return;
    const producer = this.kafka.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.transactionTimeoutMs,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    // kafkajs' connect() does NOT send InitProducerId for the transactional id
    // (only an idempotent, non-transactional one); it does so lazily at the
    // first transaction(). Fencing must happen now, before the caller reads
    // the changelog and the committed offsets, so start and abort an empty
    // transaction: that runs InitProducerId (epoch bump, the old owner's open
    // transaction aborted) without writing anything.
    const fence = await producer.transaction();
    await fence.abort();
    this.#producer = producer;
  }

  async write(batch: CommitBatch): Promise<void> {
    if (batch.messages.length === 0 && batch.offsets.length === 0) return;
    if (this.#producer === undefined) await this.open();
    const producer = this.#producer as Producer;
    const transaction = await producer.transaction();
    try {
      for (const chunk of chunkMessages(batch.messages)) await transaction.sendBatch({ topicMessages: topicMessages(chunk), acks: -1, compression: COMPRESSION_TYPES[this.compression] });
      if (batch.offsets.length > 0) await transaction.sendOffsets({ consumerGroupId: this.groupId, topics: offsetTopics(batch) });
      await transaction.commit();
    } catch (error) {
      // A producer whose abort fails can be stuck; a fresh one (InitProducerId) aborts the transaction for it.
      await transaction.abort().catch(async () => await this.reset().catch(() => undefined));
      throw error;
    }
  }

  async reset(): Promise<void> {
    const old = this.#producer;
    this.#producer = undefined;
    await old?.disconnect().catch(() => undefined);
    await this.open();
  }

  async close(): Promise<void> {
    const old = this.#producer;
    this.#producer = undefined;
    await old?.disconnect().catch(() => undefined);
  }
}

/**
 * At-least-once: an idempotent producer writes the batch, then the consumed
 * offsets are committed. A crash between the two replays the batch.
 */
export class AtLeastOnceTaskWriter implements TaskWriter {
  #producer: Producer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly commitOffsets: (offsets: { topic: string; partition: number; offset: string }[]) => Promise<void>,
    private readonly compression: Compression = 'none',
  ) {}

  async open(): Promise<void> {
    if (this.#producer !== undefined) return;
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    this.#producer = producer;
  }

  async write(batch: CommitBatch): Promise<void> {
    if (this.#producer === undefined) await this.open();
    for (const chunk of chunkMessages(batch.messages)) await (this.#producer as Producer).sendBatch({ topicMessages: topicMessages(chunk), acks: -1, compression: COMPRESSION_TYPES[this.compression] });
    if (batch.offsets.length > 0) {
      await this.commitOffsets(batch.offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset.toString() })));
    }
  }

  async reset(): Promise<void> {
    await this.close();
    await this.open();
  }

  async close(): Promise<void> {
    const old = this.#producer;
    this.#producer = undefined;
    await old?.disconnect().catch(() => undefined);
  }
}
