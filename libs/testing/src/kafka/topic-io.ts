/** Small broker helpers for integration tests: a quiet client, topics, produce, read_committed reads (through the runtime's fixed kafkajs). */
import type { IHeaders, ITopicConfig, Kafka as KafkaClient } from 'kafkajs';
import { kafkajs } from '@tributary/streams';

const { Kafka, logLevel } = kafkajs();

export interface ReadRecord {
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
}

export function kafkaClient(bootstrap: string): KafkaClient {
  return new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING });
}

export async function createTopics(kafka: KafkaClient, topics: ITopicConfig[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics, waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export async function produce(kafka: KafkaClient, topic: string, messages: { key: string; value: Buffer | null }[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

/** Reads `topic` from the beginning (read_committed) until `count` records arrived; fails after `timeoutMs` naming what it saw. */
export async function readRecords(kafka: KafkaClient, topic: string, count: number, timeoutMs = 60_000): Promise<ReadRecord[]> {
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}-${Math.random()}`, readUncommitted: false, maxWaitTimeInMs: 200 });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done!: () => void;
    const enough = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      eachMessage: async ({ message }) => {
        records.push({ key: message.key?.toString() ?? null, value: message.value, headers: message.headers ?? {} });
        if (records.length >= count) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      enough.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) throw new Error(`read ${records.length} of ${count} records from ${topic} within ${timeoutMs} ms`);
    return records;
  } finally {
    await consumer.disconnect();
  }
}
