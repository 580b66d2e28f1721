/**
 * Helpers for the broker-backed ingest tests: topics and schemas on the
 * test stack, an ingest mounted on a bare fastify instance, and a
 * read_committed reader (through the fixed kafkajs copy) that decodes what
 * landed on a topic.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { avroSerde, RegistryClient } from '@tributary/avro';
import { SensorReadingSchema, type SensorReading } from '@tributary/schemas';
import { kafkajs } from '@tributary/streams';
import { stackEndpoints } from '@tributary/testing/vitest';
import { Ingest, type IngestOptions } from '../src/ingest.js';
import type { IngestLog } from '../src/record-producer.js';
import { ingestRoutes, type IngestRoutesOptions } from '../src/routes.js';

const { Kafka: KafkaClient, logLevel } = kafkajs();

export function testKafka(brokers: string[] = [stackEndpoints().KAFKA_BOOTSTRAP]): Kafka {
  // Few, quick connection retries: a test that points at a dead broker should learn it fast.
  return new KafkaClient({ clientId: 'ingest-tests', brokers, logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 } });
}

export function testRegistry(): RegistryClient {
  return new RegistryClient({ url: stackEndpoints().SCHEMA_REGISTRY_URL });
}

export function uniqueTopic(name: string): string {
  return `ingest-test-${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}

/** Creates `topic` and registers the reading schema under `<topic>-value`; returns the schema id. */
export async function createReadingsTopic(kafka: Kafka, topic: string, partitions = 3): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  return testRegistry().register(`${topic}-value`, JSON.stringify(SensorReadingSchema.schema));
}

/** Creates a plain topic (a dead-letter topic: ingest creates none itself). */
export async function createTopic(kafka: Kafka, topic: string, partitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** The end offset of every partition of `topic`, as `partition:offset` text (compare before and after). */
export async function endOffsets(kafka: Kafka, topic: string): Promise<string> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets
      .sort((a, b) => a.partition - b.partition)
      .map((o) => `${o.partition}:${o.high}`)
      .join(',');
  } finally {
    await admin.disconnect();
  }
}

/** Records on a topic (sum of the partitions' end offsets: an idempotent, non-transactional producer writes no markers). */
export async function recordCount(kafka: Kafka, topic: string): Promise<number> {
  return (await endOffsets(kafka, topic)).split(',').reduce((sum, entry) => sum + Number(entry.split(':')[1]), 0);
}

export interface LandedRecord {
  readonly key: string;
  readonly partition: number;
  readonly offset: string;
  readonly value: SensorReading;
}

/** Reads every record of `topic` (read_committed), decoded with the reading schema, in offset order per partition. */
export async function readTopic(kafka: Kafka, topic: string): Promise<LandedRecord[]> {
  const expected = await recordCount(kafka, topic);
  const serde = avroSerde(SensorReadingSchema, { registry: testRegistry(), autoRegister: false });
  const landed: LandedRecord[] = [];
  if (expected === 0) return landed;
  const consumer = kafka.consumer({ groupId: `ingest-test-reader-${Date.now()}-${Math.random()}`, maxWaitTimeInMs: 100, readUncommitted: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let failure: Error | undefined;
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        try {
          const value = await serde.deserialize(message.value as Buffer, { topic, isKey: false });
          landed.push({ key: message.key?.toString() ?? '', partition, offset: message.offset, value });
        } catch (error) {
          failure = error instanceof Error ? error : new Error(String(error));
        }
      },
    });
    const deadline = Date.now() + 60_000;
    while (landed.length < expected && failure === undefined) {
      if (Date.now() > deadline) throw new Error(`read ${landed.length} of ${expected} records of ${topic}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (failure !== undefined) throw failure;
  } finally {
    await consumer.disconnect();
  }
  return landed.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

export interface RawRecord {
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  readonly partition: number;
  readonly offset: string;
}

/** Reads every record of `topic` (read_committed) undecoded, headers as text, in offset order per partition. */
export async function readRawTopic(kafka: Kafka, topic: string): Promise<RawRecord[]> {
  const expected = await recordCount(kafka, topic);
  const read: RawRecord[] = [];
  if (expected === 0) return read;
  const consumer = kafka.consumer({ groupId: `ingest-test-raw-reader-${Date.now()}-${Math.random()}`, maxWaitTimeInMs: 100, readUncommitted: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) if (value !== undefined) headers[name] = String(value);
        read.push({ key: message.key?.toString() ?? null, value: message.value ?? Buffer.alloc(0), headers, partition, offset: message.offset });
      },
    });
    await until(`${expected} records of ${topic}`, () => read.length >= expected, 60_000);
  } finally {
    await consumer.disconnect();
  }
  return read.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

/** A logger that keeps its lines, to check what was (not) logged. */
export function memoryLog(): IngestLog & { readonly lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (fields: object, message: string) => lines.push(`${level} ${message} ${JSON.stringify(fields)}`);
  return { lines, debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

export interface MountedIngest {
  readonly app: FastifyInstance;
  readonly ingest: Ingest;
  readonly metrics: Registry;
  readonly log: ReturnType<typeof memoryLog>;
  close(): Promise<void>;
}

/** An ingest on the test stack (or `options.kafka`), started, its routes on a bare fastify instance. */
export async function mountIngest(
  options: Partial<IngestOptions> & { readonly topic: string },
  routes: Partial<Omit<IngestRoutesOptions, 'ingest'>> = {},
): Promise<MountedIngest> {
  const metrics = new Registry();
  const log = memoryLog();
  const ingest = new Ingest({
    kafka: testKafka(),
    registry: testRegistry(),
    keyField: 'containerId',
    log,
    metricsRegistry: metrics,
    sendRetries: 2,
    retryBackoffMs: { initial: 200, max: 1_000 },
    ...options,
  });
  await ingest.start();
  const app = Fastify();
  await app.register(ingestRoutes({ ingest, keyField: options.keyField ?? 'containerId', ...routes }));
  await app.ready();
  return {
    app,
    ingest,
    metrics,
    log,
    async close() {
      await app.close();
      await ingest.stop();
    },
  };
}

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
