/** Helpers for broker-backed tests: a kafkajs client on the test stack, topics, and a consumer that collects decoded values. */
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { stackEndpoints } from '@tributary/testing/vitest';
import type { Serde } from '../src/index.js';

export function kafka(): Kafka {
  return new Kafka({ clientId: 'avro-tests', brokers: [stackEndpoints().KAFKA_BOOTSTRAP], logLevel: logLevel.NOTHING });
}

export async function createTopic(client: Kafka, topic: string): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export interface Collector<T> {
  readonly values: T[];
  readonly errors: unknown[];
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A running consumer of `topic` (from the beginning) that decodes every value with `serde`. */
export async function collect<T>(client: Kafka, topic: string, serde: Serde<T>, groupId: string): Promise<Collector<T>> {
  const values: T[] = [];
  const errors: unknown[] = [];
  const consumer: Consumer = client.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      try {
        values.push(await serde.deserialize(message.value as Buffer, { topic, isKey: false }));
      } catch (error) {
        errors.push(error);
      }
    },
  });
  return {
    values,
    errors,
    async waitFor(count, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (values.length + errors.length < count) {
        if (Date.now() > deadline) throw new Error(`consumer ${groupId} got ${values.length} values and ${errors.length} errors of ${count} after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop: () => consumer.disconnect(),
  };
}
