/**
 * `compression: 'gzip'`: what the app writes — outputs and changelog — is
 * stored as gzip batches and reads back whole; without the setting nothing
 * is compressed. The codec is observed where it must be: kafkajs' gzip codec
 * of the runtime's kafkajs copy, wrapped to count the batches it compresses
 * (the app, in this process) and decompresses (the readers below).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countGzipBatches, type GzipBatchCount } from '../../../testing/src/kafka/gzip-counter.js';
import { stackEndpoints } from '../../../testing/src/vitest/endpoints.js';
import { kafkajs } from '../../src/kafka/kafkajs.js';
import { PartitionReader } from '../../src/kafka/partition-reader.js';
import { StreamsApp, StreamsBuilder, float64, string, type Compression } from '../../src/index.js';

const { Kafka, logLevel } = kafkajs();
const { KAFKA_BOOTSTRAP } = stackEndpoints();
const kafka = new Kafka({ clientId: 'compression-test', brokers: [KAFKA_BOOTSTRAP], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const reader = new PartitionReader(kafka);

let gzip: GzipBatchCount;

beforeAll(async () => {
  gzip = countGzipBatches();
  await admin.connect();
  await reader.connect();
});
afterAll(async () => {
  gzip.restore();
  await reader.disconnect();
  await admin.disconnect();
});

const PARTITIONS = 2;
const WORDS = Array.from({ length: 600 }, (_, i) => `word-${i % 37}`);
const expected = (): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const w of WORDS) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
};

/** Every committed record of `topic`, read partition by partition to its end: key → last value (a count). */
async function lastValues(topic: string): Promise<Map<string, number>> {
  const partitions = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition }));
  const [begin, end] = await Promise.all([reader.beginningOffsets(partitions), reader.endOffsets(partitions)]);
  const last = new Map<string, number>();
  for (const tp of partitions) {
    const key = PartitionReader.key(tp.topic, tp.partition);
    let offset = begin.get(key) ?? 0n;
    while (offset < (end.get(key) ?? 0n)) {
      const [fetched] = await reader.fetch([{ ...tp, offset }], { maxWaitMs: 100 });
      if (fetched === undefined) continue;
      for (const r of fetched.records) last.set(r.key?.toString() ?? '', r.value?.readDoubleBE(0) ?? NaN);
      offset = fetched.nextOffset;
    }
  }
  return last;
}

/** Runs a word count with `compression` until its output holds the final counts, then stops it. */
async function countWords(compression: Compression | undefined): Promise<{ output: string; changelog: string }> {
  const id = randomUUID().slice(0, 8);
  const input = `words-${id}`;
  const output = `counts-${id}`;
  const applicationId = `compression-${id}`;
  await admin.createTopics({ topics: [input, output].map((topic) => ({ topic, numPartitions: PARTITIONS })), waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: input, messages: WORDS.map((w) => ({ key: w, value: w })) });
  await producer.disconnect();

  const builder = new StreamsBuilder();
  builder.stream(input, { key: string(), value: string() }).groupByKey().count({ store: 'counts' }).toStream().to(output, { key: string(), value: float64() });
  const app = new StreamsApp(builder.build(), { applicationId, kafka: { brokers: [KAFKA_BOOTSTRAP], logLevel: logLevel.NOTHING }, ...(compression === undefined ? {} : { compression }) });
  await app.start();
  try {
    const want = expected();
    const deadline = Date.now() + 120_000;
    for (;;) {
      const got = await lastValues(output);
      if ([...want].every(([k, v]) => got.get(k) === v)) break;
      if (Date.now() > deadline) throw new Error(`output ${output} did not reach the final counts: ${JSON.stringify(Object.fromEntries(got))}`);
      await sleep(250);
    }
  } finally {
    await app.stop();
  }
  return { output, changelog: `${applicationId}-counts-changelog` };
}

describe('batch compression of what the app writes', () => {
  it('gzip: outputs and changelog are gzip batches that read back to the exact counts; default: none', async () => {
    const before = gzip.compressed;
    const zipped = await countWords('gzip');
    expect(gzip.compressed).toBeGreaterThan(before);

    for (const topic of [zipped.output, zipped.changelog]) {
      const read = gzip.decompressed;
      expect(await lastValues(topic)).toEqual(expected());
      expect(gzip.decompressed, `${topic} holds gzip batches`).toBeGreaterThan(read);
    }

    const compressedSoFar = gzip.compressed;
    const plain = await countWords(undefined);
    expect(gzip.compressed).toBe(compressedSoFar);
    for (const topic of [plain.output, plain.changelog]) {
      const read = gzip.decompressed;
      expect(await lastValues(topic)).toEqual(expected());
      expect(gzip.decompressed, `${topic} holds no gzip batch`).toBe(read);
    }
  });
});
