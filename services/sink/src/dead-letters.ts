/**
 * Dead letters of the sink: `<group>.dlq`, with the runtime's headers
 * (`DLQ_HEADERS`: source topic, partition, offset, timestamp, error class,
 * code and message; the task header names `<group>/<topic>-<partition>`) and
 * the original key, value and headers, so a record can be inspected and
 * replayed. Written by an idempotent producer and acknowledged by every
 * in-sync replica before the database transaction that moves past the record
 * commits: at least once (a failure between the two writes them again).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs, isTransient } from './failures.js';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { deadLetter, deadLetterTopic } from '@tributary/streams';
import type { DeadLetterCandidate } from './decoder.js';

export class DeadLetterProducer {
  readonly topic: string;
  readonly #group: string;
  readonly #producer: Producer;

  constructor(kafka: Kafka, group: string) {
    this.topic = deadLetterTopic(group);
    this.#group = group;
    this.#producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  /**
   * Creates `<group>.dlq` if it does not exist yet. Right after a topic is
   * created, the broker can still answer its metadata with
   * UNKNOWN_TOPIC_OR_PARTITION (kafkajs only waits out LEADER_NOT_AVAILABLE):
   * transient errors are retried for up to a minute.
   */
  async ensureTopic(admin: Admin, replicationFactor: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = await admin.listTopics();
        if (existing.includes(this.topic)) return;
        await admin.createTopics({ topics: [{ topic: this.topic, numPartitions: 1, replicationFactor }], waitForLeaders: true });
        return;
      } catch (error) {
        if (!isTransient(error) || Date.now() > deadline) throw error;
        await sleep(backoffMs(attempt));
      }
    }
  }

  async connect(): Promise<void> {
    await this.#producer.connect();
  }

  /** Writes the dead letters of one source partition and waits for the brokers' acknowledgement. */
  async send(topic: string, partition: number, candidates: readonly DeadLetterCandidate[]): Promise<void> {
    if (candidates.length === 0) return;
    const source = { topic, partition, taskId: `${this.#group}/${topic}-${partition}` };
    const messages = candidates.map(({ message, error }) => {
      const letter = deadLetter(this.topic, source, message, error);
      return { key: letter.key, value: letter.value, timestamp: String(letter.timestamp), ...(letter.headers !== undefined ? { headers: letter.headers } : {}) };
    });
    await this.#producer.send({ topic: this.topic, acks: -1, messages });
  }

  async disconnect(): Promise<void> {
    await this.#producer.disconnect();
  }
}
